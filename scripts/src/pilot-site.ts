import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';

/**
 * The pilot's simulated classroom. Sites and rooms are data: the pilot center is in Chợ Lớn ward
 * (former District 5), and nothing in code depends on that.
 */
export const PILOT_CLASSROOM = {
  site: 'ttht-cho-lon',
  node: 'gw-p101',
  room: 'Phòng 101',
  sensor: { id: 'th-1', profile: 'xy-md02', name: 'Cảm biến nhiệt độ – độ ẩm' },
} as const;

/** Writes the gateway config a technician would write by hand, so the pilot runs the same loader. */
export async function writePilotGatewayConfig(
  file: string,
  options: { mqttUrl: string; dataDir: string; sensorPort: string },
): Promise<void> {
  const { site, node, room, sensor } = PILOT_CLASSROOM;
  const config = {
    site,
    node,
    room,
    mqtt: { url: options.mqttUrl },
    dataDir: options.dataDir,
    offlineAfterMisses: 3,
    healthIntervalS: 30,
    devices: [{ id: sensor.id, profile: sensor.profile, name: sensor.name, port: options.sensorPort }],
  };
  await writeFile(file, `# Written by the pilot launcher (scripts/src/pilot.ts); see docs/gateway.md\n${stringify(config)}`, 'utf8');
}

export const joinData = (dataDir: string, ...parts: string[]) => join(dataDir, ...parts);

import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';

/**
 * The pilot's places and its simulated classroom. Places are data (the broker's registry and the ops-center's
 * sites): the pilot center is in Chợ Lớn ward (former District 5), and nothing in code depends on that.
 */
export const PILOT_SITES = [
  { id: 'hcm', kind: 'city', name: 'Thành phố Hồ Chí Minh' },
  { id: 'cho-lon', kind: 'ward', name: 'Phường Chợ Lớn', parent: 'hcm' },
  { id: 'ttht-cho-lon', kind: 'learning-center', name: 'Trung tâm học tập cộng đồng phường Chợ Lớn', parent: 'cho-lon' },
  { id: 'p101', kind: 'room', name: 'Phòng 101', parent: 'ttht-cho-lon' },
] as const;

export const PILOT_CLASSROOM = {
  site: 'ttht-cho-lon',
  node: 'gw-p101',
  room: 'Phòng 101',
  roomSite: 'p101',
} as const;

export interface PilotGatewayConfig {
  mqtt: { url: string; username: string; password: string };
  dataDir: string;
  devices: Record<string, unknown>[];
}

/** Writes the gateway config a technician would write by hand (mode 0600: it holds a password), read back by the same loader. */
export async function writePilotGatewayConfig(file: string, options: PilotGatewayConfig): Promise<void> {
  const { site, node, room } = PILOT_CLASSROOM;
  const config = {
    site,
    node,
    room,
    mqtt: options.mqtt,
    dataDir: options.dataDir,
    offlineAfterMisses: 3,
    healthIntervalS: 30,
    pjlinkNotifications: { port: 0, bindAddress: '127.0.0.1' },
    devices: options.devices,
  };
  await writeFile(file, `# Written by the pilot launcher (scripts/src/pilot.ts); see docs/gateway.md\n${stringify(config)}`, {
    encoding: 'utf8',
    mode: 0o600,
  });
}

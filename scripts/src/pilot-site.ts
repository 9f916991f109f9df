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

/** The demo teacher's card (an EM4100 tag: version 0x12, id 0x00ABCDEF); only its pseudonym is written down. */
export const PILOT_TEACHER_CARD = '1200ABCDEF';

export interface PilotGatewayConfig {
  mqtt: { url: string; username: string; password: string };
  dataDir: string;
  devices: Record<string, unknown>[];
  secretFile: string;
  teacherPseudonym: string;
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
    privacy: { secretFile: options.secretFile },
    roster: { [options.teacherPseudonym]: 'teacher' },
    rules: {
      timetable: {
        timezone: 'Asia/Ho_Chi_Minh',
        weekdays: [1, 2, 3, 4, 5, 6],
        periods: [
          { name: 'Tiết 1', start: '07:00', end: '07:45' },
          { name: 'Tiết 2', start: '07:50', end: '08:35' },
          { name: 'Tiết 3', start: '08:50', end: '09:35' },
          { name: 'Tiết 4', start: '09:40', end: '10:25' },
          { name: 'Tiết 5', start: '13:30', end: '14:15' },
          { name: 'Tiết 6', start: '14:20', end: '15:05' },
          { name: 'Tiết 7', start: '18:00', end: '19:30' },
        ],
        holidays: ['2027-01-01', '2027-02-05..2027-02-14', '2027-04-30', '2027-05-01', '2027-09-02'],
      },
      projector: 'projector-1',
      projectorOffAfterMinutes: 10,
      comfort: [
        { device: 'co2-1', reading: 'co2', high: 1500, hysteresis: 200 },
        { device: 'th-1', reading: 'temperature', high: 32, hysteresis: 1 },
      ],
    },
    devices: options.devices,
  };
  await writeFile(file, `# Written by the pilot launcher (scripts/src/pilot.ts); see docs/gateway.md\n${stringify(config)}`, {
    encoding: 'utf8',
    mode: 0o600,
  });
}

/** Shapes of the ops-center HTTP API the console reads (ops-center/src/store/store.ts, fleet/tree.ts). */
export interface LatestValue {
  site: string;
  node: string;
  device: string;
  name: string;
  value: number;
  ts: number;
  unit?: string;
}

export interface DeviceSummary {
  device: string;
  profile?: string;
  name?: string;
  online?: boolean;
  reason?: string;
  since?: number;
  commands?: string[];
}

export interface NodeSummary {
  site: string;
  node: string;
  kind?: string;
  room?: string;
  online: boolean;
  lastSeen: number;
  since?: number;
  outboxDepth?: number;
  devices: DeviceSummary[];
}

export interface StatusCounts {
  nodesOnline: number;
  nodesOffline: number;
  devicesOnline: number;
  devicesOffline: number;
  devicesUnknown: number;
}
export interface RoomBranch {
  room: string;
  counts: StatusCounts;
  nodes: NodeSummary[];
}
export interface SiteBranch {
  id: string;
  name: string;
  kind?: 'school' | 'center';
  counts: StatusCounts;
  rooms: RoomBranch[];
}
export interface WardBranch {
  ward: string;
  counts: StatusCounts;
  sites: SiteBranch[];
}
export interface CityBranch {
  city: string;
  counts: StatusCounts;
  wards: WardBranch[];
}

export interface Alert {
  id: number;
  rule: string;
  target: string;
  severity: 'info' | 'warning' | 'critical';
  site: string;
  node: string;
  device?: string;
  message: string;
  value?: number;
  raisedAt: number;
  clearedAt?: number;
  ackedAt?: number;
  ackedBy?: string;
}

export type CommandStatus = 'queued' | 'sent' | 'done' | 'failed' | 'expired';
export interface Command {
  id: string;
  site: string;
  node: string;
  device: string;
  method: string;
  status: CommandStatus;
  createdAt: number;
  finishedAt?: number;
  expiresAt: number;
  by: string;
  result?: unknown;
  error?: string;
}

export interface Attendee {
  card: string;
  firstTap: number;
  taps: number;
  role?: string;
  late?: boolean;
}
export interface RoomAttendance {
  site: string;
  room: string;
  sessions: { id: string; title: string; start: number; end: number; source: 'edge' | 'schedule'; attendees: Attendee[] }[];
  unscheduled: Attendee[];
}

export interface KioskDayStats {
  day: string;
  site: string;
  siteName?: string;
  sessions: number;
  searches: number;
  enrolments: number;
  feedback: number;
  ratings: number;
  averageRating?: number;
}

export interface ScreenshotMeta {
  site: string;
  node: string;
  device: string;
  commandId: string;
  mime: string;
  bytes: number;
  ts: number;
}

export interface SeqGap {
  site: string;
  node: string;
  from: number;
  to: number;
}

export interface Me {
  username: string | null;
  role: 'viewer' | 'operator' | 'admin';
  setupRequired?: boolean;
}

export const keyOf = (value: Pick<LatestValue, 'site' | 'node' | 'device' | 'name'>): string =>
  `${value.site}/${value.node}/${value.device}/${value.name}`;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Paths are relative so the console works under any prefix. */
export async function api<T>(path: string, init?: { method?: string; body?: unknown }): Promise<T> {
  const response = await fetch(path, {
    method: init?.method ?? 'GET',
    credentials: 'same-origin',
    ...(init?.body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(init.body) } : {}),
  });
  const text = await response.text();
  const body = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) throw new HttpError(response.status, (body as { error?: string } | undefined)?.error ?? response.statusText);
  return body as T;
}

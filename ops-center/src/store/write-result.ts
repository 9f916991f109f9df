import type { BirthPayload, CmdResultPayload } from '@lophoc/protocol';
import type { CommandResultUpdate, IntakeRecord, LatestValue, NodeSummary, WriteResult } from './store.js';

export function emptyWriteResult(): WriteResult {
  return {
    durable: new Map(),
    stored: 0,
    duplicates: 0,
    latest: [],
    samples: [],
    events: [],
    commandResults: [],
    cameOnline: [],
    fleetChanged: false,
  };
}

/** A node's `cmd-result` as the commands service takes it, the same from both backends. */
export function commandResultUpdate(site: string, node: string, payload: CmdResultPayload): CommandResultUpdate {
  const { id, ok, result, error, ts } = payload;
  return { site, node, id, ok, ts, ...(result !== undefined ? { result } : {}), ...(error ? { error } : {}) };
}

export interface NodeRowParts {
  site: string;
  node: string;
  online: boolean;
  version: string | null;
  birth: BirthPayload | undefined;
  lastSeen: number;
  since: number | null;
  outboxDepth: number | null;
}

/** The fleet view of one node, shared by both backends so they answer identically. */
export function nodeSummary(
  row: NodeRowParts,
  availabilityOf: (device: string) => { online: boolean; reason: string | null; ts: number } | undefined,
): NodeSummary {
  const { birth } = row;
  return {
    site: row.site,
    node: row.node,
    online: row.online,
    lastSeen: row.lastSeen,
    ...(row.since !== null ? { since: row.since } : {}),
    ...(row.outboxDepth !== null ? { outboxDepth: row.outboxDepth } : {}),
    ...(row.version ? { version: row.version } : {}),
    ...(birth ? { kind: birth.kind, ...(birth.room ? { room: birth.room } : {}) } : {}),
    devices: (birth?.devices ?? []).map((device) => {
      const state = availabilityOf(device.id);
      const commands = device.exposes.filter((expose) => expose.kind === 'command').map((expose) => expose.name);
      return {
        device: device.id,
        profile: device.profile,
        ...(device.name ? { name: device.name } : {}),
        ...(state ? { online: state.online, ...(state.reason ? { reason: state.reason } : {}), since: state.ts } : {}),
        ...(commands.length ? { commands } : {}),
      };
    }),
  };
}

export interface Rollup {
  site: string;
  node: string;
  device: string;
  name: string;
  bucket: number;
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** Samples summed per series and `width`-ms bucket (the batch's share of the 1-minute / 1-hour rollups). */
export function rollups(samples: readonly LatestValue[], width: number): Rollup[] {
  const buckets = new Map<string, Rollup>();
  for (const s of samples) {
    const bucket = s.ts - (s.ts % width);
    const key = `${s.site}/${s.node}/${s.device}/${s.name}/${bucket}`;
    const known = buckets.get(key);
    if (known) {
      known.count++;
      known.sum += s.value;
      known.min = Math.min(known.min, s.value);
      known.max = Math.max(known.max, s.value);
    } else
      buckets.set(key, {
        site: s.site,
        node: s.node,
        device: s.device,
        name: s.name,
        bucket,
        count: 1,
        sum: s.value,
        min: s.value,
        max: s.value,
      });
  }
  return [...buckets.values()];
}

/** The newest sample of each series (ties: the later one in the batch). */
export function newestPerSeries(samples: readonly LatestValue[]): LatestValue[] {
  const newest = new Map<string, LatestValue>();
  for (const s of samples) {
    const key = `${s.site}/${s.node}/${s.device}/${s.name}`;
    const known = newest.get(key);
    if (!known || s.ts >= known.ts) newest.set(key, s);
  }
  return [...newest.values()];
}

/** A `kiosk_intake` row of either backend (SQLite keeps JSON as text, PostgreSQL as JSONB). */
export function intakeFromRow(row: {
  kind: IntakeRecord['kind'];
  key: string;
  kiosk: string | null;
  center: string | null;
  center_name: string | null;
  ts: number | string;
  data: string | Record<string, unknown>;
}): IntakeRecord {
  return {
    kind: row.kind,
    key: row.key,
    ts: Number(row.ts),
    data: typeof row.data === 'string' ? (JSON.parse(row.data) as Record<string, unknown>) : row.data,
    ...(row.kiosk !== null ? { kiosk: row.kiosk } : {}),
    ...(row.center !== null ? { center: row.center } : {}),
    ...(row.center_name !== null ? { centerName: row.center_name } : {}),
  };
}

import type { BirthPayload } from '@lophoc/protocol';
import type { NodeSummary, WriteResult } from './store.js';

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

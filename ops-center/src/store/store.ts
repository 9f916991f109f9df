import type { Message } from '@lophoc/protocol';

export interface LatestValue {
  site: string;
  node: string;
  device: string;
  name: string;
  value: number;
  ts: number;
  unit?: string;
}

export interface NodeSummary {
  site: string;
  node: string;
  kind?: string;
  room?: string;
  online: boolean;
  version?: string;
  lastSeen: number;
  devices: { device: string; profile?: string; name?: string; online?: boolean; reason?: string }[];
}

export interface SeriesQuery {
  site: string;
  node: string;
  device: string;
  name: string;
  from?: number;
  to?: number;
  limit?: number;
}

/** What a batch of messages changed, for acks and live updates. */
export interface WriteResult {
  /** seq numbers stored or already stored, per `site/node`: all of them are safe to acknowledge. */
  durable: Map<string, { site: string; node: string; seqs: number[] }>;
  stored: number;
  duplicates: number;
  latest: LatestValue[];
}

/** The ops-center's storage (DESIGN §7): SQLite by default; PostgreSQL comes behind the same interface. */
export interface Store {
  /** Writes a batch in one transaction; records are stored once per `(site, node, seq)`. */
  write(messages: readonly Message[], receivedAt: number): WriteResult;
  latest(): LatestValue[];
  series(query: SeriesQuery): [number, number][];
  nodes(): NodeSummary[];
  close(): void;
}

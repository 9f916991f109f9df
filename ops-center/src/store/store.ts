import type { Message } from '@lophoc/protocol';

export type Role = 'admin' | 'operator' | 'viewer';
export type Resolution = 'raw' | '1m' | '1h';
export type CommandStatus = 'queued' | 'sent' | 'done' | 'failed' | 'expired';

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
  version?: string;
  /** When the node last published anything (ingest clock). */
  lastSeen: number;
  /** When `online` last changed (state payload clock). */
  since?: number;
  outboxDepth?: number;
  devices: DeviceSummary[];
}

/** A learning center or school; places are data (sites file or API), never code. */
export interface Site {
  id: string;
  name: string;
  city: string;
  ward: string;
  kind?: 'school' | 'center';
}

export interface SeriesQuery {
  site: string;
  node: string;
  device: string;
  name: string;
  from?: number;
  to?: number;
  limit?: number;
  resolution?: Resolution;
}

/** Raw points are `[ts, value]`; rollups are `[bucketStart, avg, min, max, count]`. */
export type SeriesPoint = [number, number] | [number, number, number, number, number];

export interface SeqGap {
  site: string;
  node: string;
  /** Inclusive range of seq numbers never received between two that were. */
  from: number;
  to: number;
}

export interface KioskRecord {
  site: string;
  node: string;
  kind: 'enrolment' | 'feedback' | 'rating';
  seq: number;
  key: string;
  ts: number;
  data: Record<string, unknown>;
}

/**
 * A kiosk record that reached the content API's HTTP intake (DESIGN §3 departure: kiosks deliver enrolments,
 * feedback and ratings over HTTP). Only what statistics need: never names, phones or ID numbers.
 */
export interface IntakeRecord {
  kind: 'enrolment' | 'feedback' | 'rating' | 'session';
  /** The kiosk's idempotency key; the same record sent again, or also over MQTT, has the same key. */
  key: string;
  /** The kiosk id it came from, when it said. */
  kiosk?: string;
  /** The center the record itself names (an enrolment: its course's center), with its name. */
  center?: string;
  centerName?: string;
  /** When the citizen made it (kiosk clock). */
  ts: number;
  /** `score` (rating), `searches` (session), `courseId` (enrolment), `topic` (feedback). */
  data: Record<string, unknown>;
}

export interface EventRecord {
  site: string;
  node: string;
  device: string;
  seq: number;
  type: string;
  ts: number;
  data: Record<string, unknown>;
}

export interface CommandResultUpdate {
  site: string;
  node: string;
  id: string;
  ok: boolean;
  result?: unknown;
  error?: string;
  ts: number;
}

/** What a batch of messages changed, for acks, live updates, alerts and commands. */
export interface WriteResult {
  /** seq numbers stored or already stored, per `site/node`: all of them are safe to acknowledge. */
  durable: Map<string, { site: string; node: string; seqs: number[] }>;
  stored: number;
  duplicates: number;
  latest: LatestValue[];
  /** Newly stored telemetry samples, in arrival order (alert thresholds watch them). */
  samples: LatestValue[];
  events: EventRecord[];
  commandResults: CommandResultUpdate[];
  /** Nodes whose state payload said online (queued commands may now go). */
  cameOnline: { site: string; node: string }[];
  /** Something in the fleet view changed (state, birth, availability, health). */
  fleetChanged: boolean;
}

export interface CommandRecord {
  id: string;
  site: string;
  node: string;
  device: string;
  method: string;
  params: Record<string, unknown>;
  createdAt: number;
  expiresAt: number;
  sentAt?: number;
  finishedAt?: number;
  status: CommandStatus;
  result?: unknown;
  error?: string;
  /** Operator account that sent it. */
  by: string;
}

/** The latest screen capture of a kiosk (remote command `screenshot`), one per node. */
export interface ScreenshotMeta {
  site: string;
  node: string;
  device: string;
  commandId: string;
  mime: 'image/png' | 'image/jpeg';
  bytes: number;
  /** When the kiosk captured it (its cmd/result ts). */
  ts: number;
}

export interface AlertRecord {
  id: number;
  rule: string;
  /** What the rule watched: `site/node`, `site/node/device` or `site/node/device/reading`. */
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

export interface AuditEntry {
  ts: number;
  user: string;
  action: string;
  target: string;
  detail?: Record<string, unknown>;
}

export interface UserRecord {
  username: string;
  role: Role;
  passwordHash: string;
  createdAt: number;
}

export interface ClassSession {
  id: number;
  site: string;
  room: string;
  title: string;
  start: number;
  end: number;
}

/**
 * The ops-center's storage (DESIGN §7): SQLite by default, PostgreSQL for city scale, behind this one
 * interface. Every method is async so both backends fit; SQLite resolves at once.
 */
export interface Store {
  /** Writes a batch in one transaction; records are stored once per `(site, node, seq)`. */
  write(messages: readonly Message[], receivedAt: number): Promise<WriteResult>;
  latest(): Promise<LatestValue[]>;
  series(query: SeriesQuery): Promise<SeriesPoint[]>;
  nodes(): Promise<NodeSummary[]>;
  /** Reading names declared in birth messages (`exposes` of kind reading). */
  readingNames(): Promise<string[]>;
  gaps(site?: string, node?: string): Promise<SeqGap[]>;
  /** Deletes raw records and samples older than `before` (rollups stay: 1 min for 30 days, 1 h forever). */
  prune(before: number, minuteRollupsBefore: number): Promise<{ samples: number; records: number }>;

  sites(): Promise<Site[]>;
  upsertSites(sites: readonly Site[]): Promise<void>;

  events(query: { site?: string; types?: readonly string[]; from: number; to: number }): Promise<EventRecord[]>;
  kioskRecords(query: { from: number; to: number }): Promise<KioskRecord[]>;
  /** Stores HTTP intake records once per `(kind, key)`; returns how many were new. */
  recordIntake(records: readonly IntakeRecord[]): Promise<number>;
  intakeRecords(query: { from: number; to: number }): Promise<IntakeRecord[]>;

  insertCommand(command: CommandRecord): Promise<void>;
  updateCommand(id: string, change: Partial<Pick<CommandRecord, 'status' | 'sentAt' | 'finishedAt' | 'result' | 'error'>>): Promise<void>;
  command(id: string): Promise<CommandRecord | undefined>;
  commands(query: { status?: readonly CommandStatus[]; site?: string; node?: string; limit?: number }): Promise<CommandRecord[]>;

  /** Keeps `image` as the node's latest screenshot unless a newer one is stored already. */
  saveScreenshot(meta: Omit<ScreenshotMeta, 'bytes'>, image: Buffer): Promise<void>;
  screenshots(): Promise<ScreenshotMeta[]>;
  screenshot(site: string, node: string): Promise<{ meta: ScreenshotMeta; image: Buffer } | undefined>;

  insertAlert(alert: Omit<AlertRecord, 'id'>): Promise<AlertRecord>;
  clearAlert(id: number, at: number): Promise<void>;
  ackAlert(id: number, by: string, at: number): Promise<AlertRecord | undefined>;
  alert(id: number): Promise<AlertRecord | undefined>;
  alerts(query: { active?: boolean; limit?: number }): Promise<AlertRecord[]>;
  /** Rules are data: stored as JSON, validated by the alert engine. */
  rules(): Promise<unknown[]>;
  saveRules(rules: readonly unknown[]): Promise<void>;

  users(): Promise<UserRecord[]>;
  user(username: string): Promise<UserRecord | undefined>;
  putUser(user: UserRecord): Promise<void>;
  createSession(tokenHash: string, username: string, expiresAt: number): Promise<void>;
  session(tokenHash: string, now: number): Promise<{ username: string; role: Role } | undefined>;
  deleteSession(tokenHash: string): Promise<void>;
  /** Deletes login sessions expired at `now`; returns how many. */
  pruneSessions(now: number): Promise<number>;
  audit(entry: AuditEntry): Promise<void>;
  auditLog(limit?: number): Promise<AuditEntry[]>;

  classSessions(query: { site?: string; room?: string; from: number; to: number }): Promise<ClassSession[]>;
  addClassSession(session: Omit<ClassSession, 'id'>): Promise<ClassSession>;

  close(): Promise<void>;
}

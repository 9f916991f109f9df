import { randomUUID } from 'node:crypto';
import type { BirthPayload, Message, TelemetryRecord } from '@lophoc/protocol';
import Database from 'better-sqlite3';
import { Checkpointer } from './checkpointer.js';
import type {
  AlertRecord,
  AuditEntry,
  ClassSession,
  CommandRecord,
  CommandStatus,
  EventRecord,
  IntakeRecord,
  KioskRecord,
  LatestValue,
  NodeSummary,
  Role,
  ScreenshotMeta,
  SeqGap,
  SeriesPoint,
  SeriesQuery,
  Site,
  Store,
  UserRecord,
  WriteResult,
} from './store.js';
import { commandResultUpdate, emptyWriteResult, intakeFromRow, nodeSummary } from './write-result.js';

/** Samples inserted per multi-row statement (SQLite allows 32,766 parameters; 4 per row). */
const SAMPLE_ROWS = 100;
const SERIES_ROWS = 8;

/** A series' new samples of a batch: its names, and `ts, seq, value` per sample. */
interface SeriesRows {
  names: { site: string; node: string; device: string; name: string };
  rows: number[];
  /** The series' id, set by `insertSamples` (used again for its deferred rollups). */
  id?: number;
}

/**
 * Schema version in `PRAGMA user_version`. 0: a file from before versions (samples in a rowid table with an index
 * on the series); 1: samples keyed by series, ts and seq in a WITHOUT ROWID table; 2: the seqs stored per node as
 * ranges (`seq_ranges`) instead of a `records` row each; 3: samples keyed by a series id (`series`, `points`)
 * instead of the series' four names (see `migrate`).
 */
const SCHEMA_VERSION = 3;

/**
 * The seqs stored per node, as disjoint, non-adjacent inclusive ranges: what "stored once on (node, seq)" and the
 * gaps are answered from. A node sends its seqs in order, so a batch usually extends the node's last range (one
 * UPDATE per node per batch) where a row per record cost two B-tree inserts each (`records` and its `received_at`
 * index, ~3 µs a record in the bench, 2026-11-29). `received_at` is when the range last grew and `ts` the newest
 * record time in it: the prune drops a range once both are older than the retention.
 */
const SEQ_RANGES_TABLE = `CREATE TABLE IF NOT EXISTS seq_ranges (
    site TEXT NOT NULL, node TEXT NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL,
    received_at INTEGER NOT NULL, ts INTEGER NOT NULL,
    PRIMARY KEY (site, node, first)
  ) WITHOUT ROWID;`;

/** `samples` as schema versions 1–2 had it: the series' four names in every row's key (see `POINTS_TABLE`). */
const SAMPLES_TABLE = `CREATE TABLE IF NOT EXISTS samples (
    site TEXT NOT NULL, node TEXT NOT NULL, device TEXT NOT NULL, name TEXT NOT NULL,
    ts INTEGER NOT NULL, seq INTEGER NOT NULL, value REAL NOT NULL,
    PRIMARY KEY (site, node, device, name, ts, seq)
  ) WITHOUT ROWID;`;

/** A series once: the id its samples are keyed by. Never deleted (like `latest`), so an id is never reused. */
const SERIES_TABLE = `CREATE TABLE IF NOT EXISTS series (
    id INTEGER PRIMARY KEY, site TEXT NOT NULL, node TEXT NOT NULL, device TEXT NOT NULL, name TEXT NOT NULL,
    UNIQUE (site, node, device, name)
  );`;

/**
 * One B-tree per sample: the key is what `/api/series` and the prune look up (series, then ts), and the record's
 * seq keeps two records of a series with the same ts apart. A rowid table with an index on the series cost a
 * second B-tree insert per sample; the series' four names in the key (versions 1–2) ~0.6 µs a sample more than
 * its id (store.write alone, 2026-11-29). No index on ts alone: every sample would pay for it (~1 µs) for the sake
 * of the hourly prune, which goes series by series instead.
 */
const POINTS_TABLE = `CREATE TABLE IF NOT EXISTS points (
    series INTEGER NOT NULL, ts INTEGER NOT NULL, seq INTEGER NOT NULL, value REAL NOT NULL,
    PRIMARY KEY (series, ts, seq)
  ) WITHOUT ROWID;`;

/** The samples with their names, as the `samples` table of versions 1–2 had them, for whoever reads the file. */
const SAMPLES_VIEW = `CREATE VIEW IF NOT EXISTS samples (site, node, device, name, ts, seq, value) AS
    SELECT s.site, s.node, s.device, s.name, p.ts, p.seq, p.value FROM points p JOIN series s ON s.id = p.series;`;

/**
 * The shape of the `records` table of schema versions 0–1, one row per stored seq, for whoever reads a file by
 * hand (and the end-to-end tests): kind, device and ts come from the record's sample, event or kiosk row (NULL
 * when none carries its seq: pruned, a kiosk record stored before under its key, samples migrated from version 0),
 * `received_at` is its range's.
 * Unindexed lookups: fine for inspecting a node, not for queries over a whole district's file.
 */
const RECORDS_VIEW = `CREATE VIEW IF NOT EXISTS records (site, node, seq, kind, device, ts, received_at) AS
    WITH RECURSIVE stored (site, node, seq, last, received_at) AS (
      SELECT site, node, first, last, received_at FROM seq_ranges
      UNION ALL SELECT site, node, seq + 1, last, received_at FROM stored WHERE seq < last
    )
    SELECT r.site, r.node, r.seq,
      coalesce(
        (SELECT 'telemetry' FROM samples s WHERE s.site = r.site AND s.node = r.node AND s.seq = r.seq),
        (SELECT 'event' FROM events e WHERE e.site = r.site AND e.node = r.node AND e.seq = r.seq),
        (SELECT 'outbox/' || k.kind FROM kiosk_records k WHERE k.site = r.site AND k.node = r.node AND k.seq = r.seq)
      ),
      coalesce(
        (SELECT s.device FROM samples s WHERE s.site = r.site AND s.node = r.node AND s.seq = r.seq),
        (SELECT e.device FROM events e WHERE e.site = r.site AND e.node = r.node AND e.seq = r.seq)
      ),
      coalesce(
        (SELECT s.ts FROM samples s WHERE s.site = r.site AND s.node = r.node AND s.seq = r.seq),
        (SELECT e.ts FROM events e WHERE e.site = r.site AND e.node = r.node AND e.seq = r.seq),
        (SELECT k.ts FROM kiosk_records k WHERE k.site = r.site AND k.node = r.node AND k.seq = r.seq)
      ),
      r.received_at
    FROM stored r;`;

const SCHEMA = `
  ${SEQ_RANGES_TABLE}
  ${SERIES_TABLE}
  ${POINTS_TABLE}
  ${SAMPLES_VIEW}
  CREATE TABLE IF NOT EXISTS rollup_1m (
    site TEXT NOT NULL, node TEXT NOT NULL, device TEXT NOT NULL, name TEXT NOT NULL, bucket INTEGER NOT NULL,
    count INTEGER NOT NULL, sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL,
    PRIMARY KEY (site, node, device, name, bucket)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS rollup_1h (
    site TEXT NOT NULL, node TEXT NOT NULL, device TEXT NOT NULL, name TEXT NOT NULL, bucket INTEGER NOT NULL,
    count INTEGER NOT NULL, sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL,
    PRIMARY KEY (site, node, device, name, bucket)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS rollup_pending (
    series INTEGER NOT NULL, bucket INTEGER NOT NULL, owner TEXT NOT NULL,
    PRIMARY KEY (series, bucket)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS latest (
    site TEXT NOT NULL, node TEXT NOT NULL, device TEXT NOT NULL, name TEXT NOT NULL,
    ts INTEGER NOT NULL, value REAL NOT NULL,
    PRIMARY KEY (site, node, device, name)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS events (
    site TEXT NOT NULL, node TEXT NOT NULL, seq INTEGER NOT NULL, device TEXT NOT NULL,
    type TEXT NOT NULL, ts INTEGER NOT NULL, data TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS events_by_ts ON events (ts);
  CREATE TABLE IF NOT EXISTS kiosk_records (
    site TEXT NOT NULL, node TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL,
    key TEXT NOT NULL, ts INTEGER NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (site, node, kind, key)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS kiosk_records_by_ts ON kiosk_records (ts);
  CREATE TABLE IF NOT EXISTS kiosk_intake (
    kind TEXT NOT NULL, key TEXT NOT NULL, kiosk TEXT, center TEXT, center_name TEXT, ts INTEGER NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (kind, key)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS kiosk_intake_by_ts ON kiosk_intake (ts);
  CREATE TABLE IF NOT EXISTS screenshots (
    site TEXT NOT NULL, node TEXT NOT NULL, device TEXT NOT NULL, command_id TEXT NOT NULL, mime TEXT NOT NULL,
    ts INTEGER NOT NULL, image BLOB NOT NULL, PRIMARY KEY (site, node)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS nodes (
    site TEXT NOT NULL, node TEXT NOT NULL,
    online INTEGER NOT NULL DEFAULT 0, version TEXT, birth TEXT, last_seen INTEGER NOT NULL,
    since INTEGER, outbox_depth INTEGER,
    PRIMARY KEY (site, node)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS device_availability (
    site TEXT NOT NULL, node TEXT NOT NULL, device TEXT NOT NULL,
    online INTEGER NOT NULL, reason TEXT, ts INTEGER NOT NULL,
    PRIMARY KEY (site, node, device)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS sites (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, city TEXT NOT NULL, ward TEXT NOT NULL, kind TEXT
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS commands (
    id TEXT PRIMARY KEY, site TEXT NOT NULL, node TEXT NOT NULL, device TEXT NOT NULL, method TEXT NOT NULL,
    params TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, sent_at INTEGER,
    finished_at INTEGER, status TEXT NOT NULL, result TEXT, error TEXT, by TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS commands_by_status ON commands (status);
  CREATE TABLE IF NOT EXISTS alerts (
    id INTEGER PRIMARY KEY, rule TEXT NOT NULL, target TEXT NOT NULL, severity TEXT NOT NULL, site TEXT NOT NULL, node TEXT NOT NULL,
    device TEXT, message TEXT NOT NULL, value REAL, raised_at INTEGER NOT NULL, cleared_at INTEGER,
    acked_at INTEGER, acked_by TEXT
  );
  CREATE TABLE IF NOT EXISTS alert_rules (id INTEGER PRIMARY KEY CHECK (id = 1), rules TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL, created_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS login_sessions (
    token_hash TEXT PRIMARY KEY, username TEXT NOT NULL, expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS audit (
    ts INTEGER NOT NULL, username TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL, detail TEXT
  );
  CREATE TABLE IF NOT EXISTS class_sessions (
    id INTEGER PRIMARY KEY, site TEXT NOT NULL, room TEXT NOT NULL, title TEXT NOT NULL,
    start INTEGER NOT NULL, end INTEGER NOT NULL
  );
  ${RECORDS_VIEW}
`;

/** One row of `seq_ranges`: a run of a node's stored seqs, and the newest record time in it. */
interface SeqRange {
  first: number;
  last: number;
  ts: number;
}

/** A record of a batch on its way in (see `write`). */
interface Claim {
  seq: number;
  ts: number;
  message: Message;
  /** The telemetry record, of a message that may hold several. */
  record: TelemetryRecord | undefined;
  /** Its seq was new to the node: this batch stores it. */
  fresh: boolean;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
/** Deferred rollups are written to their tables at least this often (see `SqliteStore.pendingRollups`). */
const ROLLUP_FLUSH_MS = 60_000;
/** …and once this many minutes of series are waiting, whichever comes first. */
const ROLLUP_FLUSH_MINUTES = 20_000;

/** A minute of one series whose rollup sums are not yet in `rollup_1m` and `rollup_1h`. */
interface PendingMinute extends Bucket {
  series: number;
  names: SeriesRows['names'];
}

type NodeRow = {
  site: string;
  node: string;
  online: number;
  version: string | null;
  birth: string | null;
  last_seen: number;
  since: number | null;
  outbox_depth: number | null;
};
type CommandRow = {
  id: string;
  site: string;
  node: string;
  device: string;
  method: string;
  params: string;
  created_at: number;
  expires_at: number;
  sent_at: number | null;
  finished_at: number | null;
  status: CommandStatus;
  result: string | null;
  error: string | null;
  by: string;
};
type AlertRow = {
  id: number;
  rule: string;
  target: string;
  severity: AlertRecord['severity'];
  site: string;
  node: string;
  device: string | null;
  message: string;
  value: number | null;
  raised_at: number;
  cleared_at: number | null;
  acked_at: number | null;
  acked_by: string | null;
};

/** SQLite store (better-sqlite3, WAL). One writer: the ingest; readers are the HTTP API and the alert engine. */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly sql;
  private readonly checkpointer: Checkpointer | undefined;
  private readonly seriesStatements = new Map<number, Database.Statement>();
  /** Series id by `site\0node\0device\0name`, of series in the file (committed). */
  private readonly seriesIds = new Map<string, number>();
  /** Keys added to `seriesIds` by the batch being written: forgotten if it rolls back. */
  private readonly newSeries: string[] = [];
  /**
   * Per node (`site\0node`), its highest seq range as committed, or null when it has none: a node sends its seqs in
   * order, so a batch's claims usually start at or after that range and are answered from here without reading
   * `seq_ranges` (`knownNear`). Emptied when another connection changed the file (`PRAGMA data_version`) and by
   * `prune`.
   */
  private readonly topRanges = new Map<string, SeqRange | null>();
  /** Changes of the batch being written to `topRanges`, applied once it commits. */
  private readonly newTopRanges: [string, SeqRange][] = [];
  private dataVersion = -1;
  /**
   * Rollup sums of recent minutes (`deferRollupsMs`), by series id, committed but not yet added to
   * `rollup_1m` and `rollup_1h`: a series is written there once a minute (`ROLLUP_FLUSH_MS`) instead of with every
   * batch, which with one record per gateway per batch was two of the ~six statements per record. Each such minute
   * has a row in `rollup_pending`, written in the batch's transaction when the minute first gets a sample, so after a
   * crash the next writer recomputes exactly those minutes (and their hours) from `points` (`recoverRollups`).
   * Reads of rollups and `prune` add them to the tables first, so what they see is exact.
   */
  private readonly pendingRollups = new Map<number, PendingMinute[]>();
  /** How many minutes `pendingRollups` holds. */
  private pendingMinutes = 0;
  /** The batch being written's minutes for `pendingRollups`, added once it commits. */
  private staged: PendingMinute[] = [];
  private lastRollupFlush = Date.now();
  /** Marks this store's `rollup_pending` rows; rows of another owner are a stopped writer's (`recoverRollups`). */
  private readonly owner = randomUUID();
  private readonly deferRollupsMs: number;
  private readonly rollupFlushMs: number;

  /**
   * `deferRollupsMs`: samples at most this much older than their batch's `receivedAt` have their rollups deferred
   * (default 1 hour); older ones, a backlog replayed, are written at once. It must stay shorter than the raw
   * retention, so that a crashed writer's deferred minutes still have every point when they are recomputed.
   * `rollupFlushMs`: how often deferred rollups are written (default 1 minute; tests).
   * `writer: false` for a process that opens the file of a running ops-center (the CLI): it leaves the deferred
   * minutes of the writer alone.
   */
  constructor(file: string, options: { deferRollupsMs?: number; rollupFlushMs?: number; writer?: boolean } = {}) {
    this.deferRollupsMs = options.deferRollupsMs ?? HOUR;
    this.rollupFlushMs = options.rollupFlushMs ?? ROLLUP_FLUSH_MS;
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL'); // WAL + NORMAL: durable across process crashes, which is what acks promise
    try {
      migrate(this.db, file);
    } catch (error) {
      this.db.close();
      throw error;
    }
    if (file !== ':memory:' && file !== '') {
      this.db.pragma('wal_autocheckpoint = 0');
      this.checkpointer = new Checkpointer(file, (message) => process.emitWarning(`SQLite checkpoint of ${file}: ${message}`));
    }
    this.db.exec(SCHEMA);
    const rollup = (table: string) =>
      this.db.prepare(
        `INSERT INTO ${table} (site, node, device, name, bucket, count, sum, min, max) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET count = count + excluded.count, sum = sum + excluded.sum,
           min = min(min, excluded.min), max = max(max, excluded.max)`,
      );
    this.sql = {
      // The node's ranges that hold or touch [lo, hi]: the one starting at or before lo (if it reaches lo), then
      // those starting inside; two seeks on the key, however many ranges the node has.
      rangesNear: this.db.prepare<{ site: string; node: string; lo: number; hi: number }, { first: number; last: number; ts: number }>(
        `SELECT * FROM (SELECT first, last, ts FROM seq_ranges WHERE site = @site AND node = @node AND first <= @lo
           ORDER BY first DESC LIMIT 1) WHERE last >= @lo
         UNION ALL
         SELECT first, last, ts FROM seq_ranges WHERE site = @site AND node = @node AND first > @lo AND first <= @hi`,
      ),
      topRange: this.db.prepare<[string, string], SeqRange>(
        'SELECT first, last, ts FROM seq_ranges WHERE site = ? AND node = ? ORDER BY first DESC LIMIT 1',
      ),
      dataVersion: this.db.prepare<[], number>('PRAGMA data_version').pluck(),
      rangeInsert: this.db.prepare('INSERT INTO seq_ranges (site, node, first, last, received_at, ts) VALUES (?, ?, ?, ?, ?, ?)'),
      rangeUpdate: this.db.prepare('UPDATE seq_ranges SET last = ?, received_at = ?, ts = ? WHERE site = ? AND node = ? AND first = ?'),
      rangeDelete: this.db.prepare('DELETE FROM seq_ranges WHERE site = ? AND node = ? AND first = ?'),
      // OR IGNORE: rows are only inserted for records whose seq was new to the node, so a (series, ts, seq) already there can
      // only be that same record's reading; a batch must not fail (and come back forever) over it.
      sample: this.db.prepare('INSERT OR IGNORE INTO points (series, ts, seq, value) VALUES (?, ?, ?, ?)'),
      samples: this.db.prepare(
        `INSERT OR IGNORE INTO points (series, ts, seq, value) VALUES ${Array(SAMPLE_ROWS).fill('(?, ?, ?, ?)').join(', ')}`,
      ),
      seriesId: this.db.prepare<[string, string, string, string], { id: number }>(
        'SELECT id FROM series WHERE site = ? AND node = ? AND device = ? AND name = ?',
      ),
      seriesInsert: this.db.prepare('INSERT INTO series (site, node, device, name) VALUES (?, ?, ?, ?)'),
      rollup1m: rollup('rollup_1m'),
      rollup1h: rollup('rollup_1h'),
      pendingInsert: this.db.prepare('INSERT OR REPLACE INTO rollup_pending (series, bucket, owner) VALUES (?, ?, ?)'),
      pendingOfOthers: this.db.prepare<[string], { series: number; bucket: number }>(
        'SELECT series, bucket FROM rollup_pending WHERE owner != ?',
      ),
      pendingDelete: this.db.prepare('DELETE FROM rollup_pending WHERE owner = ?'),
      pendingDeleteOthers: this.db.prepare('DELETE FROM rollup_pending WHERE owner != ?'),
      namesOf: this.db.prepare<[number], SeriesRows['names']>('SELECT site, node, device, name FROM series WHERE id = ?'),
      latest: this.db.prepare(
        `INSERT INTO latest (site, node, device, name, ts, value) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (site, node, device, name) DO UPDATE SET ts = excluded.ts, value = excluded.value WHERE excluded.ts >= latest.ts`,
      ),
      event: this.db.prepare('INSERT INTO events (site, node, seq, device, type, ts, data) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      kiosk: this.db.prepare('INSERT OR IGNORE INTO kiosk_records (site, node, seq, kind, key, ts, data) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      seen: this.db.prepare(
        `INSERT INTO nodes (site, node, last_seen) VALUES (?, ?, ?)
         ON CONFLICT (site, node) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen)`,
      ),
      state: this.db.prepare(
        `UPDATE nodes SET since = CASE WHEN online = ? AND since IS NOT NULL THEN since ELSE ? END, online = ?, version = ?
         WHERE site = ? AND node = ?`,
      ),
      birth: this.db.prepare('UPDATE nodes SET birth = ? WHERE site = ? AND node = ?'),
      health: this.db.prepare('UPDATE nodes SET outbox_depth = ? WHERE site = ? AND node = ?'),
      availability: this.db.prepare(
        `INSERT INTO device_availability (site, node, device, online, reason, ts) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (site, node, device) DO UPDATE SET online = excluded.online, reason = excluded.reason, ts = excluded.ts
         WHERE excluded.ts >= device_availability.ts`,
      ),
      allLatest: this.db.prepare<[], LatestValue>(
        'SELECT site, node, device, name, value, ts FROM latest ORDER BY site, node, device, name',
      ),
      series: this.db.prepare<[string, string, string, string, number, number, number], { ts: number; value: number }>(
        `SELECT ts, value FROM points WHERE series = (SELECT id FROM series WHERE site = ? AND node = ? AND device = ? AND name = ?)
           AND ts BETWEEN ? AND ? ORDER BY ts DESC LIMIT ?`,
      ),
      rollupSeries: (table: 'rollup_1m' | 'rollup_1h') =>
        this.db.prepare<
          [string, string, string, string, number, number, number],
          { bucket: number; count: number; sum: number; min: number; max: number }
        >(
          `SELECT bucket, count, sum, min, max FROM ${table}
           WHERE site = ? AND node = ? AND device = ? AND name = ? AND bucket BETWEEN ? AND ? ORDER BY bucket DESC LIMIT ?`,
        ),
      nodes: this.db.prepare<[], NodeRow>(
        'SELECT site, node, online, version, birth, last_seen, since, outbox_depth FROM nodes ORDER BY site, node',
      ),
      availabilities: this.db.prepare<
        [],
        { site: string; node: string; device: string; online: number; reason: string | null; ts: number }
      >('SELECT site, node, device, online, reason, ts FROM device_availability'),
    };
    if (options.writer !== false) this.db.transaction(() => this.recoverRollups()).immediate();
  }

  async write(messages: readonly Message[], receivedAt: number): Promise<WriteResult> {
    const result = emptyWriteResult();
    /** Records of the batch per `site/node`, in arrival order; their rows go in with one statement per RECORD_ROWS. */
    const claims = new Map<string, Claim[]>();
    const ordered: Claim[] = [];
    const claim = (message: Message, key: string, seq: number, ts: number, record?: TelemetryRecord) => {
      let durable = result.durable.get(key);
      if (!durable) {
        durable = { site: message.topic.site, node: message.topic.node, seqs: [] };
        result.durable.set(key, durable);
        claims.set(key, []);
      }
      durable.seqs.push(seq); // stored now or before: safe to acknowledge either way
      const entry: Claim = { seq, ts, message, record, fresh: false };
      claims.get(key)!.push(entry);
      ordered.push(entry);
    };
    const seen = new Set<string>();
    /** The batch's new samples per series, for `insertSamples`. */
    const series = new Map<Message['topic'], Map<string, SeriesRows>>();
    this.newSeries.length = 0;
    this.newTopRanges.length = 0;
    this.staged = [];
    let flushedRollups = false;
    try {
      const batch = this.db.transaction(() => {
        // Read under the write lock: no other connection can commit until this batch has.
        const dataVersion = this.sql.dataVersion.get()!;
        if (dataVersion !== this.dataVersion) {
          this.topRanges.clear(); // another connection wrote to the file: what was cached may be gone
          this.dataVersion = dataVersion;
        }
        for (const message of messages) {
          const { site, node } = message.topic;
          const key = `${site}/${node}`;
          if (!seen.has(key)) {
            seen.add(key);
            this.sql.seen.run(site, node, receivedAt); // before state/birth, which update the row
          }
          switch (message.kind) {
            case 'telemetry': {
              const { payload } = message;
              if (Array.isArray(payload)) {
                for (const record of payload) claim(message, key, record.seq, record.ts, record);
              } else claim(message, key, payload.seq, payload.ts, payload);
              break;
            }
            case 'event':
              claim(message, key, message.payload.seq, message.payload.ts);
              break;
            case 'outbox':
              // Stored once on (node, seq) like every record, and once more on the idempotency key inside (DESIGN §3).
              claim(message, key, message.payload.seq, message.payload.ts);
              break;
            case 'state': {
              const online = message.payload.online ? 1 : 0;
              this.sql.state.run(online, message.payload.ts, online, message.payload.version, site, node);
              if (message.payload.online) result.cameOnline.push({ site, node });
              result.fleetChanged = true;
              break;
            }
            case 'birth':
              this.sql.birth.run(JSON.stringify(message.payload), site, node);
              result.fleetChanged = true;
              break;
            case 'health':
              this.sql.health.run(message.payload.outboxDepth, site, node);
              break;
            case 'availability': {
              const availability = message.payload;
              this.sql.availability.run(
                site,
                node,
                message.topic.device,
                availability.online ? 1 : 0,
                availability.reason ?? null,
                availability.ts,
              );
              result.fleetChanged = true;
              break;
            }
            case 'cmd-result':
              result.commandResults.push(commandResultUpdate(site, node, message.payload));
              break;
            default:
              break; // cmd and ack are what the ops-center itself publishes
          }
        }
        for (const [key, entries] of claims) {
          const { site, node } = result.durable.get(key)!;
          this.claimSeqs(site, node, entries, receivedAt);
        }
        for (const entry of ordered) this.storeClaimed(entry, result, series);
        if (result.samples.length) {
          this.insertSamples(series);
          this.writeDerived(result, series, receivedAt);
        }
        const waiting = this.pendingMinutes + this.staged.length;
        if (waiting > 0 && (waiting >= ROLLUP_FLUSH_MINUTES || Date.now() - this.lastRollupFlush >= this.rollupFlushMs)) {
          this.applyRollups([...[...this.pendingRollups.values()].flat(), ...this.staged]);
          flushedRollups = true;
        }
      });
      // IMMEDIATE: the write lock is taken at BEGIN, waiting out a checkpoint that holds it (busy timeout). A
      // deferred transaction whose first statement reads (data_version) would instead fail at once with
      // SQLITE_BUSY when it then writes while a checkpoint holds the lock.
      batch.immediate();
    } catch (error) {
      for (const key of this.newSeries) this.seriesIds.delete(key);
      throw error;
    }
    for (const [key, range] of this.newTopRanges) this.topRanges.set(key, range);
    if (flushedRollups) this.rollupsWritten();
    else for (const minute of this.staged) this.pendingMinutes += addPending(this.pendingRollups, minute);
    this.staged = [];
    return result;
  }

  /** Adds the deferred rollups to `rollup_1m` and `rollup_1h` (in the caller's transaction) and drops their journal rows. */
  private applyRollups(minutes: readonly PendingMinute[]): void {
    const hours = new Map<number, PendingMinute[]>();
    for (const minute of minutes) {
      const { site, node, device, name } = minute.names;
      this.sql.rollup1m.run(site, node, device, name, minute.bucket, minute.count, minute.sum, minute.min, minute.max);
      addPending(hours, { ...minute, bucket: minute.bucket - (minute.bucket % HOUR) });
    }
    for (const hour of [...hours.values()].flat()) {
      const { site, node, device, name } = hour.names;
      this.sql.rollup1h.run(site, node, device, name, hour.bucket, hour.count, hour.sum, hour.min, hour.max);
    }
    this.sql.pendingDelete.run(this.owner);
  }

  /** Writes the deferred rollups now: before rollups are read, pruned, or the store is closed. */
  private flushRollups(): void {
    if (this.pendingMinutes === 0) return;
    this.db.transaction(() => this.applyRollups([...this.pendingRollups.values()].flat())).immediate();
    this.rollupsWritten();
  }

  /** After a commit that wrote every pending minute (`applyRollups`): nothing waits any more. */
  private rollupsWritten(): void {
    this.pendingRollups.clear();
    this.pendingMinutes = 0;
    this.lastRollupFlush = Date.now();
  }

  /**
   * A writer that stopped without flushing (a crash, a kill) left its deferred minutes in `rollup_pending`; their
   * rollup rows lack what it had not written. Each such minute, and each hour holding one, is computed again from
   * its points — all still there, since deferral covers only the last `deferRollupsMs` and a prune flushes first.
   * Runs when the writer opens the file; a reader of a file another process writes (the CLI) must not run it
   * (`writer: false`), or the live writer's minutes would be counted twice once it writes them.
   */
  private recoverRollups(): void {
    const minutes = this.sql.pendingOfOthers.all(this.owner);
    if (minutes.length === 0) return;
    const hours = new Set<string>();
    for (const { series, bucket } of minutes) {
      this.recomputeRollup('rollup_1m', series, bucket, MINUTE);
      const hour = bucket - (bucket % HOUR);
      if (hours.has(`${series}:${hour}`)) continue;
      hours.add(`${series}:${hour}`);
      this.recomputeRollup('rollup_1h', series, hour, HOUR);
    }
    this.sql.pendingDeleteOthers.run(this.owner);
  }

  private recomputeRollup(table: 'rollup_1m' | 'rollup_1h', series: number, bucket: number, width: number): void {
    const names = this.sql.namesOf.get(series);
    if (!names) return;
    const { site, node, device, name } = names;
    this.db
      .prepare(`DELETE FROM ${table} WHERE site = ? AND node = ? AND device = ? AND name = ? AND bucket = ?`)
      .run(site, node, device, name, bucket);
    this.db
      .prepare(
        `INSERT INTO ${table} (site, node, device, name, bucket, count, sum, min, max)
         SELECT ?, ?, ?, ?, ?, count(*), sum(value), min(value), max(value) FROM points
         WHERE series = ? AND ts >= ? AND ts < ? HAVING count(*) > 0`,
      )
      .run(site, node, device, name, bucket, series, bucket, bucket + width);
  }

  /**
   * Marks which of one node's claims are new — not in its `seq_ranges`, not earlier in the batch — and merges the
   * new seqs into the ranges: with seqs in order, one UPDATE per node per batch (the node's highest range is known,
   * `knownNear`).
   */
  private claimSeqs(site: string, node: string, entries: Claim[], receivedAt: number): void {
    let lo = entries[0]!.seq;
    let hi = lo;
    for (const { seq } of entries) {
      if (seq < lo) lo = seq;
      else if (seq > hi) hi = seq;
    }
    const key = `${site}\0${node}`;
    const top = this.topRange(key, site, node);
    const known = this.knownNear(top, site, node, lo - 1, hi + 1);
    const fresh: number[] = [];
    let newestTs = 0;
    const taken = entries.length > 1 ? new Set<number>() : undefined;
    for (const entry of entries) {
      const { seq } = entry;
      if (taken?.has(seq) || within(known, seq)) continue;
      taken?.add(seq);
      entry.fresh = true;
      fresh.push(seq);
      if (entry.ts > newestTs) newestTs = entry.ts;
    }
    if (fresh.length === 0) return;
    fresh.sort((a, b) => a - b);
    // The new seqs as runs, merged with the known ranges they touch; a merged range keeps the row of a known one
    // that starts it, the known ranges it swallowed otherwise are deleted.
    const merged: { first: number; last: number; ts: number }[] = [];
    let k = 0;
    const add = (first: number, last: number, ts: number) => {
      const top = merged.at(-1);
      if (top && first <= top.last + 1) {
        if (last > top.last) top.last = last;
        if (ts > top.ts) top.ts = ts;
      } else merged.push({ first, last, ts });
    };
    for (let i = 0; i < fresh.length; ) {
      let j = i;
      while (j + 1 < fresh.length && fresh[j + 1] === fresh[j]! + 1) j++;
      while (k < known.length && known[k]!.first < fresh[i]!) {
        add(known[k]!.first, known[k]!.last, known[k]!.ts);
        k++;
      }
      add(fresh[i]!, fresh[j]!, newestTs);
      i = j + 1;
    }
    for (; k < known.length; k++) add(known[k]!.first, known[k]!.last, known[k]!.ts);
    const byFirst = new Map(known.map((range) => [range.first, range]));
    for (const range of merged) {
      const row = byFirst.get(range.first);
      if (row) {
        byFirst.delete(range.first);
        if (row.last !== range.last) this.sql.rangeUpdate.run(range.last, receivedAt, range.ts, site, node, range.first);
      } else this.sql.rangeInsert.run(site, node, range.first, range.last, receivedAt, range.ts);
    }
    for (const first of byFirst.keys()) this.sql.rangeDelete.run(site, node, first);
    // The highest range now: the last merged one if it reaches as far as the old top (it is the top or swallowed it).
    const last = merged.at(-1)!;
    if (top === null || last.last >= top.last) this.newTopRanges.push([key, { first: last.first, last: last.last, ts: last.ts }]);
  }

  /** The node's highest range as committed (read once per node, then kept in `topRanges`). */
  private topRange(key: string, site: string, node: string): SeqRange | null {
    let top = this.topRanges.get(key);
    if (top === undefined) {
      top = this.sql.topRange.get(site, node) ?? null;
      if (this.topRanges.size >= 100_000) this.topRanges.clear(); // a fleet far larger than a district's: read again
      this.topRanges.set(key, top);
    }
    return top;
  }

  /**
   * The node's ranges that hold or touch [lo, hi], in order. Ranges are disjoint and not adjacent, so when lo is at
   * or past the start of the highest range, no other range can reach it: the answer is that range or nothing.
   * Only claims reaching below it (a node replaying or resending old seqs) read `seq_ranges`.
   */
  private knownNear(top: SeqRange | null, site: string, node: string, lo: number, hi: number): SeqRange[] {
    if (top === null) return [];
    if (lo >= top.first) return top.last >= lo ? [top] : [];
    return this.sql.rangesNear.all({ site, node, lo, hi }).sort((a, b) => a.first - b.first);
  }

  /** What a record carries, stored once its seq was new to the node. */
  private storeClaimed(entry: Claim, result: WriteResult, series: Map<Message['topic'], Map<string, SeriesRows>>): void {
    if (!entry.fresh) {
      result.duplicates++;
      return;
    }
    result.stored++;
    const { message } = entry;
    const { site, node } = message.topic;
    if (message.kind === 'telemetry') {
      const { device } = message.topic;
      const { ts, values, seq } = entry.record!;
      // Decoded telemetry shares one topic object per topic name, so this groups by series without building keys.
      let ofTopic = series.get(message.topic);
      if (!ofTopic) {
        ofTopic = new Map();
        series.set(message.topic, ofTopic);
      }
      for (const name in values) {
        const value = values[name]!;
        result.samples.push({ site, node, device, name, value, ts });
        let rows = ofTopic.get(name);
        if (!rows) {
          rows = { names: { site, node, device, name }, rows: [] };
          ofTopic.set(name, rows);
        }
        rows.rows.push(ts, seq, value);
      }
    } else if (message.kind === 'event') {
      const event = message.payload;
      const { device } = message.topic;
      this.sql.event.run(site, node, event.seq, device, event.type, event.ts, JSON.stringify(event.data));
      result.events.push({ site, node, device, seq: event.seq, type: event.type, ts: event.ts, data: event.data });
    } else if (message.kind === 'outbox') {
      const record = message.payload;
      this.sql.kiosk.run(site, node, record.seq, message.topic.outbox, record.key, record.ts, JSON.stringify(record.data));
    }
  }

  /**
   * SAMPLE_ROWS rows per statement: one statement per sample cost ~4 µs a row, these ~3 µs (2026-11-28, scratch file).
   * A series with SERIES_ROWS or more new samples in the batch gets statements of its own that bind its four names
   * once rather than on every row; the samples of the others go in together, four values a row.
   */
  private insertSamples(series: Map<Message['topic'], Map<string, SeriesRows>>): void {
    let mixed: number[] = [];
    for (const ofTopic of series.values()) {
      for (const entry of ofTopic.values()) {
        const { names, rows } = entry;
        const count = rows.length / 3;
        const id = this.seriesId(names);
        entry.id = id;
        if (count < SERIES_ROWS) {
          for (let i = 0; i < rows.length; i += 3) {
            mixed.push(id, rows[i]!, rows[i + 1]!, rows[i + 2]!);
            if (mixed.length === SAMPLE_ROWS * 4) {
              this.sql.samples.run(mixed);
              mixed = [];
            }
          }
          continue;
        }
        for (let at = 0; at < count; at += SAMPLE_ROWS) {
          const end = Math.min(at + SAMPLE_ROWS, count);
          this.seriesStatement(end - at).run({ series: id }, at === 0 && end === count ? rows : rows.slice(at * 3, end * 3));
        }
      }
    }
    for (let at = 0; at < mixed.length; at += 4) this.sql.sample.run(mixed.slice(at, at + 4));
  }

  /** The series' id, from memory after its first batch; a new series gets its row in this batch's transaction. */
  private seriesId(names: SeriesRows['names']): number {
    const { site, node, device, name } = names;
    const key = `${site}\0${node}\0${device}\0${name}`;
    let id = this.seriesIds.get(key);
    if (id === undefined) {
      id =
        this.sql.seriesId.get(site, node, device, name)?.id ?? Number(this.sql.seriesInsert.run(site, node, device, name).lastInsertRowid);
      this.seriesIds.set(key, id);
      this.newSeries.push(key);
    }
    return id;
  }

  /** The multi-row INSERT of one series' samples for this many rows, prepared once. */
  private seriesStatement(rows: number): Database.Statement {
    let statement = this.seriesStatements.get(rows);
    if (!statement) {
      statement = this.db.prepare(
        `INSERT OR IGNORE INTO points (series, ts, seq, value) VALUES ${Array(rows).fill('(@series, ?, ?, ?)').join(', ')}`,
      );
      this.seriesStatements.set(rows, statement);
    }
    return statement;
  }

  /**
   * Rollups and latest values once per series and bucket per batch, not once per sample, summed from the batch's
   * samples as `insertSamples` has them grouped: no key string per sample (`summarize` over `result.samples` built
   * one, ~0.3 µs a sample in the bench profile, 2026-11-29). Topic objects are shared per topic name by the
   * ingest's decoder; messages decoded elsewhere may bring one series under several, so series merge by name here.
   */
  private writeDerived(result: WriteResult, series: Map<Message['topic'], Map<string, SeriesRows>>, receivedAt: number): void {
    const horizon = receivedAt - this.deferRollupsMs;
    const merged = new Map<
      string,
      { names: SeriesRows['names']; id: number; deferred: Bucket[]; minutes: Bucket[]; hours: Bucket[]; ts: number; value: number }
    >();
    for (const ofTopic of series.values()) {
      for (const { names, rows, id } of ofTopic.values()) {
        const key = `${names.site}/${names.node}/${names.device}/${names.name}`;
        let sums = merged.get(key);
        if (!sums) {
          sums = { names, id: id!, deferred: [], minutes: [], hours: [], ts: rows[0]!, value: rows[2]! };
          merged.set(key, sums);
        }
        for (let i = 0; i < rows.length; i += 3) {
          const ts = rows[i]!;
          const value = rows[i + 2]!;
          if (ts >= sums.ts) {
            sums.ts = ts;
            sums.value = value;
          }
          if (ts >= horizon) addTo(sums.deferred, ts - (ts % MINUTE), value);
          else {
            addTo(sums.minutes, ts - (ts % MINUTE), value);
            addTo(sums.hours, ts - (ts % HOUR), value);
          }
        }
      }
    }
    for (const { names, id, deferred, minutes, hours, ts, value } of merged.values()) {
      const { site, node, device, name } = names;
      for (const r of minutes) this.sql.rollup1m.run(site, node, device, name, r.bucket, r.count, r.sum, r.min, r.max);
      for (const r of hours) this.sql.rollup1h.run(site, node, device, name, r.bucket, r.count, r.sum, r.min, r.max);
      for (const r of deferred) {
        // The minute's journal row, once: a committed pending minute already has one.
        if (!this.pendingRollups.get(id)?.some((minute) => minute.bucket === r.bucket))
          this.sql.pendingInsert.run(id, r.bucket, this.owner);
        this.staged.push({ series: id, names, bucket: r.bucket, count: r.count, sum: r.sum, min: r.min, max: r.max });
      }
      if (this.sql.latest.run(site, node, device, name, ts, value).changes > 0) result.latest.push({ site, node, device, name, value, ts });
    }
  }

  async latest(): Promise<LatestValue[]> {
    const units = this.unitsByReading();
    return this.sql.allLatest.all().map((row) => {
      const unit = units.get(`${row.site}/${row.node}/${row.device}/${row.name}`);
      return unit ? { ...row, unit } : row;
    });
  }

  async series(query: SeriesQuery): Promise<SeriesPoint[]> {
    const { site, node, device, name, from = 0, to = Number.MAX_SAFE_INTEGER, limit = 10_000, resolution = 'raw' } = query;
    if (resolution === 'raw') {
      return this.sql.series
        .all(site, node, device, name, from, to, limit)
        .reverse()
        .map((row) => [row.ts, row.value]);
    }
    const width = resolution === '1m' ? MINUTE : HOUR;
    this.flushRollups();
    return this.sql
      .rollupSeries(resolution === '1m' ? 'rollup_1m' : 'rollup_1h')
      .all(site, node, device, name, from - (from % width), to, limit)
      .reverse()
      .map((row) => [row.bucket, row.sum / row.count, row.min, row.max, row.count]);
  }

  async nodes(): Promise<NodeSummary[]> {
    const availability = new Map(this.sql.availabilities.all().map((row) => [`${row.site}/${row.node}/${row.device}`, row]));
    return this.sql.nodes.all().map((row) =>
      nodeSummary(
        {
          site: row.site,
          node: row.node,
          online: row.online === 1,
          version: row.version,
          birth: row.birth ? (JSON.parse(row.birth) as BirthPayload) : undefined,
          lastSeen: row.last_seen,
          since: row.since,
          outboxDepth: row.outbox_depth,
        },
        (device) => {
          const state = availability.get(`${row.site}/${row.node}/${device}`);
          return state && { online: state.online === 1, reason: state.reason, ts: state.ts };
        },
      ),
    );
  }

  async readingNames(): Promise<string[]> {
    const names = new Set<string>();
    for (const row of this.sql.nodes.all()) {
      if (!row.birth) continue;
      for (const device of (JSON.parse(row.birth) as BirthPayload).devices) {
        for (const expose of device.exposes) if (expose.kind === 'reading') names.add(expose.name);
      }
    }
    return [...names].sort();
  }

  async gaps(site?: string, node?: string): Promise<SeqGap[]> {
    return this.db
      .prepare<[string | null, string | null, string | null, string | null], SeqGap>(
        `SELECT site, node, seq + 1 AS "from", next - 1 AS "to" FROM (
           SELECT site, node, last AS seq, LEAD(first) OVER (PARTITION BY site, node ORDER BY first) AS next FROM seq_ranges
           WHERE (? IS NULL OR site = ?) AND (? IS NULL OR node = ?)
         ) WHERE next > seq + 1 ORDER BY site, node, "from"`,
      )
      .all(site ?? null, site ?? null, node ?? null, node ?? null);
  }

  async prune(before: number, minuteRollupsBefore: number): Promise<{ samples: number; records: number }> {
    this.topRanges.clear();
    this.flushRollups(); // before any point goes: a deferred minute must keep every point until it is written
    const pruneOld = this.db.transaction(() => {
      const series = this.db.prepare<[], { id: number }>('SELECT id FROM series');
      const prune = this.db.prepare('DELETE FROM points WHERE series = ? AND ts < ?');
      let samples = 0;
      for (const s of series.all()) samples += prune.run(s.id, before).changes;
      // A range goes once all its records are older than `before` (received and timed); counted in records.
      const records =
        this.db
          .prepare<[number, number], { n: number | null }>(
            'SELECT sum(last - first + 1) AS n FROM seq_ranges WHERE received_at < ? AND ts < ?',
          )
          .get(before, before)!.n ?? 0;
      this.db.prepare('DELETE FROM seq_ranges WHERE received_at < ? AND ts < ?').run(before, before);
      this.db.prepare('DELETE FROM rollup_1m WHERE bucket < ?').run(minuteRollupsBefore);
      return { samples, records };
    });
    return pruneOld.immediate(); // it reads first: deferred, its first write could fail at once against a checkpoint (see write)
  }

  async sites(): Promise<Site[]> {
    return this.db
      .prepare<[], Site & { kind: Site['kind'] | null }>('SELECT id, name, city, ward, kind FROM sites ORDER BY city, ward, name')
      .all()
      .map(({ kind, ...site }) => (kind ? { ...site, kind } : site));
  }

  async upsertSites(sites: readonly Site[]): Promise<void> {
    const upsert = this.db.prepare(
      `INSERT INTO sites (id, name, city, ward, kind) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, city = excluded.city, ward = excluded.ward, kind = excluded.kind`,
    );
    this.db.transaction(() => {
      for (const site of sites) upsert.run(site.id, site.name, site.city, site.ward, site.kind ?? null);
    })();
  }

  async events(query: { site?: string; types?: readonly string[]; from: number; to: number }): Promise<EventRecord[]> {
    const types = query.types ?? [];
    return this.db
      .prepare<unknown[], Omit<EventRecord, 'data'> & { data: string }>(
        `SELECT site, node, device, seq, type, ts, data FROM events WHERE ts >= ? AND ts < ?
         ${query.site ? 'AND site = ?' : ''} ${types.length ? `AND type IN (${types.map(() => '?').join(',')})` : ''} ORDER BY ts`,
      )
      .all(query.from, query.to, ...(query.site ? [query.site] : []), ...types)
      .map((row) => ({ ...row, data: JSON.parse(row.data) as Record<string, unknown> }));
  }

  async kioskRecords(query: { from: number; to: number }): Promise<KioskRecord[]> {
    return this.db
      .prepare<[number, number], Omit<KioskRecord, 'data'> & { data: string }>(
        'SELECT site, node, kind, seq, key, ts, data FROM kiosk_records WHERE ts >= ? AND ts < ? ORDER BY ts',
      )
      .all(query.from, query.to)
      .map((row) => ({ ...row, data: JSON.parse(row.data) as Record<string, unknown> }));
  }

  async recordIntake(records: readonly IntakeRecord[]): Promise<number> {
    const insert = this.db.prepare(
      'INSERT OR IGNORE INTO kiosk_intake (kind, key, kiosk, center, center_name, ts, data) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    return this.db.transaction(() => {
      let fresh = 0;
      for (const r of records) {
        fresh += insert.run(r.kind, r.key, r.kiosk ?? null, r.center ?? null, r.centerName ?? null, r.ts, JSON.stringify(r.data)).changes;
      }
      return fresh;
    })();
  }

  async intakeRecords(query: { from: number; to: number }): Promise<IntakeRecord[]> {
    return this.db
      .prepare<[number, number], Parameters<typeof intakeFromRow>[0]>(
        'SELECT kind, key, kiosk, center, center_name, ts, data FROM kiosk_intake WHERE ts >= ? AND ts < ? ORDER BY ts, key',
      )
      .all(query.from, query.to)
      .map(intakeFromRow);
  }

  async saveScreenshot(meta: Omit<ScreenshotMeta, 'bytes'>, image: Buffer): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO screenshots (site, node, device, command_id, mime, ts, image) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (site, node) DO UPDATE SET device = excluded.device, command_id = excluded.command_id, mime = excluded.mime,
           ts = excluded.ts, image = excluded.image WHERE excluded.ts >= screenshots.ts`,
      )
      .run(meta.site, meta.node, meta.device, meta.commandId, meta.mime, meta.ts, image);
  }

  async screenshots(): Promise<ScreenshotMeta[]> {
    return this.db
      .prepare<[], ScreenshotMeta>(
        `SELECT site, node, device, command_id AS commandId, mime, length(image) AS bytes, ts FROM screenshots ORDER BY site, node`,
      )
      .all();
  }

  async screenshot(site: string, node: string): Promise<{ meta: ScreenshotMeta; image: Buffer } | undefined> {
    const row = this.db
      .prepare<[string, string], ScreenshotMeta & { image: Buffer }>(
        `SELECT site, node, device, command_id AS commandId, mime, length(image) AS bytes, ts, image FROM screenshots
         WHERE site = ? AND node = ?`,
      )
      .get(site, node);
    if (!row) return undefined;
    const { image, ...meta } = row;
    return { meta, image };
  }

  async insertCommand(c: CommandRecord): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO commands (id, site, node, device, method, params, created_at, expires_at, sent_at, finished_at, status, result, error, by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        c.id,
        c.site,
        c.node,
        c.device,
        c.method,
        JSON.stringify(c.params),
        c.createdAt,
        c.expiresAt,
        c.sentAt ?? null,
        c.finishedAt ?? null,
        c.status,
        c.result === undefined ? null : JSON.stringify(c.result),
        c.error ?? null,
        c.by,
      );
  }

  async updateCommand(
    id: string,
    change: Partial<Pick<CommandRecord, 'status' | 'sentAt' | 'finishedAt' | 'result' | 'error'>>,
  ): Promise<void> {
    const columns: Record<string, unknown> = {
      status: change.status,
      sent_at: change.sentAt,
      finished_at: change.finishedAt,
      result: change.result === undefined ? undefined : JSON.stringify(change.result),
      error: change.error,
    };
    const set = Object.entries(columns).filter(([, value]) => value !== undefined);
    if (set.length === 0) return;
    this.db
      .prepare(`UPDATE commands SET ${set.map(([column]) => `${column} = ?`).join(', ')} WHERE id = ?`)
      .run(...set.map(([, value]) => value), id);
  }

  async command(id: string): Promise<CommandRecord | undefined> {
    const row = this.db.prepare<[string], CommandRow>('SELECT * FROM commands WHERE id = ?').get(id);
    return row && commandFromRow(row);
  }

  async commands(query: { status?: readonly CommandStatus[]; site?: string; node?: string; limit?: number }): Promise<CommandRecord[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (query.status?.length) {
      where.push(`status IN (${query.status.map(() => '?').join(',')})`);
      args.push(...query.status);
    }
    if (query.site) {
      where.push('site = ?');
      args.push(query.site);
    }
    if (query.node) {
      where.push('node = ?');
      args.push(query.node);
    }
    return this.db
      .prepare<unknown[], CommandRow>(
        `SELECT * FROM commands ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, rowid DESC LIMIT ?`,
      )
      .all(...args, query.limit ?? 200)
      .map(commandFromRow);
  }

  async insertAlert(alert: Omit<AlertRecord, 'id'>): Promise<AlertRecord> {
    const { lastInsertRowid } = this.db
      .prepare(
        'INSERT INTO alerts (rule, target, severity, site, node, device, message, value, raised_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        alert.rule,
        alert.target,
        alert.severity,
        alert.site,
        alert.node,
        alert.device ?? null,
        alert.message,
        alert.value ?? null,
        alert.raisedAt,
      );
    return { ...alert, id: Number(lastInsertRowid) };
  }

  async clearAlert(id: number, at: number): Promise<void> {
    this.db.prepare('UPDATE alerts SET cleared_at = ? WHERE id = ? AND cleared_at IS NULL').run(at, id);
  }

  async ackAlert(id: number, by: string, at: number): Promise<AlertRecord | undefined> {
    this.db.prepare('UPDATE alerts SET acked_at = ?, acked_by = ? WHERE id = ? AND acked_at IS NULL').run(at, by, id);
    const row = this.db.prepare<[number], AlertRow>('SELECT * FROM alerts WHERE id = ?').get(id);
    return row && alertFromRow(row);
  }

  async alert(id: number): Promise<AlertRecord | undefined> {
    const row = this.db.prepare<[number], AlertRow>('SELECT * FROM alerts WHERE id = ?').get(id);
    return row && alertFromRow(row);
  }

  async alerts(query: { active?: boolean; limit?: number }): Promise<AlertRecord[]> {
    const where = query.active === true ? 'WHERE cleared_at IS NULL' : query.active === false ? 'WHERE cleared_at IS NOT NULL' : '';
    return this.db
      .prepare<[number], AlertRow>(`SELECT * FROM alerts ${where} ORDER BY raised_at DESC, id DESC LIMIT ?`)
      .all(query.limit ?? 500)
      .map(alertFromRow);
  }

  async rules(): Promise<unknown[]> {
    const row = this.db.prepare<[], { rules: string }>('SELECT rules FROM alert_rules WHERE id = 1').get();
    return row ? (JSON.parse(row.rules) as unknown[]) : [];
  }

  async saveRules(rules: readonly unknown[]): Promise<void> {
    this.db
      .prepare('INSERT INTO alert_rules (id, rules) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET rules = excluded.rules')
      .run(JSON.stringify(rules));
  }

  async users(): Promise<UserRecord[]> {
    return this.db
      .prepare<[], UserRecord>('SELECT username, role, password_hash AS passwordHash, created_at AS createdAt FROM users ORDER BY username')
      .all();
  }

  async user(username: string): Promise<UserRecord | undefined> {
    return this.db
      .prepare<[string], UserRecord>(
        'SELECT username, role, password_hash AS passwordHash, created_at AS createdAt FROM users WHERE username = ?',
      )
      .get(username);
  }

  async putUser(user: UserRecord): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO users (username, role, password_hash, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (username) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash`,
      )
      .run(user.username, user.role, user.passwordHash, user.createdAt);
  }

  async createSession(tokenHash: string, username: string, expiresAt: number): Promise<void> {
    this.db.prepare('INSERT INTO login_sessions (token_hash, username, expires_at) VALUES (?, ?, ?)').run(tokenHash, username, expiresAt);
  }

  async session(tokenHash: string, now: number): Promise<{ username: string; role: Role } | undefined> {
    return this.db
      .prepare<[string, number], { username: string; role: Role }>(
        `SELECT s.username, u.role FROM login_sessions s JOIN users u ON u.username = s.username
         WHERE s.token_hash = ? AND s.expires_at > ?`,
      )
      .get(tokenHash, now);
  }

  async deleteSession(tokenHash: string): Promise<void> {
    this.db.prepare('DELETE FROM login_sessions WHERE token_hash = ?').run(tokenHash);
  }

  async pruneSessions(now: number): Promise<number> {
    return this.db.prepare('DELETE FROM login_sessions WHERE expires_at <= ?').run(now).changes;
  }

  async audit(entry: AuditEntry): Promise<void> {
    this.db
      .prepare('INSERT INTO audit (ts, username, action, target, detail) VALUES (?, ?, ?, ?, ?)')
      .run(entry.ts, entry.user, entry.action, entry.target, entry.detail ? JSON.stringify(entry.detail) : null);
  }

  async auditLog(limit = 500): Promise<AuditEntry[]> {
    return this.db
      .prepare<[number], { ts: number; username: string; action: string; target: string; detail: string | null }>(
        'SELECT ts, username, action, target, detail FROM audit ORDER BY ts DESC, rowid DESC LIMIT ?',
      )
      .all(limit)
      .map((row) => ({
        ts: row.ts,
        user: row.username,
        action: row.action,
        target: row.target,
        ...(row.detail ? { detail: JSON.parse(row.detail) as Record<string, unknown> } : {}),
      }));
  }

  async classSessions(query: { site?: string; room?: string; from: number; to: number }): Promise<ClassSession[]> {
    return this.db
      .prepare<unknown[], ClassSession>(
        `SELECT id, site, room, title, start, end FROM class_sessions WHERE start < ? AND end > ?
         ${query.site ? 'AND site = ?' : ''} ${query.room ? 'AND room = ?' : ''} ORDER BY start`,
      )
      .all(query.to, query.from, ...(query.site ? [query.site] : []), ...(query.room ? [query.room] : []));
  }

  async addClassSession(session: Omit<ClassSession, 'id'>): Promise<ClassSession> {
    const { lastInsertRowid } = this.db
      .prepare('INSERT INTO class_sessions (site, room, title, start, end) VALUES (?, ?, ?, ?, ?)')
      .run(session.site, session.room, session.title, session.start, session.end);
    return { ...session, id: Number(lastInsertRowid) };
  }

  async close(): Promise<void> {
    try {
      this.flushRollups();
    } finally {
      await this.checkpointer?.stop();
      this.db.close();
    }
  }

  private unitsByReading(): Map<string, string> {
    const units = new Map<string, string>();
    for (const row of this.sql.nodes.all()) {
      if (!row.birth) continue;
      const birth = JSON.parse(row.birth) as BirthPayload;
      for (const device of birth.devices) {
        for (const expose of device.exposes) {
          if (expose.unit) units.set(`${row.site}/${row.node}/${device.id}/${expose.name}`, expose.unit);
        }
      }
    }
    return units;
  }
}

/**
 * Brings a file written by an earlier ops-center to SCHEMA_VERSION, in one transaction (a crash leaves the file as
 * it was). Version 0 → 1: samples move to the WITHOUT ROWID table. Their records' seq is not in the old rows, so
 * each gets its old rowid shifted below zero: unique, in the old order (samples of one ts keep theirs), and never a
 * record's seq (those are ≥ 0), so a migrated row cannot meet a new one. Version 1 → 2: `records` rows become
 * `seq_ranges`. Version 2 → 3: each series of `samples` gets its `series` row, its samples go to `points` under
 * its id, and `samples` becomes a view.
 */
function migrate(db: Database.Database, file: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `ops-center: ${file} has schema version ${version}, this ops-center knows up to ${SCHEMA_VERSION}; run a newer ops-center`,
    );
  }
  if (version === SCHEMA_VERSION) return;
  db.transaction(() => {
    const samples = db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'samples'").get();
    if (samples && !/WITHOUT ROWID/i.test(samples.sql)) {
      db.exec(SAMPLES_TABLE.replace('IF NOT EXISTS samples', 'samples_v1'));
      db.exec(
        `INSERT INTO samples_v1 (site, node, device, name, ts, seq, value)
         SELECT site, node, device, name, ts, rowid - (SELECT max(rowid) FROM samples) - 1, value FROM samples
         ORDER BY site, node, device, name, ts, rowid`,
      );
      db.exec('DROP TABLE samples'); // its indexes go with it
      db.exec('ALTER TABLE samples_v1 RENAME TO samples');
    }
    const records = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'records'").get();
    if (records) {
      // Version 1 → 2: each run of consecutive seqs of a node becomes one range (seq minus its rank is constant
      // along a run), with the newest receipt and record time in it.
      db.exec(SEQ_RANGES_TABLE);
      db.exec(
        `INSERT INTO seq_ranges (site, node, first, last, received_at, ts)
         SELECT site, node, min(seq), max(seq), max(received_at), max(ts) FROM (
           SELECT site, node, seq, received_at, ts, seq - ROW_NUMBER() OVER (PARTITION BY site, node ORDER BY seq) AS run
           FROM records
         ) GROUP BY site, node, run`,
      );
      db.exec('DROP TABLE records'); // and records_by_received
    }
    if (samples) {
      // Version 2 → 3 (and on from 0 or 1, whose samples are in the version 2 table by now). The records view reads
      // samples, so it goes first; SCHEMA makes both views again.
      db.exec('DROP VIEW IF EXISTS records');
      db.exec(SERIES_TABLE);
      db.exec(POINTS_TABLE);
      db.exec('INSERT INTO series (site, node, device, name) SELECT DISTINCT site, node, device, name FROM samples ORDER BY 1, 2, 3, 4');
      db.exec(
        `INSERT INTO points (series, ts, seq, value)
         SELECT s.id, p.ts, p.seq, p.value FROM samples p
           JOIN series s ON s.site = p.site AND s.node = p.node AND s.device = p.device AND s.name = p.name
         ORDER BY s.id, p.ts, p.seq`,
      );
      db.exec('DROP TABLE samples');
    }
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}

/** A series' rollup bucket in a batch. */
interface Bucket {
  bucket: number;
  count: number;
  sum: number;
  min: number;
  max: number;
}

/**
 * Adds a deferred minute's (or hour's) sums to those kept for its series and bucket (a series has one or two recent
 * minutes waiting, so a list to search), taking the object itself when the bucket is new. Returns 1 if it was.
 */
function addPending(pending: Map<number, PendingMinute[]>, minute: PendingMinute): number {
  let list = pending.get(minute.series);
  if (!list) {
    list = [];
    pending.set(minute.series, list);
  }
  for (const known of list) {
    if (known.bucket !== minute.bucket) continue;
    known.count += minute.count;
    known.sum += minute.sum;
    if (minute.min < known.min) known.min = minute.min;
    if (minute.max > known.max) known.max = minute.max;
    return 0;
  }
  list.push(minute);
  return 1;
}

/** Adds a sample to its bucket; a series has nearly always one bucket per batch, so a list to search. */
function addTo(buckets: Bucket[], bucket: number, value: number): void {
  for (let i = buckets.length - 1; i >= 0; i--) {
    const known = buckets[i]!;
    if (known.bucket !== bucket) continue;
    known.count++;
    known.sum += value;
    if (value < known.min) known.min = value;
    if (value > known.max) known.max = value;
    return;
  }
  buckets.push({ bucket, count: 1, sum: value, min: value, max: value });
}

/** Whether `seq` lies in one of `ranges` (sorted, disjoint). */
function within(ranges: readonly { first: number; last: number }[], seq: number): boolean {
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const range = ranges[mid]!;
    if (seq < range.first) high = mid - 1;
    else if (seq > range.last) low = mid + 1;
    else return true;
  }
  return false;
}

function commandFromRow(row: CommandRow): CommandRecord {
  return {
    id: row.id,
    site: row.site,
    node: row.node,
    device: row.device,
    method: row.method,
    params: JSON.parse(row.params) as Record<string, unknown>,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    status: row.status,
    by: row.by,
    ...(row.sent_at !== null ? { sentAt: row.sent_at } : {}),
    ...(row.finished_at !== null ? { finishedAt: row.finished_at } : {}),
    ...(row.result !== null ? { result: JSON.parse(row.result) as unknown } : {}),
    ...(row.error !== null ? { error: row.error } : {}),
  };
}

function alertFromRow(row: AlertRow): AlertRecord {
  return {
    id: row.id,
    rule: row.rule,
    target: row.target,
    severity: row.severity,
    site: row.site,
    node: row.node,
    message: row.message,
    raisedAt: row.raised_at,
    ...(row.device !== null ? { device: row.device } : {}),
    ...(row.value !== null ? { value: row.value } : {}),
    ...(row.cleared_at !== null ? { clearedAt: row.cleared_at } : {}),
    ...(row.acked_at !== null ? { ackedAt: row.acked_at } : {}),
    ...(row.acked_by !== null ? { ackedBy: row.acked_by } : {}),
  };
}

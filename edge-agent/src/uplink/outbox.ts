import type { SeqRange } from '@lophoc/protocol';
import Database from 'better-sqlite3';

/** Higher is sent first (DESIGN §5: attendance and events before telemetry). */
export const Priority = { telemetry: 0, event: 5, attendance: 10 } as const;
/** Records at or below this priority may be dropped when the outbox is full; attendance never is. */
const DROPPABLE_UP_TO = Priority.event;

export interface OutboxRecord {
  seq: number;
  topic: string;
  payload: string;
}

export interface OutboxOptions {
  /**
   * Payload bytes the outbox keeps at most (default 64 MiB). When a new record does not fit, the oldest telemetry
   * goes first, then the oldest events; attendance is never dropped, and is kept even past the bound.
   */
  maxBytes?: number;
}

/** Persistent counters: they survive restarts, so health reports what the outbox did since it was created. */
export interface OutboxCounters {
  appended: number;
  acknowledged: number;
  /** Older records removed to make room, by kind. */
  droppedTelemetry: number;
  droppedEvents: number;
  /** New droppable records refused because only non-droppable records were left. */
  refused: number;
  /** Attendance records kept although the bound was reached. */
  keptOverLimit: number;
}

const COUNTERS: (keyof OutboxCounters)[] = ['appended', 'acknowledged', 'droppedTelemetry', 'droppedEvents', 'refused', 'keptOverLimit'];

/**
 * The gateway's outbox (DESIGN §5): every record is written here, in a WAL-mode SQLite file, before it is
 * published, and removed only when the hub acknowledges its `seq`. `seq` is allocated in the same transaction
 * as the insert and never reused, so it keeps increasing across restarts and a dropped record shows as a gap.
 */
export class Outbox {
  private readonly db: Database.Database;
  private readonly sql;
  private readonly maxBytes: number;

  constructor(file: string, options: OutboxOptions = {}) {
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    if (!Number.isFinite(this.maxBytes) || this.maxBytes <= 0)
      throw new TypeError(`outbox maxBytes must be positive, got ${options.maxBytes}`);
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // FULL: a record the producer was told is stored must survive power loss, not only a process crash.
    this.db.pragma('synchronous = FULL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
      INSERT OR IGNORE INTO meta (key, value) VALUES ('next_seq', 1), ('bytes', 0)
        ${COUNTERS.map((name) => `, ('${name}', 0)`).join('')};
      CREATE TABLE IF NOT EXISTS records (
        seq INTEGER PRIMARY KEY,
        priority INTEGER NOT NULL,
        topic TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        sent_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS records_unsent ON records (priority DESC, seq) WHERE sent_at IS NULL;
      CREATE INDEX IF NOT EXISTS records_droppable ON records (priority, seq) WHERE priority <= ${DROPPABLE_UP_TO};
      -- A restart means nothing is in flight any more: everything not acknowledged is sent again.
      UPDATE records SET sent_at = NULL WHERE sent_at IS NOT NULL;
    `);
    this.sql = {
      meta: this.db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE key = ?'),
      add: this.db.prepare<[number, string]>('UPDATE meta SET value = value + ? WHERE key = ?'),
      insert: this.db.prepare('INSERT INTO records (seq, priority, topic, payload, created_at) VALUES (?, ?, ?, ?, ?)'),
      unsent: this.db.prepare<[number], OutboxRecord>(
        'SELECT seq, topic, payload FROM records WHERE sent_at IS NULL ORDER BY priority DESC, seq LIMIT ?',
      ),
      markSent: this.db.prepare('UPDATE records SET sent_at = ? WHERE seq = ?'),
      resendOlderThan: this.db.prepare('UPDATE records SET sent_at = NULL WHERE sent_at IS NOT NULL AND sent_at <= ?'),
      rangeBytes: this.db.prepare<[number, number], { bytes: number; n: number }>(
        'SELECT coalesce(sum(length(CAST(payload AS BLOB))), 0) AS bytes, count(*) AS n FROM records WHERE seq BETWEEN ? AND ?',
      ),
      deleteRange: this.db.prepare('DELETE FROM records WHERE seq BETWEEN ? AND ?'),
      oldestDroppable: this.db.prepare<[], { seq: number; priority: number; bytes: number }>(
        `SELECT seq, priority, length(CAST(payload AS BLOB)) AS bytes FROM records
         WHERE priority <= ${DROPPABLE_UP_TO} ORDER BY priority, seq LIMIT 1`,
      ),
      deleteOne: this.db.prepare('DELETE FROM records WHERE seq = ?'),
      depth: this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM records'),
    };
  }

  /**
   * Stores a record; `build` receives the allocated seq and returns the payload object. Returns the seq, or
   * undefined when a droppable record was refused because the outbox is full of records that may not be dropped.
   */
  append(topic: string, priority: number, build: (seq: number) => unknown): number | undefined {
    return this.db.transaction(() => this.insertOne(topic, priority, build))();
  }

  /**
   * Stores several records in one transaction (one fsync instead of one per record): what a busy gateway does with
   * everything its devices produced in one event-loop turn. Returns each record's seq, or undefined where refused.
   */
  appendMany(records: readonly { topic: string; priority: number; build: (seq: number) => unknown }[]): (number | undefined)[] {
    return this.db.transaction(() => records.map(({ topic, priority, build }) => this.insertOne(topic, priority, build)))();
  }

  private insertOne(topic: string, priority: number, build: (seq: number) => unknown): number | undefined {
    const seq = this.value('next_seq');
    const payload = JSON.stringify(build(seq));
    const size = Buffer.byteLength(payload);
    if (!this.makeRoom(size)) {
      if (priority <= DROPPABLE_UP_TO) {
        this.sql.add.run(1, 'refused');
        return undefined;
      }
      this.sql.add.run(1, 'keptOverLimit');
    }
    this.sql.add.run(1, 'next_seq');
    this.sql.insert.run(seq, priority, topic, payload, Date.now());
    this.sql.add.run(size, 'bytes');
    this.sql.add.run(1, 'appended');
    return seq;
  }

  /** Up to `limit` records not yet in flight, in send order (priority, then seq), marked as in flight. */
  takeUnsent(limit: number, now = Date.now()): OutboxRecord[] {
    return this.db.transaction(() => {
      const records = this.sql.unsent.all(limit);
      for (const record of records) this.sql.markSent.run(now, record.seq);
      return records;
    })();
  }

  /**
   * Puts records back in the queue: all of them after a reconnect (`olderThan` omitted), or those whose
   * ack has not come within the ack timeout.
   */
  requeue(olderThan = Number.MAX_SAFE_INTEGER): number {
    return this.sql.resendOlderThan.run(olderThan).changes;
  }

  /** Removes acknowledged records; returns how many were removed. */
  acknowledge(ranges: readonly SeqRange[]): number {
    return this.db.transaction(() => {
      let removed = 0;
      for (const [from, to] of ranges) {
        const { bytes, n } = this.sql.rangeBytes.get(from, to)!;
        if (n === 0) continue;
        this.sql.deleteRange.run(from, to);
        this.sql.add.run(-bytes, 'bytes');
        removed += n;
      }
      this.sql.add.run(removed, 'acknowledged');
      return removed;
    })();
  }

  depth(): number {
    return this.sql.depth.get()!.n;
  }

  /** Payload bytes held. */
  bytes(): number {
    return this.value('bytes');
  }

  counters(): OutboxCounters {
    return Object.fromEntries(COUNTERS.map((name) => [name, this.value(name)])) as unknown as OutboxCounters;
  }

  close(): void {
    this.db.close();
  }

  private value(key: string): number {
    return this.sql.meta.get(key)!.value;
  }

  /** Drops the oldest droppable records until `size` more bytes fit; false if they cannot be made to fit. */
  private makeRoom(size: number): boolean {
    while (this.value('bytes') + size > this.maxBytes) {
      const oldest = this.sql.oldestDroppable.get();
      if (!oldest) return false;
      this.sql.deleteOne.run(oldest.seq);
      this.sql.add.run(-oldest.bytes, 'bytes');
      this.sql.add.run(1, oldest.priority <= Priority.telemetry ? 'droppedTelemetry' : 'droppedEvents');
    }
    return true;
  }
}

import type { SeqRange } from '@lophoc/protocol';
import Database from 'better-sqlite3';
import { SendCursor, type SeqSpan } from './send-cursor.js';

/** Higher is sent first (DESIGN §5: attendance and events before telemetry). */
export const Priority = { telemetry: 0, event: 5, attendance: 10 } as const;
/** Records at or below this priority may be dropped when the outbox is full; attendance never is. */
const DROPPABLE_UP_TO = Priority.event;

export interface OutboxRecord {
  seq: number;
  priority: number;
  topic: string;
  payload: string;
}

export interface OutboxOptions {
  /**
   * Payload bytes the outbox keeps at most (default 64 MiB). When a new record does not fit, the oldest telemetry
   * goes first, then the oldest events; attendance is never dropped, and is kept even past the bound.
   */
  maxBytes?: number;
  /**
   * Hand out records appended while the sender is caught up from memory instead of reading them back (default
   * true). The file stays the durable copy; false reads every record back (the reference behaviour, for tests).
   */
  writeThrough?: boolean;
}

/** Records kept in memory per priority for write-through, at most; past that the file is read again. */
const TAIL_LIMIT = 5000;

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
 *
 * Only appends and acknowledgements write to the file. Which records are in flight is kept in memory
 * (`SendCursor`): after a restart everything unacknowledged is sent again, and the hub stores each seq once.
 *
 * Write-through: once a priority's records have all been handed out (the sender is caught up), the records of
 * that priority appended next are also kept in memory (`tail`) after their transaction commits, and handed out
 * from there instead of being read back from the file. Anything that could make the copy differ from the file
 * (a reconnect's requeue, a drop to make room, an ack that names a record not handed out, too many records)
 * discards it, and the file is read again until caught up.
 */
export class Outbox {
  private readonly db: Database.Database;
  private readonly sql;
  private readonly maxBytes: number;
  /** The meta table's values, read once and kept in step with every committed transaction (one writer). */
  private readonly meta: Record<MetaKey, number>;
  private depthNow: number;
  /** Priorities present, highest first. */
  private priorities: number[] = [];
  private readonly cursor = new SendCursor();
  /** Per priority present: exactly the records of that priority above its send cursor, in seq order. */
  private readonly tail = new Map<number, OutboxRecord[]>();
  private readonly writeThrough: boolean;
  /** Records handed out from memory (write-through) rather than read back from the file. */
  servedFromMemory = 0;

  constructor(file: string, options: OutboxOptions = {}) {
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.writeThrough = options.writeThrough ?? true;
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
        created_at INTEGER NOT NULL
      );
      -- Outboxes written before in-flight state moved to memory: their sent_at column stays, unused.
      DROP INDEX IF EXISTS records_unsent;
      DROP INDEX IF EXISTS records_droppable;
      -- One index serves sending (by priority, then seq) and dropping (lowest priority, oldest first).
      CREATE INDEX IF NOT EXISTS records_priority_seq ON records (priority, seq);
    `);
    this.sql = {
      metaAll: this.db.prepare<[], { key: MetaKey; value: number }>('SELECT key, value FROM meta'),
      add: this.db.prepare<[number, string]>('UPDATE meta SET value = value + ? WHERE key = ?'),
      insert: this.db.prepare('INSERT INTO records (seq, priority, topic, payload, created_at) VALUES (?, ?, ?, ?, ?)'),
      after: this.db.prepare<[number, number, number], OutboxRecord>(
        'SELECT seq, priority, topic, payload FROM records WHERE priority = ? AND seq > ? ORDER BY seq LIMIT ?',
      ),
      span: this.db.prepare<[number, number, number, number], OutboxRecord>(
        'SELECT seq, priority, topic, payload FROM records WHERE priority = ? AND seq BETWEEN ? AND ? ORDER BY seq LIMIT ?',
      ),
      countSpan: this.db.prepare<[number, number, number], { n: number }>(
        'SELECT count(*) AS n FROM records WHERE priority = ? AND seq BETWEEN ? AND ?',
      ),
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
      priorityBelow: this.db.prepare<[number], { p: number | null }>('SELECT max(priority) AS p FROM records WHERE priority < ?'),
    };
    this.meta = Object.fromEntries(this.sql.metaAll.all().map(({ key, value }) => [key, value])) as Record<MetaKey, number>;
    this.depthNow = this.sql.depth.get()!.n;
    // Walks the index from the top, one lookup per distinct priority.
    for (let below = Number.MAX_SAFE_INTEGER; ; ) {
      const { p } = this.sql.priorityBelow.get(below)!;
      if (p === null) break;
      this.priorities.push(p);
      below = p;
    }
  }

  /**
   * Stores a record; `build` receives the allocated seq and returns the payload object. Returns the seq, or
   * undefined when a droppable record was refused because the outbox is full of records that may not be dropped.
   */
  append(topic: string, priority: number, build: (seq: number) => unknown): number | undefined {
    const fresh: OutboxRecord[] = [];
    const seq = this.write((delta) => this.insertOne(delta, topic, priority, build, fresh));
    this.keep(fresh);
    return seq;
  }

  /**
   * Stores several records in one transaction (one fsync instead of one per record): what a busy gateway does with
   * everything its devices produced in one event-loop turn. Returns each record's seq, or undefined where refused.
   */
  appendMany(records: readonly { topic: string; priority: number; build: (seq: number) => unknown }[]): (number | undefined)[] {
    const fresh: OutboxRecord[] = [];
    const seqs = this.write((delta) => records.map(({ topic, priority, build }) => this.insertOne(delta, topic, priority, build, fresh)));
    this.keep(fresh);
    return seqs;
  }

  /** After a commit: the records just stored join the in-memory tail of their priority, while it is kept. */
  private keep(fresh: OutboxRecord[]): void {
    for (const record of fresh) {
      const tail = this.tail.get(record.priority);
      if (!tail) continue;
      if (tail.length >= TAIL_LIMIT) this.tail.delete(record.priority);
      else tail.push(record);
    }
  }

  /**
   * Up to `limit` records not in flight, in send order (priority, then seq; overdue records of a priority before
   * its new ones), now counted as in flight.
   */
  takeUnsent(limit: number, now = Date.now()): OutboxRecord[] {
    const records: OutboxRecord[] = [];
    const spans: SeqSpan[] = [];
    const take = (rows: OutboxRecord[], priority: number) => {
      if (rows.length === 0) return;
      for (const row of rows) records.push(row);
      spans.push({ priority, from: rows[0]!.seq, to: rows.at(-1)!.seq });
    };
    for (const priority of this.priorities) {
      for (let span = this.cursor.resendSpans()[0]; span?.priority === priority && records.length < limit; ) {
        const room = limit - records.length;
        const rows = this.sql.span.all(priority, span.from, span.to, room);
        take(rows, priority);
        this.cursor.consumeResend(rows.length < room ? span.to : rows.at(-1)!.seq);
        span = this.cursor.resendSpans()[0];
      }
      if (records.length >= limit) break;
      const room = limit - records.length;
      const tail = this.tail.get(priority);
      if (tail) {
        const rows = tail.length <= room ? tail : tail.slice(0, room);
        this.tail.set(priority, tail.length <= room ? [] : tail.slice(room));
        this.servedFromMemory += rows.length;
        take(rows, priority);
        continue;
      }
      const rows = this.sql.after.all(priority, this.cursor.cursor(priority), room);
      take(rows, priority);
      // Fewer than asked: every record of this priority is handed out, so the next ones can be kept in memory.
      if (rows.length < room && this.writeThrough) this.tail.set(priority, []);
    }
    this.cursor.record(now, spans);
    return records;
  }

  /**
   * Puts records back in the queue: all of them after a reconnect (`olderThan` omitted), or those handed out at or
   * before `olderThan` (their ack is overdue). Returns how many records that concerns.
   */
  requeue(olderThan = Number.MAX_SAFE_INTEGER): number {
    if (olderThan === Number.MAX_SAFE_INTEGER) {
      this.cursor.reset();
      this.tail.clear();
      return this.depthNow;
    }
    let n = 0;
    this.cursor.expire(olderThan, ({ priority, from, to }) => {
      const left = this.sql.countSpan.get(priority, from, to)!.n;
      n += left;
      return left > 0;
    });
    return n;
  }

  /** Removes acknowledged records; returns how many were removed. */
  acknowledge(ranges: readonly SeqRange[]): number {
    return this.write((delta) => {
      let removed = 0;
      for (const [from, to] of ranges) {
        // An ack for records not handed out yet (a confused hub): drop the in-memory copy rather than send deleted records.
        for (const [priority, tail] of this.tail) if (holdsSeqIn(tail, from, to)) this.tail.delete(priority);
        const { bytes, n } = this.sql.rangeBytes.get(from, to)!;
        if (n === 0) continue;
        this.sql.deleteRange.run(from, to);
        add(delta, 'bytes', -bytes);
        removed += n;
      }
      add(delta, 'acknowledged', removed);
      add(delta, 'depth', -removed);
      return removed;
    });
  }

  depth(): number {
    return this.depthNow;
  }

  /** Payload bytes held. */
  bytes(): number {
    return this.meta.bytes;
  }

  counters(): OutboxCounters {
    return Object.fromEntries(COUNTERS.map((name) => [name, this.meta[name]])) as unknown as OutboxCounters;
  }

  close(): void {
    this.db.close();
  }

  /**
   * Runs `fn` in one transaction; `fn` notes changes to the meta values in `delta`, written as one UPDATE per value at
   * the end and applied to memory only once committed, so a failed transaction leaves both as they were.
   */
  private write<T>(fn: (delta: Delta) => T): T {
    const delta = emptyDelta();
    const result = this.db.transaction(() => {
      const value = fn(delta);
      for (const [key, change] of Object.entries(delta)) if (key !== 'depth' && change) this.sql.add.run(change, key);
      return value;
    })();
    for (const [key, change] of Object.entries(delta)) {
      if (key === 'depth') this.depthNow += change;
      else this.meta[key as MetaKey] += change;
    }
    return result;
  }

  private insertOne(
    delta: Delta,
    topic: string,
    priority: number,
    build: (seq: number) => unknown,
    fresh: OutboxRecord[],
  ): number | undefined {
    const seq = this.meta.next_seq + delta.next_seq;
    const payload = JSON.stringify(build(seq));
    const size = Buffer.byteLength(payload);
    if (!this.makeRoom(delta, size)) {
      if (priority <= DROPPABLE_UP_TO) {
        add(delta, 'refused', 1);
        return undefined;
      }
      add(delta, 'keptOverLimit', 1);
    }
    this.sql.insert.run(seq, priority, topic, payload, Date.now());
    fresh.push({ seq, priority, topic, payload });
    add(delta, 'next_seq', 1);
    add(delta, 'bytes', size);
    add(delta, 'appended', 1);
    add(delta, 'depth', 1);
    if (!this.priorities.includes(priority)) this.priorities = [...this.priorities, priority].sort((a, b) => b - a);
    return seq;
  }

  /** Drops the oldest droppable records until `size` more bytes fit; false if they cannot be made to fit. */
  private makeRoom(delta: Delta, size: number): boolean {
    while (this.meta.bytes + delta.bytes + size > this.maxBytes) {
      const oldest = this.sql.oldestDroppable.get();
      if (!oldest) return false;
      this.sql.deleteOne.run(oldest.seq);
      this.tail.delete(oldest.priority);
      add(delta, 'bytes', -oldest.bytes);
      add(delta, 'depth', -1);
      add(delta, oldest.priority <= Priority.telemetry ? 'droppedTelemetry' : 'droppedEvents', 1);
    }
    return true;
  }
}

type MetaKey = 'next_seq' | 'bytes' | keyof OutboxCounters;
/** Changes to the meta values (and to the record count, `depth`, which is not stored) within one transaction. */
type Delta = Record<MetaKey | 'depth', number>;

/** Every key present from the start: one object shape, so the per-record updates stay cheap property stores. */
function emptyDelta(): Delta {
  return {
    next_seq: 0,
    bytes: 0,
    appended: 0,
    acknowledged: 0,
    droppedTelemetry: 0,
    droppedEvents: 0,
    refused: 0,
    keptOverLimit: 0,
    depth: 0,
  };
}

function add(delta: Delta, key: MetaKey | 'depth', change: number): void {
  delta[key] += change;
}

/** Whether records sorted by seq hold one with seq in [from, to] (binary search: a tail may hold thousands). */
function holdsSeqIn(records: readonly OutboxRecord[], from: number, to: number): boolean {
  let low = 0;
  let high = records.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (records[mid]!.seq < from) low = mid + 1;
    else high = mid;
  }
  return low < records.length && records[low]!.seq <= to;
}

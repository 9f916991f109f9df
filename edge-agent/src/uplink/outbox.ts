import type { SeqRange } from '@lophoc/protocol';
import Database from 'better-sqlite3';

/** Higher is sent first (DESIGN §5: attendance and events before telemetry). */
export const Priority = { telemetry: 0, event: 5, attendance: 10 } as const;

export interface OutboxRecord {
  seq: number;
  topic: string;
  payload: string;
}

/**
 * The gateway's outbox (DESIGN §5): every record is written here, in a WAL-mode SQLite file, before it is
 * published, and removed only when the hub acknowledges its `seq`. `seq` is allocated in the same transaction
 * as the insert and never reused, so it keeps increasing across restarts.
 */
export class Outbox {
  private readonly db: Database.Database;
  private readonly statements;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // FULL: a record acknowledged to its producer must survive power loss, not only a process crash.
    this.db.pragma('synchronous = FULL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
      INSERT OR IGNORE INTO meta (key, value) VALUES ('next_seq', 1);
      CREATE TABLE IF NOT EXISTS records (
        seq INTEGER PRIMARY KEY,
        priority INTEGER NOT NULL,
        topic TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        sent_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS records_unsent ON records (priority DESC, seq) WHERE sent_at IS NULL;
      -- A restart means nothing is in flight any more: everything not acknowledged is sent again.
      UPDATE records SET sent_at = NULL WHERE sent_at IS NOT NULL;
    `);
    this.statements = {
      nextSeq: this.db.prepare<[], { value: number }>(`SELECT value FROM meta WHERE key = 'next_seq'`),
      bumpSeq: this.db.prepare(`UPDATE meta SET value = value + 1 WHERE key = 'next_seq'`),
      insert: this.db.prepare('INSERT INTO records (seq, priority, topic, payload, created_at) VALUES (?, ?, ?, ?, ?)'),
      unsent: this.db.prepare<[number], OutboxRecord>(
        'SELECT seq, topic, payload FROM records WHERE sent_at IS NULL ORDER BY priority DESC, seq LIMIT ?',
      ),
      markSent: this.db.prepare('UPDATE records SET sent_at = ? WHERE seq = ?'),
      resendOlderThan: this.db.prepare('UPDATE records SET sent_at = NULL WHERE sent_at IS NOT NULL AND sent_at <= ?'),
      deleteRange: this.db.prepare('DELETE FROM records WHERE seq BETWEEN ? AND ?'),
      depth: this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM records'),
    };
  }

  /** Stores a record; `build` receives the allocated seq and returns the payload object. */
  append(topic: string, priority: number, build: (seq: number) => unknown): number {
    return this.db.transaction(() => {
      const seq = this.statements.nextSeq.get()!.value;
      this.statements.bumpSeq.run();
      this.statements.insert.run(seq, priority, topic, JSON.stringify(build(seq)), Date.now());
      return seq;
    })();
  }

  /** Up to `limit` records not yet in flight, in send order (priority, then seq), marked as in flight. */
  takeUnsent(limit: number, now = Date.now()): OutboxRecord[] {
    return this.db.transaction(() => {
      const records = this.statements.unsent.all(limit);
      for (const record of records) this.statements.markSent.run(now, record.seq);
      return records;
    })();
  }

  /**
   * Puts records back in the queue: all of them after a reconnect (`olderThan` omitted), or those whose
   * ack has not come within the ack timeout.
   */
  requeue(olderThan = Number.MAX_SAFE_INTEGER): number {
    return this.statements.resendOlderThan.run(olderThan).changes;
  }

  /** Removes acknowledged records; returns how many were removed. */
  acknowledge(ranges: readonly SeqRange[]): number {
    return this.db.transaction(() => ranges.reduce((n, [from, to]) => n + this.statements.deleteRange.run(from, to).changes, 0))();
  }

  depth(): number {
    return this.statements.depth.get()!.n;
  }

  close(): void {
    this.db.close();
  }
}

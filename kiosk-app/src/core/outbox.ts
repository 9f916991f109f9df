import type Database from 'better-sqlite3';
import type { Submission } from '../shared/content.js';

export type DeliveryOutcome = 'delivered' | 'retry' | 'rejected';
export type Deliver = (submission: Submission & { createdAt: number }) => Promise<DeliveryOutcome>;

/**
 * Enrolments, feedback and ratings wait here (SQLite) until the content API has stored them. A record is keyed
 * by the idempotency key the renderer made when the citizen pressed the button, so a double tap stores it once;
 * the content API stores once per key too, so a retry after a lost answer is harmless: delivered exactly once.
 * Delivered rows are deleted with `secure_delete` on, so the citizen's data does not linger in the file.
 */
export class Outbox {
  constructor(private readonly db: Database.Database) {
    db.pragma('secure_delete = ON');
    db.exec(`CREATE TABLE IF NOT EXISTS outbox (
      key TEXT PRIMARY KEY, kind TEXT NOT NULL, data TEXT NOT NULL, created_at INTEGER NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT)`);
  }

  /** Adds a submission; false if its key is already waiting (a double tap). */
  add(submission: Submission, now = Date.now()): boolean {
    return (
      this.db
        .prepare('INSERT OR IGNORE INTO outbox (key, kind, data, created_at) VALUES (?, ?, ?, ?)')
        .run(submission.key, submission.kind, JSON.stringify(submission.data), now).changes === 1
    );
  }

  get depth(): number {
    return this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM outbox').get()!.n;
  }

  has(key: string): boolean {
    return this.db.prepare('SELECT 1 FROM outbox WHERE key = ?').get(key) !== undefined;
  }

  /**
   * Tries every waiting record in order. Stops at the first 'retry' (the network is down: keep order, try later).
   * A 'rejected' record (the API refused it as invalid) is kept with its error for an operator, never retried.
   */
  async flush(deliver: Deliver): Promise<{ delivered: number; waiting: number }> {
    const rows = this.db
      .prepare<[string], { key: string; kind: Submission['kind']; data: string; created_at: number }>(
        'SELECT key, kind, data, created_at FROM outbox WHERE last_error IS NULL OR last_error NOT LIKE ? ORDER BY created_at, key',
      )
      .all('rejected:%');
    let delivered = 0;
    for (const row of rows) {
      const submission = { kind: row.kind, key: row.key, data: JSON.parse(row.data), createdAt: row.created_at } as Submission & {
        createdAt: number;
      };
      let outcome: DeliveryOutcome;
      try {
        outcome = await deliver(submission);
      } catch {
        outcome = 'retry';
      }
      if (outcome === 'delivered') {
        this.db.prepare('DELETE FROM outbox WHERE key = ?').run(row.key);
        delivered++;
      } else {
        this.db
          .prepare('UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE key = ?')
          .run(outcome === 'rejected' ? 'rejected: refused by the content API' : 'retry', row.key);
        if (outcome === 'retry') break;
      }
    }
    if (delivered > 0) this.db.pragma('wal_checkpoint(TRUNCATE)');
    return { delivered, waiting: this.depth };
  }
}

/** Delivers to the content API's intake endpoint: 2xx delivered, 4xx rejected (never fixed by retrying), else retry. */
export function httpDeliver(intakeBaseUrl: string, kiosk: string, timeoutMs = 5000): Deliver {
  return async ({ kind, key, data, createdAt }) => {
    const response = await fetch(`${intakeBaseUrl}/intake/${kind}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...data, key, kiosk, createdAt }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.arrayBuffer();
    if (response.ok) return 'delivered';
    return response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429 ? 'rejected' : 'retry';
  };
}

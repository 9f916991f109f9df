import type Database from 'better-sqlite3';
import { z } from 'zod';
import type { Catalog } from '../shared/content.js';

const text = z.string().min(1);
const catalogSchema = z.object({
  centers: z.array(z.object({ id: text, name: text, ward: text, address: text, phone: text, hours: text })),
  courses: z.array(
    z.object({
      id: text,
      title: text,
      summary: text,
      description: text,
      category: text,
      centerId: text,
      ward: text,
      audience: text,
      schedule: z.object({
        days: z.array(z.enum(['T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'CN'])),
        start: text,
        end: text,
        startDate: text,
        sessions: z.number(),
        timeOfDay: z.enum(['morning', 'afternoon', 'evening']),
      }),
      capacity: z.number(),
      seatsLeft: z.number(),
      feeVnd: z.number(),
      mode: z.enum(['in-person', 'online']),
    }),
  ),
  procedures: z.array(
    z.object({
      id: text,
      code: text,
      title: text,
      level: text,
      agency: text,
      steps: z.array(text),
      documents: z.array(text),
      fee: text,
      processingTime: text,
      whereToSubmit: text,
      result: text,
    }),
  ),
});

export type SyncResult = { ok: true; changed: boolean } | { ok: false; reason: string };

/**
 * The last good catalog, kept in the kiosk's SQLite file so the kiosk works offline. `sync` replaces it only
 * with a complete, valid catalog from the content API; a network failure or garbage keeps the old snapshot
 * and marks it stale, so the citizen sees "Cập nhật lúc …" with the time of the snapshot.
 */
export class CatalogCache {
  private stale = false;
  private cached: Catalog | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly catalogUrl: string,
    private readonly fetchTimeoutMs = 5000,
  ) {
    db.exec(
      'CREATE TABLE IF NOT EXISTS catalog_snapshot (id INTEGER PRIMARY KEY CHECK (id = 1), etag TEXT, json TEXT NOT NULL, fetched_at INTEGER NOT NULL)',
    );
  }

  async sync(now = Date.now()): Promise<SyncResult> {
    const previous = this.db.prepare<[], { etag: string | null }>('SELECT etag FROM catalog_snapshot WHERE id = 1').get();
    let response: Response;
    try {
      response = await fetch(this.catalogUrl, {
        headers: previous?.etag ? { 'if-none-match': previous.etag } : {},
        signal: AbortSignal.timeout(this.fetchTimeoutMs),
      });
    } catch (error) {
      return this.failed(`content API unreachable: ${(error as Error).message}`);
    }
    if (response.status === 304) {
      this.db.prepare('UPDATE catalog_snapshot SET fetched_at = ? WHERE id = 1').run(now);
      this.stale = false;
      this.cached = undefined;
      return { ok: true, changed: false };
    }
    if (!response.ok) return this.failed(`content API answered ${response.status}`);
    let parsed: z.infer<typeof catalogSchema>;
    try {
      parsed = catalogSchema.parse(await response.json());
    } catch (error) {
      return this.failed(`content API sent an invalid catalog: ${(error as Error).message.slice(0, 200)}`);
    }
    this.db
      .prepare('INSERT OR REPLACE INTO catalog_snapshot (id, etag, json, fetched_at) VALUES (1, ?, ?, ?)')
      .run(response.headers.get('etag'), JSON.stringify(parsed), now);
    this.stale = false;
    this.cached = undefined;
    return { ok: true, changed: true };
  }

  /** The catalog to show: the last snapshot (empty before the first successful sync). */
  snapshot(): Catalog {
    if (this.cached) return { ...this.cached, stale: this.stale };
    const row = this.db
      .prepare<[], { json: string; fetched_at: number }>('SELECT json, fetched_at FROM catalog_snapshot WHERE id = 1')
      .get();
    this.cached = row
      ? { ...(JSON.parse(row.json) as Omit<Catalog, 'stale' | 'updatedAt'>), updatedAt: row.fetched_at, stale: this.stale }
      : { centers: [], courses: [], procedures: [], stale: true };
    return { ...this.cached, stale: this.stale || !row };
  }

  private failed(reason: string): SyncResult {
    this.stale = true;
    return { ok: false, reason };
  }
}

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogCache } from '../../kiosk-app/src/core/catalog-cache.js';
import { httpDeliver, Outbox } from '../../kiosk-app/src/core/outbox.js';
import { registerContentApi } from '../../ops-center/src/content/index.js';

/** The kiosk core against the real content API on a real port, stopped and restarted for real. */
describe('kiosk core ↔ content API', () => {
  let dir: string;
  let api: FastifyInstance | undefined;
  let port = 0;
  let kioskDb: Database.Database;

  const startApi = async () => {
    api = Fastify();
    await registerContentApi(api, { db: join(dir, 'content.db') });
    await api.listen({ port, host: '127.0.0.1' });
    port = (api.server.address() as { port: number }).port;
  };
  const stopApi = async () => {
    await api?.close();
    api = undefined;
  };
  const base = () => `http://127.0.0.1:${port}/api/content/v1`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-kiosk-core-'));
    await startApi();
    kioskDb = new Database(join(dir, 'kiosk.db'));
    kioskDb.pragma('journal_mode = WAL');
  });
  afterAll(async () => {
    kioskDb?.close();
    await stopApi();
    await rm(dir, { recursive: true, force: true });
  });

  it('caches the catalog and serves the snapshot while the API is down', async () => {
    const cache = new CatalogCache(kioskDb, `${base()}/catalog`, 1000);
    expect(cache.snapshot()).toMatchObject({ courses: [], stale: true });
    expect(await cache.sync(1_000)).toEqual({ ok: true, changed: true });
    expect(await cache.sync(2_000)).toEqual({ ok: true, changed: false });
    expect(cache.snapshot().courses.length).toBeGreaterThanOrEqual(200);
    await stopApi();
    const result = await cache.sync(3_000);
    expect(result.ok).toBe(false);
    const offline = cache.snapshot();
    expect(offline).toMatchObject({ stale: true, updatedAt: 2_000 });
    expect(offline.courses.length).toBeGreaterThanOrEqual(200);
    await startApi();
  });

  it('keeps the snapshot when the API returns garbage', async () => {
    const garbage = Fastify();
    garbage.get('/catalog', async () => ({ centers: 'nope' }));
    const url = `${await garbage.listen({ port: 0, host: '127.0.0.1' })}/catalog`;
    const cache = new CatalogCache(kioskDb, url, 1000);
    const result = await cache.sync();
    await garbage.close();
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('invalid catalog') });
    expect(cache.snapshot().courses.length).toBeGreaterThanOrEqual(200);
  });

  it('outbox: nothing lost offline, delivered exactly once after the network returns, no trace left', async () => {
    const outbox = new Outbox(kioskDb);
    const deliver = httpDeliver(base(), 'kiosk-1', 1000);
    const enrolment = {
      kind: 'enrolment' as const,
      key: 'k-offline-0001',
      data: { courseId: 'kh-002', fullName: 'Phạm Thị Xuân Mai', phone: '0987654321', consent: true as const },
    };
    await stopApi();
    expect(outbox.add(enrolment)).toBe(true);
    expect(outbox.add(enrolment)).toBe(false); // double tap
    expect(await outbox.flush(deliver)).toEqual({ delivered: 0, waiting: 1 });
    await startApi();
    expect(await outbox.flush(deliver)).toEqual({ delivered: 1, waiting: 0 });
    expect(await outbox.flush(deliver)).toEqual({ delivered: 0, waiting: 0 });
    const content = new Database(join(dir, 'content.db'), { readonly: true });
    const rows = content.prepare("SELECT key FROM content_intake WHERE kind = 'enrolment' AND key = ?").all('k-offline-0001');
    content.close();
    expect(rows).toHaveLength(1);
    // The citizen's name is gone from every file of the kiosk's data directory.
    for (const file of await readdir(dir)) {
      if (file.startsWith('kiosk')) expect((await readFile(join(dir, file))).includes(Buffer.from('Phạm Thị Xuân Mai'))).toBe(false);
    }
  });

  it('outbox: a record the API refuses is kept aside, not retried forever, and does not block the others', async () => {
    const outbox = new Outbox(kioskDb);
    const deliver = httpDeliver(base(), 'kiosk-1', 1000);
    outbox.add({ kind: 'rating', key: 'k-rating-bad-01', data: { dossierCode: 'X', score: 9 } }, 1);
    outbox.add({ kind: 'feedback', key: 'k-feedback-001', data: { topic: 'kiosk', message: 'Màn hình dễ dùng, cảm ơn.' } }, 2);
    expect(await outbox.flush(deliver)).toEqual({ delivered: 1, waiting: 1 });
    expect(await outbox.flush(deliver)).toEqual({ delivered: 0, waiting: 1 });
  });
});

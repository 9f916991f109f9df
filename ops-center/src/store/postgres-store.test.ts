import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../../test/support/servers/daemon.js';
import { startPostgres } from '../../../test/support/servers/postgres.js';
import { openContentDb, seedCourses, storeIntake } from '../content/index.js';
import { type Harness, loginAs, startHarness } from '../testing/harness.js';
import { PostgresStore } from './postgres-store.js';
import { storeContract } from './store-contract.js';

/** The same contract as SQLite, against a real PostgreSQL 15 server (Debian package) started for this file. */
describe('PostgreSQL store', () => {
  let server: Daemon;
  let admin: pg.Client;
  let databases = 0;
  beforeAll(async () => {
    server = await startPostgres();
    admin = new pg.Client(server.url);
    await admin.connect();
  }, 30_000);
  afterAll(async () => {
    await admin?.end();
    await server?.stop();
  });
  /** A fresh database per test, so tests do not see each other's rows. */
  const freshDatabase = async () => {
    const name = `lophoc_${++databases}`;
    await admin.query(`CREATE DATABASE ${name}`);
    return server.url.replace(/\/postgres$/, `/${name}`);
  };

  describe('store contract', () => {
    storeContract(async () => PostgresStore.connect(await freshDatabase()));
  });

  it('says which server it could not use, without the password', async () => {
    await expect(PostgresStore.connect('postgres://ops:geheim@127.0.0.1:1/lophoc')).rejects.toThrow(
      /^ops-center: cannot use PostgreSQL at postgres:\/\/ops:\*\*\*@127\.0\.0\.1:1\/lophoc: /,
    );
  });

  describe('the whole ops-center on PostgreSQL and a real broker', () => {
    let h: Harness;
    let contentDir: string;
    const [course] = seedCourses();
    const today = Date.now();
    beforeAll(async () => {
      // A kiosk enrolment received by the content API before the ops-center counted intake records.
      contentDir = await mkdtemp(join(tmpdir(), 'lophoc-content-'));
      const content = openContentDb(join(contentDir, 'content.db'));
      const early = { key: 'enrol-early-01', courseId: course!.id, fullName: 'Trần Văn Bình', phone: '0912345678', consent: true };
      storeIntake(content, 'enrolment', early.key, { ...early, kiosk: 'kiosk-1', createdAt: today });
      content.close();
      h = await startHarness({
        content: { db: join(contentDir, 'content.db') },
        store: { kind: 'postgres', url: await freshDatabase() },
        initialAdmin: { username: 'admin', password: 'mật-khẩu-dài-đủ' },
      });
    });
    afterAll(async () => {
      await h?.stop();
      await rm(contentDir, { recursive: true, force: true });
    });

    it('counts kiosk intake records, received before and over HTTP now, once each', async () => {
      const api = await loginAs(h.ops.url, 'admin', 'mật-khẩu-dài-đủ');
      const send = () =>
        fetch(`${h.ops.url}/api/content/v1/intake/enrolment`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            key: 'enrol-now-0001',
            courseId: course!.id,
            fullName: 'Lê Thị Cúc',
            phone: '0987654321',
            consent: true,
            kiosk: 'kiosk-1',
            createdAt: today,
          }),
        });
      expect((await send()).status).toBe(201);
      expect((await send()).status).toBe(200);
      expect(await (await api('/api/kiosk-stats')).json()).toEqual([
        expect.objectContaining({ site: course!.centerId, enrolments: 2, sessions: 0, ratings: 0, feedback: 0 }),
      ]);
    });

    it('ingests exactly once, acknowledges, raises alerts and serves the API', async () => {
      const gw = await h.connectNode();
      const acks: [number, number][] = [];
      gw.client.on('message', (topic, payload) => {
        if (topic.endsWith('/ack')) acks.push(...(JSON.parse(payload.toString()) as { ranges: [number, number][] }).ranges);
      });
      await gw.client.subscribeAsync('lophoc/v1/ttht-cho-lon/gw-p101/ack', { qos: 1 });
      await gw.birth([{ id: 'co2-1', profile: 'senseair-s8', exposes: [{ name: 'co2', kind: 'reading', unit: 'ppm' }] }], 'Phòng 101');
      await gw.state(true);
      const api = await loginAs(h.ops.url, 'admin', 'mật-khẩu-dài-đủ');
      await expect.poll(async () => (await h.ops.store.readingNames()).join()).toBe('co2');
      expect(
        (
          await api('/api/alert-rules', {
            method: 'PUT',
            body: JSON.stringify([{ id: 'co2', kind: 'threshold', metric: 'co2', above: 1500 }]),
          })
        ).status,
      ).toBe(200);
      const batch = [1, 2, 3].map((seq) => ({ v: 1, ts: Date.now() + seq, seq, values: { co2: 1400 + seq * 100 } }));
      await gw.client.publishAsync('lophoc/v1/ttht-cho-lon/gw-p101/co2-1/telemetry', JSON.stringify(batch), { qos: 1 });
      await gw.client.publishAsync('lophoc/v1/ttht-cho-lon/gw-p101/co2-1/telemetry', JSON.stringify(batch[2]), { qos: 1 });
      await expect.poll(() => h.ops.ingest.stats).toMatchObject({ stored: 3, duplicates: 1 });
      // Both messages may land in one batch: the ack then names the merged range once.
      await expect
        .poll(() => new Set(acks.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => a + i))))
        .toEqual(new Set([1, 2, 3]));
      expect(await (await api('/api/latest')).json()).toEqual([expect.objectContaining({ name: 'co2', value: 1700, unit: 'ppm' })]);
      await expect.poll(async () => (await (await api('/api/alerts?active=true')).json()) as unknown[]).toHaveLength(1);
    });
  });
});

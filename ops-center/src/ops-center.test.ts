import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '@lophoc/broker';
import { describe, expect, it } from 'vitest';
import { addUser } from './auth/users.js';
import { startOpsCenter } from './ops-center.js';
import { SqliteStore } from './store/sqlite-store.js';
import { log, loginAs, startHarness } from './testing/harness.js';

describe('startOpsCenter configuration', () => {
  it('loads the sites file at start, and posts alert changes to the configured webhook', async () => {
    const received: { type: string; alert: { rule: string } }[] = [];
    const hook = createServer(async (request, response) => {
      let body = '';
      for await (const chunk of request) body += chunk;
      received.push(JSON.parse(body));
      response.writeHead(204).end();
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    const dir = await mkdtemp(join(tmpdir(), 'lophoc-sites-'));
    const sitesFile = join(dir, 'sites.yaml');
    await writeFile(
      sitesFile,
      '- { id: ttht-cho-lon, name: Trung tâm học tập Chợ Lớn, city: Thành phố Hồ Chí Minh, ward: Phường Chợ Lớn }\n',
    );
    const h = await startHarness({ sitesFile, alertWebhooks: [`http://127.0.0.1:${(hook.address() as { port: number }).port}/`] });
    try {
      expect(await h.ops.store.sites()).toEqual([
        { id: 'ttht-cho-lon', name: 'Trung tâm học tập Chợ Lớn', city: 'Thành phố Hồ Chí Minh', ward: 'Phường Chợ Lớn' },
      ]);
      const gw = await h.connectNode();
      await gw.birth([{ id: 'co2-1', profile: 'senseair-s8', exposes: [{ name: 'co2', kind: 'reading', unit: 'ppm' }] }]);
      await h.ops.alerts.setRules(
        [{ id: 'co2-high', kind: 'threshold', metric: 'co2', above: 1500, forMinutes: 0, hysteresis: 0, severity: 'warning' }],
        Date.now(),
      );
      await gw.publish('co2-1/telemetry', { ts: Date.now(), seq: 1, values: { co2: 2000 } });
      await gw.publish('co2-1/telemetry', { ts: Date.now() + 1, seq: 2, values: { co2: 900 } });
      await expect
        .poll(() => received.map((change) => `${change.type} ${change.alert.rule}`))
        .toEqual(['raised co2-high', 'cleared co2-high']);
    } finally {
      await h.stop();
      hook.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('prunes expired login sessions at start and then periodically, keeping the valid ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lophoc-sessions-'));
    const file = join(dir, 'ops-center.db');
    const before = new SqliteStore(file);
    await addUser(before, 'lan', 'operator', 'mật-khẩu-đủ-dài', Date.now());
    await before.createSession('expired-long-ago', 'lan', Date.now() - 86_400_000);
    await before.close();
    const h = await startHarness({ store: { kind: 'sqlite', file }, housekeepingMs: 0 });
    try {
      // Gone, not merely expired: even a clock set back to 0 does not find it.
      expect(await h.ops.store.session('expired-long-ago', 0)).toBeUndefined();
      const api = await loginAs(h.ops.url, 'lan', 'mật-khẩu-đủ-dài');
      await h.ops.store.createSession('expires-soon', 'lan', Date.now() + 50);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await h.ops.tick();
      expect(await h.ops.store.session('expires-soon', 0)).toBeUndefined();
      expect((await api('/api/me')).status).toBe(200);
      expect(await (await api('/api/me')).json()).toMatchObject({ username: 'lan' });
    } finally {
      await h.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a malformed sites file naming the file, entry and field, and leaves nothing running', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lophoc-sites-'));
    const broker = await startBroker({ port: 0, log });
    const sitesFile = join(dir, 'sites.yaml');
    await writeFile(sitesFile, '- { id: ok-site, name: A, city: B, ward: C }\n- { id: ok-2, name: A, city: B }\n');
    try {
      await expect(startOpsCenter({ dataDir: dir, mqttUrl: broker.url, port: 0, log, sitesFile, content: false })).rejects.toThrow(
        `${sitesFile}: entry 2 field ward: Invalid input: expected string, received undefined`,
      );
      expect(broker.aedes.connectedClients).toBe(0);
    } finally {
      await broker.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

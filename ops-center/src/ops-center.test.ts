import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '@lophoc/broker';
import { describe, expect, it } from 'vitest';
import { startOpsCenter } from './ops-center.js';
import { log, startHarness } from './testing/harness.js';

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

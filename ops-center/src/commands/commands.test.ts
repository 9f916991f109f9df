import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, loginAs, type NodeClient, startHarness } from '../testing/harness.js';

const projector = [
  {
    id: 'pj-1',
    profile: 'epson-escvp21',
    exposes: [
      { name: 'power_on', kind: 'command' as const },
      { name: 'lamp_hours', kind: 'reading' as const },
    ],
  },
];

describe('commands to devices on a real broker', () => {
  let h: Harness;
  let gw: NodeClient;
  let api: Awaited<ReturnType<typeof loginAs>>;

  beforeEach(async () => {
    h = await startHarness({ initialAdmin: { username: 'admin', password: 'mật-khẩu-quản-trị' } });
    api = await loginAs(h.ops.url, 'admin', 'mật-khẩu-quản-trị');
    gw = await h.connectNode();
    await gw.birth(projector, 'Phòng 101');
    await gw.state(true);
    await expect.poll(async () => (await h.ops.store.nodes())[0]?.online).toBe(true);
  });
  afterEach(async () => {
    await h.stop();
  });

  const send = (body: object) => api('/api/commands', { method: 'POST', body: JSON.stringify(body) });

  it('publishes on the node cmd topic with expiresAt; the result marks it done; who sent it is recorded and audited', async () => {
    const before = Date.now();
    const response = await send({ site: 'ttht-cho-lon', node: 'gw-p101', device: 'pj-1', method: 'power-on', ttlSeconds: 30 });
    expect(response.status).toBe(201);
    const command = (await response.json()) as { id: string; status: string; by: string; expiresAt: number };
    expect(command).toMatchObject({ status: 'sent', by: 'admin' });
    await expect
      .poll(() => gw.commands)
      .toEqual([{ v: 1, id: command.id, device: 'pj-1', method: 'power-on', params: {}, expiresAt: command.expiresAt }]);
    expect(command.expiresAt).toBeGreaterThanOrEqual(before + 30_000);
    await gw.publish('cmd/result', { id: command.id, ok: true, result: { power: 'on' }, ts: Date.now() });
    await expect
      .poll(async () => (await (await api(`/api/commands/${command.id}`)).json()) as object)
      .toMatchObject({
        status: 'done',
        result: { power: 'on' },
      });
    const audit = (await (await api('/api/audit')).json()) as { action: string; user: string; target: string }[];
    expect(audit[0]).toMatchObject({ action: 'command', user: 'admin', target: 'ttht-cho-lon/gw-p101/pj-1' });
  });

  it('marks a refused command failed with the device error', async () => {
    const command = (await (await send({ site: 'ttht-cho-lon', node: 'gw-p101', device: 'pj-1', method: 'power_on' })).json()) as {
      id: string;
    };
    await expect.poll(() => gw.commands.length).toBe(1);
    await gw.publish('cmd/result', { id: command.id, ok: false, error: 'ERR3 unavailable time', ts: Date.now() });
    await expect.poll(async () => h.ops.store.command(command.id)).toMatchObject({ status: 'failed', error: 'ERR3 unavailable time' });
  });

  it('queues a command to an offline node, sends it when the node returns, and expires one whose TTL passed', async () => {
    await gw.state(false);
    await expect.poll(async () => (await h.ops.store.nodes())[0]?.online).toBe(false);
    const late = await send({ site: 'ttht-cho-lon', node: 'gw-p101', device: 'pj-1', method: 'power-on', ttlSeconds: 0.2 });
    expect(late.status).toBe(202);
    const kept = (await (
      await send({ site: 'ttht-cho-lon', node: 'gw-p101', device: 'pj-1', method: 'power-on', ttlSeconds: 60 })
    ).json()) as {
      id: string;
      status: string;
    };
    expect(kept.status).toBe('queued');
    await new Promise((resolve) => setTimeout(resolve, 250)); // let the first TTL pass
    await h.ops.tick();
    const lateId = ((await late.json()) as { id: string }).id;
    expect(await h.ops.store.command(lateId)).toMatchObject({ status: 'expired' });
    expect(gw.commands).toEqual([]);
    await gw.state(true);
    await expect.poll(() => gw.commands.map((c) => c.id)).toEqual([kept.id]); // the expired one is never delivered late
    await expect.poll(() => h.ops.store.command(kept.id)).toMatchObject({ status: 'sent' });
  });

  it('refuses bad commands with the reason and stores nothing', async () => {
    const cases: [object, number, string][] = [
      [{ site: 'ttht-cho-lon', node: 'gw-p999', device: 'pj-1', method: 'power-on' }, 404, 'unknown node ttht-cho-lon/gw-p999'],
      [
        { site: 'ttht-cho-lon', node: 'gw-p101', device: 'pj-9', method: 'power-on' },
        404,
        'node ttht-cho-lon/gw-p101 has no device "pj-9"',
      ],
      [
        { site: 'ttht-cho-lon', node: 'gw-p101', device: 'pj-1', method: 'self-destruct' },
        400,
        'device pj-1 has no command "self-destruct"; it offers power_on',
      ],
      [
        { site: 'ttht-cho-lon', node: 'gw-p101', device: 'pj-1', method: 'power-on', ttlSeconds: 0 },
        400,
        '"ttlSeconds" must be between 1 and 604800',
      ],
      [{ site: 'Bad Site', node: 'gw-p101', device: 'pj-1', method: 'power-on' }, 400, '"site" must match [a-z0-9][a-z0-9-]{0,62}'],
    ];
    for (const [body, status, error] of cases) {
      const response = await send(body);
      expect({ status: response.status, body: await response.json() }).toEqual({ status, body: { error } });
    }
    expect(await h.ops.store.commands({})).toEqual([]);
  });
});

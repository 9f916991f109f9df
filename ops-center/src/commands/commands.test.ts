import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, loginAs, type NodeClient, startHarness } from '../testing/harness.js';

const projector = [
  {
    id: 'pj-1',
    profile: 'epson-escvp21',
    exposes: [
      { name: 'power_on', kind: 'command' as const },
      { name: 'set_input', kind: 'command' as const },
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

  it("checks parameters against the device's profile, naming the parameter, and sends valid ones", async () => {
    const target = { site: 'ttht-cho-lon', node: 'gw-p101', device: 'pj-1', method: 'set_input' };
    const refusals = [
      [{ source: '99' }, 'set_input on pj-1: parameter source must be one of 10, 11, 14, 20, 30, 41, 42, 52, 53, A0, got "99"'],
      [{}, 'set_input on pj-1: parameter source is required'],
      [{ source: '30', volume: 3 }, 'set_input on pj-1: unknown parameter volume (takes: source)'],
    ] as const;
    for (const [params, error] of refusals) {
      const response = await send({ ...target, params });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error });
    }
    expect(await (await api('/api/commands')).json()).toEqual([]);
    const ok = await send({ ...target, params: { source: '30' } });
    expect(ok.status).toBe(201);
    await expect.poll(() => gw.commands.map((c) => c.params)).toEqual([{ source: '30' }]);
    const specs = (await (await api('/api/command-specs')).json()) as Record<string, Record<string, unknown>>;
    expect(specs['epson-escvp21']?.set_input).toMatchObject({ params: { source: { type: 'enum', required: true } } });
    expect(specs['lophoc-kiosk']?.screenshot).toMatchObject({ params: { maxWidth: { type: 'integer', min: 160, max: 1920 } } });
  });

  it("keeps a kiosk's screenshot of the largest size the kiosk sends, serves it, and keeps only its size in the command", async () => {
    const kiosk = await h.connectNode('kiosk-1');
    await kiosk.publish(
      'birth',
      {
        ts: Date.now(),
        kind: 'kiosk',
        version: '0.1.0',
        devices: [{ id: 'kiosk', profile: 'lophoc-kiosk', exposes: [{ name: 'screenshot', kind: 'command' }] }],
      },
      true,
    );
    await kiosk.state(true);
    await expect.poll(async () => (await h.ops.store.nodes()).find((n) => n.node === 'kiosk-1')?.online).toBe(true);
    const target = { site: 'ttht-cho-lon', node: 'kiosk-1', device: 'kiosk', method: 'screenshot' };
    const tooWide = await send({ ...target, params: { maxWidth: 5000 } });
    expect(await tooWide.json()).toEqual({ error: 'screenshot on kiosk: parameter maxWidth must be at most 1920, got 5000' });
    // kiosk-app's MAX_SCREENSHOT_BYTES (180 KiB) inside cmd/result, base64: just under the 256 KiB payload bound.
    const image = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(180 * 1024 - 8, 0x5a)]);
    const shots = [image, Buffer.from('not a png at all')];
    for (const bytes of shots) {
      const command = (await (await send({ ...target, params: { maxWidth: 800 } })).json()) as { id: string };
      await expect.poll(() => kiosk.commands.at(-1)?.id).toBe(command.id);
      await kiosk.publish('cmd/result', {
        id: command.id,
        ok: true,
        result: { mime: 'image/png', base64: bytes.toString('base64') },
        ts: Date.now(),
      });
      await expect.poll(async () => ((await (await api(`/api/commands/${command.id}`)).json()) as { status: string }).status).toBe('done');
    }
    // Newest first: the fake PNG is not kept and does not replace the real one.
    const [fake, real] = (await (await api('/api/commands?node=kiosk-1')).json()) as { result: unknown }[];
    expect(real!.result).toEqual({ mime: 'image/png', bytes: 180 * 1024, screenshot: true });
    expect(fake!.result).toEqual({ mime: 'image/png', bytes: 16, screenshot: false, error: 'not a PNG or JPEG image' });
    const served = await api('/api/screenshots/ttht-cho-lon/kiosk-1');
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await served.arrayBuffer()).equals(image)).toBe(true);
    expect(await (await api('/api/screenshots')).json()).toEqual([
      expect.objectContaining({ site: 'ttht-cho-lon', node: 'kiosk-1', device: 'kiosk', mime: 'image/png', bytes: 180 * 1024 }),
    ]);
    expect((await api('/api/screenshots/ttht-cho-lon/kiosk-2')).status).toBe(404);
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
        'device pj-1 has no command "self-destruct"; it offers power_on, set_input',
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

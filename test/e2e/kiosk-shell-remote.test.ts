import { type RunningBroker, startBroker } from '@lophoc/broker';
import { type CmdPayload, decodeMessage } from '@lophoc/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KioskActions } from '../../kiosk-app/src/remote/kiosk-commands.js';
import { KioskNode } from '../../kiosk-app/src/remote/kiosk-node.js';

const log = pino({ level: 'silent' });
const SITE = 'ttht-cho-quan';
const NODE = 'kiosk-01';
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

describe('kiosk remote management through a real broker', () => {
  let broker: RunningBroker;
  let ops: MqttClient;
  let kiosk: KioskNode;
  let calls: string[];
  const messages: { topic: string; payload: Buffer; retain: boolean }[] = [];

  const actions = (overrides: Partial<KioskActions> = {}): KioskActions => ({
    reload: () => {
      calls.push('reload');
    },
    restart: () => {
      calls.push('restart');
    },
    screenshot: async (maxWidth) => {
      calls.push(`screenshot:${maxWidth}`);
      return { mime: 'image/png', bytes: PNG };
    },
    syncNow: async () => {
      calls.push('sync-now');
      return { catalogUpdatedAt: 1_795_000_000_000, outboxDelivered: 2 };
    },
    ...overrides,
  });

  const waitFor = async <T>(find: () => T | undefined, what: string): Promise<T> => {
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const found = find();
      if (found !== undefined) return found;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  const resultFor = (id: string) =>
    waitFor(() => {
      for (const message of messages) {
        if (!message.topic.endsWith('/cmd/result')) continue;
        const decoded = decodeMessage(message.topic, message.payload);
        if (decoded.kind === 'cmd-result' && decoded.payload.id === id) return decoded.payload;
      }
      return undefined;
    }, `result of ${id}`);
  const send = (command: Partial<CmdPayload> & { id: string }) =>
    ops.publishAsync(
      `lophoc/v1/${SITE}/${NODE}/cmd`,
      JSON.stringify({ v: 1, device: 'kiosk', method: 'reload', params: {}, expiresAt: Date.now() + 60_000, ...command }),
      { qos: 1 },
    );

  beforeEach(async () => {
    calls = [];
    messages.length = 0;
    broker = await startBroker({ port: 0, log });
    ops = await mqtt.connectAsync(broker.url, { clientId: 'ops-center-test' });
    ops.on('message', (topic, payload, packet) => messages.push({ topic, payload, retain: packet.retain }));
    await ops.subscribeAsync(`lophoc/v1/${SITE}/${NODE}/#`, { qos: 1 });
  });

  afterEach(async () => {
    await kiosk?.stop();
    await ops?.endAsync();
    await broker?.stop();
  });

  const startKiosk = async (overrides: Partial<KioskActions> = {}) => {
    kiosk = new KioskNode({
      url: broker.url,
      site: SITE,
      node: NODE,
      version: '0.1.0',
      log,
      actions: actions(overrides),
      health: () => ({ rssBytes: 123_456_789, outboxDepth: 3, rendererCrashes: 1, rendererRestarts: 0, lastSyncAt: Date.now() - 30_000 }),
      devices: [{ id: 'qr-scanner', profile: 'serial-qr-scanner', exposes: [{ name: 'scan', kind: 'event' }] }],
    });
    await kiosk.start();
  };

  it('publishes retained birth and state, health, and online:false on a planned stop', async () => {
    await startKiosk();
    const birth = await waitFor(() => messages.find((m) => m.topic.endsWith('/birth')), 'birth');
    const payload = decodeMessage(birth.topic, birth.payload).payload as {
      kind: string;
      devices: { id: string; exposes: { name: string }[] }[];
    };
    expect(payload.kind).toBe('kiosk');
    expect(payload.devices.map((d) => d.id)).toEqual(['kiosk', 'qr-scanner']);
    expect(payload.devices[0]?.exposes.map((e) => e.name)).toEqual(['reload', 'restart', 'screenshot', 'sync_now']);
    const state = await waitFor(() => messages.find((m) => m.topic.endsWith('/state')), 'state');
    expect(JSON.parse(state.payload.toString())).toMatchObject({ online: true, version: '0.1.0' });
    const health = await waitFor(() => messages.find((m) => m.topic.endsWith('/health')), 'health');
    expect(JSON.parse(health.payload.toString())).toMatchObject({
      rssBytes: 123_456_789,
      outboxDepth: 3,
      rates: { renderer_crashes: 1, renderer_restarts: 0, last_sync_age_s: expect.closeTo(30, 0) },
    });
    await kiosk.stop();
    const offline = await waitFor(
      () => messages.find((m) => m.topic.endsWith('/state') && JSON.parse(m.payload.toString()).online === false),
      'offline state',
    );
    expect(offline).toBeDefined();
    // A late subscriber (the console after a restart) sees the retained state and birth.
    const late = await mqtt.connectAsync(broker.url, { clientId: 'late-console' });
    const retained: string[] = [];
    late.on('message', (topic, _payload, packet) => packet.retain && retained.push(topic));
    await late.subscribeAsync(`lophoc/v1/${SITE}/${NODE}/+`, { qos: 1 });
    await waitFor(() => (retained.length >= 2 ? true : undefined), 'retained messages');
    expect(retained.sort()).toEqual([`lophoc/v1/${SITE}/${NODE}/birth`, `lophoc/v1/${SITE}/${NODE}/state`]);
    await late.endAsync();
  });

  it('runs reload, screenshot, sync-now and restart, each answered once per id', async () => {
    await startKiosk();
    await send({ id: 'c-reload', method: 'reload' });
    expect(await resultFor('c-reload')).toMatchObject({ ok: true });
    await send({ id: 'c-shot', method: 'screenshot', params: { maxWidth: 640 } });
    expect(await resultFor('c-shot')).toMatchObject({ ok: true, result: { mime: 'image/png', base64: PNG.toString('base64') } });
    await send({ id: 'c-sync', method: 'sync-now' });
    expect(await resultFor('c-sync')).toMatchObject({ ok: true, result: { outboxDelivered: 2 } });
    await send({ id: 'c-restart', method: 'restart' });
    expect(await resultFor('c-restart')).toMatchObject({ ok: true });
    await waitFor(() => (calls.includes('restart') ? true : undefined), 'restart');
    // A redelivered command is answered again but not run again.
    await send({ id: 'c-reload', method: 'reload' });
    await waitFor(() => (messages.filter((m) => m.topic.endsWith('/cmd/result')).length >= 5 ? true : undefined), 'second answer');
    expect(calls).toEqual(['reload', 'screenshot:640', 'sync-now', 'restart']);
  });

  it('refuses bad commands with the reason and keeps running', async () => {
    await startKiosk({
      syncNow: async () => {
        throw new Error('content API unreachable');
      },
    });
    await send({ id: 'bad-param', method: 'screenshot', params: { maxWidth: 99_999 } });
    expect((await resultFor('bad-param')).error).toMatch(/^screenshot: params\.maxWidth /);
    await send({ id: 'extra-param', method: 'reload', params: { force: true } });
    expect((await resultFor('extra-param')).error).toMatch(/reload: params/);
    await send({ id: 'unknown', method: 'format-disk' });
    expect((await resultFor('unknown')).error).toMatch(/unknown kiosk command "format-disk"/);
    await send({ id: 'expired', expiresAt: Date.now() - 1000 });
    expect((await resultFor('expired')).error).toMatch(/expired/);
    await send({ id: 'other-device', device: 'projector' });
    expect((await resultFor('other-device')).error).toMatch(/unknown device "projector"/);
    await send({ id: 'sync-fails', method: 'sync-now' });
    expect(await resultFor('sync-fails')).toMatchObject({ ok: false, error: 'sync-now failed: content API unreachable' });
    await ops.publishAsync(`lophoc/v1/${SITE}/${NODE}/cmd`, JSON.stringify({ v: 1, id: 'malformed', method: 42 }), { qos: 1 });
    expect((await resultFor('malformed')).error).toMatch(/cmd: .*method/);
    await ops.publishAsync(`lophoc/v1/${SITE}/${NODE}/cmd`, 'not json', { qos: 1 });
    await send({ id: 'still-alive', method: 'reload' });
    expect(await resultFor('still-alive')).toMatchObject({ ok: true });
    expect(calls).toEqual(['reload']);
  });

  it('refuses a screenshot too large for a result payload', async () => {
    await startKiosk({ screenshot: async () => ({ mime: 'image/png', bytes: Buffer.alloc(300 * 1024) }) });
    await send({ id: 'big', method: 'screenshot' });
    expect((await resultFor('big')).error).toMatch(/exceeds .*smaller maxWidth/);
  });
});

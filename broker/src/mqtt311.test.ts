import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IPublishPacket, MqttClient } from 'mqtt';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from './broker.js';
import { collect, connect, RawClient } from './test-clients.js';

/**
 * MQTT 3.1.1 behaviour of the broker as deployed (aedes behind our guard, sessions on SQLite), checked with
 * real MQTT.js clients and, where MQTT.js hides the bytes, a raw client. Clause numbers are the spec's.
 */
const log = pino({ level: 'silent' });
let dir: string;
let broker: RunningBroker;
const clients: MqttClient[] = [];
const raws: RawClient[] = [];

async function client(clientId: string, options: Parameters<typeof connect>[1] = {}) {
  const c = await connect(broker.url, { clientId, ...options });
  clients.push(c);
  return c;
}
async function raw() {
  const r = await RawClient.open(broker.port);
  raws.push(r);
  return r;
}
const text = (packets: IPublishPacket[]) => packets.map((p) => `${p.topic}=${p.payload.toString()}`);

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lophoc-mqtt311-'));
  broker = await startBroker({ port: 0, log, storage: { kind: 'sqlite', file: join(dir, 'sessions.db') } });
});
afterEach(async () => {
  for (const r of raws.splice(0)) r.destroy();
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('retained messages', () => {
  it('are sent to new subscribers with RETAIN set, live with it clear, and cleared by an empty payload', async () => {
    const publisher = await client('pub');
    await publisher.publishAsync('lophoc/v1/s/n/state', 'online', { qos: 1, retain: true });
    const late = await client('late');
    const lateSeen = collect(late);
    await late.subscribeAsync('lophoc/v1/+/+/state', { qos: 1 });
    // [MQTT-3.3.1-8] a retained message sent because of a new subscription has RETAIN 1
    expect((await lateSeen.waitFor(1))[0]?.retain).toBe(true);
    // [MQTT-3.3.1-9] a message matching an established subscription is forwarded with RETAIN 0
    await publisher.publishAsync('lophoc/v1/s/n/state', 'offline', { qos: 1, retain: true });
    expect((await lateSeen.waitFor(2))[1]).toMatchObject({ retain: false });
    // [MQTT-3.3.1-10/11] an empty retained payload removes the retained message
    await publisher.publishAsync('lophoc/v1/s/n/state', '', { qos: 1, retain: true });
    const later = await client('later');
    const laterSeen = collect(later);
    await later.subscribeAsync('lophoc/v1/#', { qos: 1 });
    await publisher.publishAsync('lophoc/v1/s/n/health', 'marker', { qos: 1 });
    expect(text(await laterSeen.waitFor(1))).toEqual(['lophoc/v1/s/n/health=marker']);
  });
});

describe('wills', () => {
  it('are published when the connection drops without DISCONNECT, and discarded on a clean DISCONNECT', async () => {
    const watcher = await client('watcher');
    const seen = collect(watcher);
    await watcher.subscribeAsync('lophoc/v1/+/+/state', { qos: 1 });
    const polite = await client('polite', {
      will: { topic: 'lophoc/v1/s/polite/state', payload: Buffer.from('gone'), qos: 1, retain: false },
    });
    await polite.endAsync(); // [MQTT-3.1.2-10] DISCONNECT: the will is deleted, not published
    const crashed = await raw();
    crashed.send({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clean: true,
      keepalive: 30,
      clientId: 'crashed',
      will: { topic: 'lophoc/v1/s/crashed/state', payload: Buffer.from('gone'), qos: 1, retain: false },
    });
    await crashed.next('connack');
    crashed.destroy(); // [MQTT-3.1.2-8] the network connection closes without DISCONNECT: the will is published
    expect(text(await seen.waitFor(1))).toEqual(['lophoc/v1/s/crashed/state=gone']);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen.messages).toHaveLength(1);
  });
});

describe('keepalive', () => {
  it('disconnects a client silent for one and a half keepalive periods [MQTT-3.1.2-24]', async () => {
    const silent = await raw();
    expect(await silent.connect('silent', { keepalive: 1 })).toMatchObject({ returnCode: 0 });
    const started = Date.now();
    while (!silent.closed && Date.now() - started < 4000) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(silent.closed).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
  });
});

describe('QoS', () => {
  it('delivers each message at the lower of the publish and subscription QoS [MQTT-3.8.4-6], QoS 2 exactly once', async () => {
    const subscriber = await client('sub');
    const seen = collect(subscriber);
    await subscriber.subscribeAsync('q/2', { qos: 2 });
    await subscriber.subscribeAsync('q/1', { qos: 1 });
    const publisher = await client('pub');
    for (const qos of [0, 1, 2] as const) {
      await publisher.publishAsync('q/2', `qos${qos}`, { qos });
      await publisher.publishAsync('q/1', `qos${qos}`, { qos });
    }
    const got = await seen.waitFor(6);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen.messages).toHaveLength(6);
    expect(got.map((p) => `${p.topic}:${p.payload}:${p.qos}`).sort()).toEqual(
      ['q/1:qos0:0', 'q/1:qos1:1', 'q/1:qos2:1', 'q/2:qos0:0', 'q/2:qos1:1', 'q/2:qos2:2'].sort(),
    );
  });

  it('redelivers an unacknowledged QoS 1 message with DUP set when a persistent session reconnects [MQTT-4.4.0-1]', async () => {
    const first = await raw();
    await first.connect('slow-hub', { clean: false });
    first.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'r/#', qos: 1 }] });
    await first.next('suback');
    const publisher = await client('pub');
    await publisher.publishAsync('r/1', 'unacked', { qos: 1 });
    const delivered = await first.next('publish');
    expect(delivered).toMatchObject({ topic: 'r/1', qos: 1, dup: false });
    first.destroy(); // never PUBACKed

    const second = await raw();
    expect(await second.connect('slow-hub', { clean: false })).toMatchObject({ sessionPresent: true });
    const again = await second.next('publish');
    expect(again).toMatchObject({ topic: 'r/1', qos: 1, dup: true });
    expect((again as { payload: Buffer }).payload.toString()).toBe('unacked');
  });
});

describe('CONNACK', () => {
  it('is the first packet of a resumed session even when a message is routed to it while the session is restored [MQTT-3.2.0-1]', async () => {
    const first = await raw();
    await first.connect('hub', { clean: false });
    first.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'live/#', qos: 1 }] });
    await first.next('suback');
    first.destroy();
    await expect.poll(() => (broker.aedes as unknown as { clients: Record<string, unknown> }).clients.hub).toBeUndefined();

    // aedes restores the subscriptions, then stores the will, then writes CONNACK: route a message in between,
    // as another cluster node would, and give it time to be written.
    const persistence = (broker.aedes as unknown as { persistence: unknown }).persistence as {
      delWill(client: { id: string }): Promise<unknown>;
    };
    const delWill = persistence.delWill.bind(persistence);
    persistence.delWill = async (client) => {
      if (client.id === 'hub') {
        const packet = {
          cmd: 'publish' as const,
          topic: 'live/1',
          payload: Buffer.from('early'),
          qos: 1 as const,
          retain: false,
          dup: false,
        };
        broker.aedes.publish(packet, () => {}); // completes once delivered, which must wait for CONNACK
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return delWill(client);
    };
    const second = await raw();
    second.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: false, keepalive: 30, clientId: 'hub' });
    await expect.poll(() => second.received.length).toBeGreaterThanOrEqual(2);
    const [connack, ...rest] = second.received;
    expect(connack).toMatchObject({ cmd: 'connack', sessionPresent: true, returnCode: 0 });
    // It was both queued for the absent session and routed live: QoS 1 allows the second copy [MQTT-4.3.2].
    expect(rest.map((packet) => `${packet.cmd} ${(packet as IPublishPacket).topic}`)).toContain('publish live/1');
    expect(rest.every((packet) => packet.cmd === 'publish' && packet.topic === 'live/1')).toBe(true);
  });
});

describe('subscriptions', () => {
  // aedes 1.2's per-message dedupe (lib/client.js `dedupe`) lets the first matching subscription win, so 'o/#' at
  // QoS 0 delivered one copy at QoS 0; the broker's delivery (fast-delivery.ts `dedupe`) sends the QoS 1
  // subscription a copy of its own, as the clause allows.
  it('overlapping subscriptions deliver the message at the highest matching QoS [MQTT-3.3.5-1]', async () => {
    const subscriber = await client('overlap');
    const seen = collect(subscriber);
    await subscriber.subscribeAsync({ 'o/#': { qos: 0 }, 'o/+': { qos: 1 } });
    const publisher = await client('pub');
    await publisher.publishAsync('o/x', 'both', { qos: 1 });
    await seen.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(Math.max(...seen.messages.map((p) => p.qos))).toBe(1);
    expect(seen.messages.every((p) => p.payload.toString() === 'both')).toBe(true);
    expect(seen.messages.length).toBeLessThanOrEqual(2); // at most one copy per matching subscription
  });

  it('does not match $-topics with # or + at the first level [MQTT-4.7.2-1]', async () => {
    const everything = await client('everything');
    const all = collect(everything);
    await everything.subscribeAsync('#', { qos: 1 });
    const dollar = await client('dollar');
    const dollarSeen = collect(dollar);
    await dollar.subscribeAsync('$lophoc/#', { qos: 1 });
    const publisher = await client('pub');
    await publisher.publishAsync('$lophoc/test', 'hidden', { qos: 1 });
    await publisher.publishAsync('visible', 'shown', { qos: 1 });
    expect(text(await dollarSeen.waitFor(1))).toEqual(['$lophoc/test=hidden']);
    await all.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(text(all.messages)).toEqual(['visible=shown']);
  });
});

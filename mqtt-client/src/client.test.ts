import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry, type RunningBroker, startBroker } from '@lophoc/broker';
import mqtt, { type IPublishPacket, type MqttClient as MqttJsClient } from 'mqtt';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type MessageInfo, MqttClient, type MqttClientOptions } from './client.js';
import { proxy, scriptedServer } from './test-servers.js';

/** The client against our aedes broker, with real MQTT.js peers; byte-level servers where a broker cannot misbehave. */
const log = pino({ level: 'silent' });
let dir: string;
let broker: RunningBroker;
const ours: MqttClient[] = [];
const peers: MqttJsClient[] = [];
const cleanups: (() => Promise<void>)[] = [];

interface Received {
  topic: string;
  payload: string;
  info: MessageInfo;
}

/** Our client, connected (or refused: `errors` then holds why). */
async function open(options: Partial<MqttClientOptions> & { clientId: string }, url = broker.url) {
  const client = new MqttClient({ url, ...options });
  ours.push(client);
  const errors: Error[] = [];
  const messages: Received[] = [];
  client.on('error', (error) => errors.push(error));
  client.on('message', (topic, payload, info) => messages.push({ topic, payload: payload.toString(), info: { ...info } }));
  const outcome = Promise.race([next(client, 'connect'), next(client, 'close')]);
  client.connect();
  await outcome;
  return { client, errors, messages };
}

async function peer(clientId: string, options: mqtt.IClientOptions = {}, url = broker.url) {
  const client = await mqtt.connectAsync(url, { clientId, reconnectPeriod: 0, protocolVersion: 4, ...options }, false);
  client.on('error', () => {});
  peers.push(client);
  const messages: IPublishPacket[] = [];
  client.on('message', (_topic, _payload, packet) => messages.push(packet));
  return { client, messages };
}

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The next event's arguments (events.once would reject on the 'error' these tests expect). */
function next(client: MqttClient, event: 'connect' | 'close'): Promise<unknown[]> {
  return new Promise((resolve) => client.once(event as 'close', (...args: unknown[]) => resolve(args)));
}

/** The client's socket, for tests that cut it as a network failure would. */
const socketOf = (client: MqttClient) => (client as unknown as { socket: Socket }).socket;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lophoc-mqtt-client-'));
  broker = await startBroker({ port: 0, log, storage: { kind: 'sqlite', file: join(dir, 'sessions.db') } });
});
afterEach(async () => {
  await Promise.all(ours.splice(0).map((c) => c.end(true)));
  await Promise.all(peers.splice(0).map((c) => c.endAsync(true)));
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('options', () => {
  it('refuses URLs it cannot serve, QoS 2 publishes and wildcard topics, with the reason', async () => {
    expect(() => new MqttClient({ url: 'ws://127.0.0.1:80/mqtt', clientId: 'x' })).toThrow(/scheme ws: is not supported/);
    expect(() => new MqttClient({ url: 'nonsense', clientId: 'x' })).toThrow(/"nonsense" is not a URL/);
    expect(() => new MqttClient({ url: 'mqtt://h', clientId: 'x', keepalive: -1 })).toThrow(/keepalive -1/);
    const { client } = await open({ clientId: 'opts' });
    expect(() => client.publish('a/b', 'x', { qos: 2 as 1 })).toThrow(/QoS 2 is not supported/);
    expect(() => client.publish('a/+', 'x')).toThrow(/wildcard/);
    await client.end();
    await expect(client.publish('a/b', 'x')).rejects.toThrow(/not connected/);
  });
});

describe('publish', () => {
  it('delivers QoS 0 and QoS 1 (resolved on PUBACK) to a real MQTT.js subscriber, retained flag kept', async () => {
    const watcher = await peer('watcher');
    await watcher.client.subscribeAsync('lophoc/v1/#', { qos: 1 });
    const { client } = await open({ clientId: 'publisher' });
    await client.publish('lophoc/v1/s/n/health', Buffer.from('{"q":0}'));
    await client.publish('lophoc/v1/s/n/telemetry', 'Nhiệt độ 28,5 °C', { qos: 1 });
    await client.publish('lophoc/v1/s/n/state', 'online', { qos: 1, retain: true });
    await until('3 messages', () => watcher.messages.length === 3);
    expect(watcher.messages.map((m) => [m.topic, m.payload.toString(), m.qos])).toEqual([
      ['lophoc/v1/s/n/health', '{"q":0}', 0],
      ['lophoc/v1/s/n/telemetry', 'Nhiệt độ 28,5 °C', 1],
      ['lophoc/v1/s/n/state', 'online', 1],
    ]);
    // A late subscriber gets the retained state with RETAIN set.
    const late = await peer('late');
    await late.client.subscribeAsync('lophoc/v1/s/n/state', { qos: 1 });
    await until('retained', () => late.messages[0]);
    expect(late.messages[0]).toMatchObject({ retain: true, payload: Buffer.from('online') });
  });

  it('keeps up with 50,000 QoS 0 messages sent at once: all arrive in order, the socket buffer stays bounded', async () => {
    const watcher = await peer('watcher');
    await watcher.client.subscribeAsync('bulk/#', { qos: 0 });
    const { client } = await open({ clientId: 'bulk' });
    const socket = socketOf(client);
    let maxBuffered = 0;
    let resolved = 0;
    const sample = setInterval(() => {
      maxBuffered = Math.max(maxBuffered, socket.writableLength);
    }, 1);
    const payload = Buffer.alloc(100, 'x');
    const all: Promise<void>[] = [];
    for (let i = 0; i < 50_000; i++) {
      all.push(client.publish(`bulk/${i % 10}`, Buffer.concat([Buffer.from(`${i}:`), payload])).then(() => void resolved++));
      maxBuffered = Math.max(maxBuffered, socket.writableLength);
    }
    // Nothing was handed to the socket beyond its buffer: the rest waits, their promises pending.
    expect(maxBuffered).toBeLessThanOrEqual(socket.writableHighWaterMark + 200);
    expect(resolved).toBe(0);
    await Promise.all(all);
    clearInterval(sample);
    expect(maxBuffered).toBeLessThanOrEqual(socket.writableHighWaterMark + 200);
    await until('50,000 messages', () => watcher.messages.length === 50_000, 30_000);
    const order = watcher.messages.map((m) => Number(m.payload.toString().split(':')[0]));
    expect(order).toEqual(Array.from({ length: 50_000 }, (_, i) => i));
  }, 60_000);
});

describe('subscribe', () => {
  it('receives QoS 0, 1 and 2 (QoS 2 once, PUBCOMP on PUBREL) and returns the granted QoS', async () => {
    const { client, messages } = await open({ clientId: 'reader' });
    expect(
      await client.subscribe([
        { topic: 'q/0', qos: 0 },
        { topic: 'q/1', qos: 1 },
        { topic: 'q/2', qos: 2 },
      ]),
    ).toEqual([0, 1, 2]);
    const publisher = await peer('writer');
    await publisher.client.publishAsync('q/0', 'zero', { qos: 0 });
    await publisher.client.publishAsync('q/1', 'một', { qos: 1 });
    await publisher.client.publishAsync('q/2', 'hai', { qos: 2 }); // resolves on PUBCOMP: the broker's exchange with us is separate
    await until('3 messages', () => messages.length === 3);
    expect(messages.map((m) => [m.topic, m.payload, m.info.qos])).toEqual([
      ['q/0', 'zero', 0],
      ['q/1', 'một', 1],
      ['q/2', 'hai', 2],
    ]);
    // The broker got PUBACK and PUBCOMP: nothing is redelivered after a reconnect of this persistent session.
    await client.unsubscribe(['q/0']);
    await publisher.client.publishAsync('q/0', 'gone', { qos: 0 });
    await publisher.client.publishAsync('q/1', 'marker', { qos: 1 });
    await until('marker', () => messages.length === 4);
    expect(messages[3]?.payload).toBe('marker');
  });

  it('delivers an incoming QoS 2 PUBLISH resent with DUP only once, and answers PUBREL with PUBCOMP', async () => {
    const steps: string[] = [];
    const server = await scriptedServer(async (c) => {
      await c.next('connect');
      c.send({ cmd: 'connack', returnCode: 0, sessionPresent: false });
      const publish = { cmd: 'publish', topic: 't', payload: Buffer.from('once'), qos: 2, messageId: 7, retain: false } as const;
      c.send({ ...publish, dup: false });
      expect(await c.next('pubrec')).toMatchObject({ messageId: 7 });
      c.send({ ...publish, dup: true });
      expect(await c.next('pubrec')).toMatchObject({ messageId: 7 });
      c.send({ cmd: 'pubrel', messageId: 7 });
      expect(await c.next('pubcomp')).toMatchObject({ messageId: 7 });
      steps.push('pubcomp');
    });
    cleanups.push(() => server.close());
    const { messages } = await open({ clientId: 'q2' }, `mqtt://127.0.0.1:${server.port}`);
    await until('PUBCOMP', () => steps.length === 1);
    expect(messages.map((m) => m.payload)).toEqual(['once']);
  });
});

describe('wills and keepalive', () => {
  it('a connection cut without DISCONNECT publishes the will; end() sends DISCONNECT and the will is dropped', async () => {
    const watcher = await peer('watcher');
    await watcher.client.subscribeAsync('lophoc/v1/s/+/state', { qos: 1 });
    const will = { topic: 'lophoc/v1/s/polite/state', payload: 'offline', qos: 1 as const, retain: true };
    const polite = await open({ clientId: 'polite', will });
    await polite.client.end();
    const crashed = await open({ clientId: 'crashed', will: { ...will, topic: 'lophoc/v1/s/crashed/state' } });
    socketOf(crashed.client).destroy();
    await until('will', () => watcher.messages[0]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(watcher.messages.map((m) => [m.topic, m.payload.toString()])).toEqual([['lophoc/v1/s/crashed/state', 'offline']]);
  });

  it('sends PINGREQ when idle and closes a connection whose server went silent within 1.5 × keepalive', async () => {
    const pings: number[] = [];
    let connackAt = 0;
    const server = await scriptedServer(async (c) => {
      await c.next('connect');
      c.send({ cmd: 'connack', returnCode: 0, sessionPresent: false });
      connackAt = Date.now();
      await c.next('pingreq', 3000);
      pings.push(Date.now() - connackAt); // and no PINGRESP: the server is dead
    });
    cleanups.push(() => server.close());
    const client = new MqttClient({ url: `mqtt://127.0.0.1:${server.port}`, clientId: 'idle', keepalive: 1 });
    ours.push(client);
    const errors: Error[] = [];
    client.on('error', (error) => errors.push(error));
    const closed = next(client, 'close');
    client.connect();
    await closed;
    const after = Date.now() - connackAt;
    expect(pings[0]).toBeGreaterThanOrEqual(950);
    expect(pings[0]).toBeLessThan(1300);
    expect(after).toBeGreaterThanOrEqual(1450);
    expect(after).toBeLessThan(1800);
    expect(errors.map((e) => e.message)).toEqual(['mqtt-client: no answer from the server within 1.5 × keepalive (1.5 s)']);
  });

  it('keeps a quiet connection to a live broker open past several keepalive periods', async () => {
    const { client, errors } = await open({ clientId: 'quiet', keepalive: 1 });
    await new Promise((resolve) => setTimeout(resolve, 3200));
    expect(client.connected).toBe(true);
    expect(errors).toEqual([]);
  });

  it('gives up on a server that never sends CONNACK after connectTimeoutMs', async () => {
    const server = await scriptedServer(() => {});
    cleanups.push(() => server.close());
    const started = Date.now();
    const { client, errors } = await open({ clientId: 'slow', connectTimeoutMs: 300 }, `mqtt://127.0.0.1:${server.port}`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(client.connected).toBe(false);
    expect(errors[0]?.message).toMatch(/no CONNACK from mqtt:\/\/127\.0\.0\.1:\d+ within 300 ms/);
  });

  it('reports malformed bytes from the server with the decoder message and closes', async () => {
    const server = await scriptedServer(async (c) => {
      await c.next('connect');
      c.send({ cmd: 'connack', returnCode: 0, sessionPresent: false });
      c.socket.write(Buffer.from([0x00, 0x00])); // packet type 0 is reserved
    });
    cleanups.push(() => server.close());
    const { client, errors } = await open({ clientId: 'garbage' }, `mqtt://127.0.0.1:${server.port}`);
    await until('close', () => !client.connected && errors.length > 0);
    expect(errors[0]?.message).toBe('mqtt-client: malformed packet from the server: reserved type 0: a reserved packet type (§2.2.1)');
  });

  it('refuses a packet over maxPacketSize after delivering the ones before it, and closes', async () => {
    const server = await scriptedServer(async (c) => {
      await c.next('connect');
      c.send({ cmd: 'connack', returnCode: 0, sessionPresent: false });
      c.send({ cmd: 'publish', topic: 'nhỏ', payload: Buffer.from('vừa'), qos: 0, retain: false, dup: false });
      c.send({ cmd: 'publish', topic: 'lớn', payload: Buffer.alloc(2000), qos: 0, retain: false, dup: false });
    });
    cleanups.push(() => server.close());
    const { client, errors, messages } = await open({ clientId: 'big', maxPacketSize: 1000 }, `mqtt://127.0.0.1:${server.port}`);
    await until('close', () => !client.connected && errors.length > 0);
    expect(messages.map((m) => [m.topic, m.payload])).toEqual([['nhỏ', 'vừa']]);
    expect(errors[0]?.message).toBe(
      'mqtt-client: malformed packet from the server: PUBLISH: 2010 bytes, over the maximum packet size of 1000 bytes',
    );
  });
});

describe('persistent sessions', () => {
  it('resends a QoS 1 publish cut off before its PUBACK with DUP after the next CONNACK, before new ones', async () => {
    const watcher = await peer('watcher', { clean: true });
    await watcher.client.subscribeAsync('p/#', { qos: 1 });
    const link = await proxy(broker.port);
    cleanups.push(() => link.close());
    const { client } = await open({ clientId: 'durable', clean: false }, `mqtt://127.0.0.1:${link.port}`);
    link.holdServer();
    let settled = false;
    const first = client.publish('p/first', 'một', { qos: 1 }).then(() => {
      settled = true;
    });
    await until('the broker forwarded it', () => watcher.messages.length === 1);
    link.cut();
    await next(client, 'close');
    expect(settled).toBe(false);
    const reconnected = next(client, 'connect');
    client.connect();
    await reconnected;
    const second = client.publish('p/second', 'hai', { qos: 1 });
    await Promise.all([first, second]);
    const sent = link.fromClient[1]!.map((p) => (p.cmd === 'publish' ? `${p.topic} dup=${p.dup} id=${p.messageId}` : p.cmd));
    const firstId = link.fromClient[0]!.find((p) => p.cmd === 'publish')!.messageId;
    expect(sent.slice(0, 3)).toEqual(['connect', `p/first dup=true id=${firstId}`, expect.stringMatching(/^p\/second dup=false/)]);
    await until('both', () => watcher.messages.some((m) => m.topic === 'p/second'));
    expect(watcher.messages.map((m) => m.topic)).toContain('p/first');
  });

  it('with clean sessions, rejects a QoS 1 publish whose connection was lost', async () => {
    const link = await proxy(broker.port);
    cleanups.push(() => link.close());
    const { client } = await open({ clientId: 'fleeting' }, `mqtt://127.0.0.1:${link.port}`);
    link.holdServer();
    const lost = client.publish('p/x', 'x', { qos: 1 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    link.cut();
    await expect(lost).rejects.toThrow('mqtt-client: connection lost before the PUBACK');
  });

  it('end(true) rejects publishes still waiting for PUBACK', async () => {
    const link = await proxy(broker.port);
    cleanups.push(() => link.close());
    const { client } = await open({ clientId: 'ending', clean: false }, `mqtt://127.0.0.1:${link.port}`);
    link.holdServer();
    const pending = client.publish('p/x', 'x', { qos: 1 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await client.end(true);
    await expect(pending).rejects.toThrow(/client ended/);
  });

  it('manualAcks: a message not acknowledged is redelivered after a reconnect, an acknowledged one is not', async () => {
    const reader = await open({ clientId: 'ingest', clean: false, manualAcks: true });
    await reader.client.subscribe([{ topic: 'm/#', qos: 1 }]);
    const publisher = await peer('source');
    await publisher.client.publishAsync('m/a', 'a', { qos: 1 });
    await publisher.client.publishAsync('m/b', 'b', { qos: 1 });
    await until('2 messages', () => reader.messages.length === 2);
    reader.client.ack([reader.messages[1]!.info.messageId!]);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the PUBACK reaches the broker
    socketOf(reader.client).destroy();
    await next(reader.client, 'close');
    reader.messages.length = 0;
    const reconnected = next(reader.client, 'connect');
    reader.client.connect();
    expect((await reconnected)[0]).toEqual({ sessionPresent: true });
    await until('redelivery', () => reader.messages.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(reader.messages.map((m) => [m.topic, m.payload, m.info.dup])).toEqual([['m/a', 'a', true]]);
    // An id from the lost connection is not this connection's to acknowledge: ignored, not sent.
    reader.client.ack([65_000]);
    reader.client.ack([reader.messages[0]!.info.messageId!]);
    await reader.client.end();
  });
});

describe('authentication, ACL and TLS', () => {
  it('names the CONNACK refusal, closes, and returns SUBACK 0x80 rather than throwing', async () => {
    const registry = Registry.open(join(dir, 'registry.db'));
    cleanups.push(async () => registry.close());
    registry.addSite({ id: 'hcm', kind: 'city', name: 'Thành phố Hồ Chí Minh' });
    registry.addSite({ id: 'cho-quan', kind: 'ward', name: 'Phường Chợ Quán', parent: 'hcm' });
    registry.addSite({ id: 'p101', kind: 'learning-center', name: 'Trung tâm học tập cộng đồng Chợ Quán', parent: 'cho-quan' });
    const gw = await registry.provisionNode({ site: 'p101', node: 'gw-1', kind: 'gateway' });
    const secured = await startBroker({
      port: 0,
      log,
      registry,
      limits: { failedLoginDelay: { baseMs: 10, maxMs: 20 } },
    });
    cleanups.push(() => secured.stop());
    const refused = await open({ clientId: gw.username, username: gw.username, password: 'sai mật khẩu' }, secured.url);
    expect(refused.client.connected).toBe(false);
    expect(refused.errors.map((e) => [e.message, (e as { code?: number }).code])).toEqual([
      ['connection refused: bad user name or password', 4],
    ]);
    const admitted = await open({ clientId: gw.username, username: gw.username, password: Buffer.from(gw.password) }, secured.url);
    expect(admitted.client.connected).toBe(true);
    expect(
      await admitted.client.subscribe([
        { topic: `lophoc/v1/p101/gw-1/cmd`, qos: 1 },
        { topic: 'lophoc/v1/#', qos: 1 },
      ]),
    ).toEqual([1, 0x80]);
  });

  it('speaks mqtts:// to a broker with a self-signed certificate it is given, and refuses it otherwise', async () => {
    const tlsBroker = await startBroker({ port: 0, log, tls: { port: 0, certDir: join(dir, 'tls') } });
    cleanups.push(() => tlsBroker.stop());
    const watcher = await peer('watcher', {}, tlsBroker.url);
    await watcher.client.subscribeAsync('tls/#', { qos: 1 });
    const trusting = await open({ clientId: 'tls', tls: { ca: tlsBroker.certificate!, servername: 'localhost' } }, tlsBroker.tlsUrl);
    expect(trusting.client.connected).toBe(true);
    await trusting.client.publish('tls/x', 'bảo mật', { qos: 1 });
    await until('message', () => watcher.messages[0]);
    expect(watcher.messages[0]?.payload.toString()).toBe('bảo mật');
    const untrusting = await open({ clientId: 'untrusting' }, tlsBroker.tlsUrl);
    expect(untrusting.client.connected).toBe(false);
    expect(untrusting.errors[0]?.message).toMatch(/self[- ]signed/);
  });
});

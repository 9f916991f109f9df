import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IPublishPacket, type MqttClient as MqttJsClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../test/support/servers/daemon.js';
import { startMosquitto } from '../../test/support/servers/mosquitto.js';
import { type MessageInfo, MqttClient, type MqttClientOptions } from './client.js';
import { proxy } from './test-servers.js';

/** Interop with Mosquitto 2 (Debian), the broker a district may run instead of ours. */
let dir: string;
let mosquitto: Daemon;
let port: number;
const ours: MqttClient[] = [];
const peers: MqttJsClient[] = [];
const USER = 'giáo-viên';
const PASSWORD = 'mật khẩu đúng';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lophoc-mqtt-client-mosquitto-'));
  const passwordFile = join(dir, 'passwords');
  execFileSync('mosquitto_passwd', ['-b', '-c', passwordFile, USER, PASSWORD]);
  mosquitto = await startMosquitto({ passwordFile });
  port = Number(new URL(mosquitto.url).port);
});
afterAll(async () => {
  await Promise.all(ours.splice(0).map((c) => c.end(true)));
  await Promise.all(peers.splice(0).map((c) => c.endAsync(true)));
  await mosquitto?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function open(options: Partial<MqttClientOptions> & { clientId: string }, url = mosquitto.url) {
  const client = new MqttClient({ url, username: USER, password: PASSWORD, ...options });
  ours.push(client);
  const errors: Error[] = [];
  const messages: { topic: string; payload: string; info: MessageInfo }[] = [];
  client.on('error', (error) => errors.push(error));
  client.on('message', (topic, payload, info) => messages.push({ topic, payload: payload.toString(), info: { ...info } }));
  const outcome = new Promise((resolve) => {
    client.once('connect', resolve);
    client.once('close', () => resolve(undefined));
  });
  client.connect();
  await outcome;
  return { client, errors, messages };
}

async function peer(clientId: string) {
  const client = await mqtt.connectAsync(mosquitto.url, { clientId, username: USER, password: PASSWORD, reconnectPeriod: 0 }, false);
  client.on('error', () => {});
  peers.push(client);
  const messages: IPublishPacket[] = [];
  client.on('message', (_topic, _payload, packet) => messages.push(packet));
  return { client, messages };
}

async function until(what: string, probe: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('against Mosquitto', () => {
  it('names a refused login', async () => {
    const refused = await open({ clientId: 'intruder', password: 'sai' });
    expect(refused.client.connected).toBe(false);
    expect(refused.errors.map((e) => e.message)).toEqual(['connection refused: not authorized']);
  });

  it('publishes QoS 0/1 to an MQTT.js subscriber and receives QoS 0/1/2 from an MQTT.js publisher', async () => {
    const other = await peer('mqttjs');
    await other.client.subscribeAsync('out/#', { qos: 1 });
    const { client, messages } = await open({ clientId: 'ours' });
    expect(
      await client.subscribe([
        { topic: 'in/0', qos: 0 },
        { topic: 'in/1', qos: 1 },
        { topic: 'in/2', qos: 2 },
      ]),
    ).toEqual([0, 1, 2]);
    await client.publish('out/0', 'không');
    await client.publish('out/1', 'một', { qos: 1, retain: true });
    await until('2 at MQTT.js', () => other.messages.length === 2);
    expect(other.messages.map((m) => [m.topic, m.payload.toString(), m.qos])).toEqual([
      ['out/0', 'không', 0],
      ['out/1', 'một', 1],
    ]);
    for (const qos of [0, 1, 2] as const) await other.client.publishAsync(`in/${qos}`, `q${qos}`, { qos });
    await until('3 at ours', () => messages.length === 3);
    expect(messages.map((m) => [m.topic, m.payload, m.info.qos])).toEqual([
      ['in/0', 'q0', 0],
      ['in/1', 'q1', 1],
      ['in/2', 'q2', 2],
    ]);
    await client.end();
  });

  it('resends an unacknowledged QoS 1 publish with DUP after a reconnect; manualAcks redelivery', async () => {
    const other = await peer('watcher');
    await other.client.subscribeAsync('durable/#', { qos: 1 });
    const link = await proxy(port);
    try {
      const { client } = await open({ clientId: 'durable', clean: false }, `mqtt://127.0.0.1:${link.port}`);
      link.holdServer();
      const pending = client.publish('durable/x', 'giữ lại', { qos: 1 });
      await until('forwarded', () => other.messages.length === 1);
      link.cut();
      await new Promise((resolve) => client.once('close', () => resolve(undefined)));
      const reconnected = new Promise((resolve) => client.once('connect', resolve));
      client.connect();
      await reconnected;
      await pending;
      const resent = link.fromClient[1]!.find((p) => p.cmd === 'publish');
      expect(resent).toMatchObject({ topic: 'durable/x', dup: true, qos: 1 });
    } finally {
      await link.close();
    }

    const reader = await open({ clientId: 'ingest', clean: false, manualAcks: true });
    await reader.client.subscribe([{ topic: 'acks/#', qos: 1 }]);
    await other.client.publishAsync('acks/a', 'a', { qos: 1 });
    await other.client.publishAsync('acks/b', 'b', { qos: 1 });
    await until('2 messages', () => reader.messages.length === 2);
    reader.client.ack([reader.messages[0]!.info.messageId!]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await reader.client.end(true);
    reader.messages.length = 0;
    const back = new Promise((resolve) => reader.client.once('connect', resolve));
    reader.client.connect();
    expect(await back).toEqual({ sessionPresent: true });
    await until('redelivery', () => reader.messages.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(reader.messages.map((m) => [m.topic, m.info.dup])).toEqual([['acks/b', true]]);
  });
});

import { Duplex } from 'node:stream';
import { Aedes } from 'aedes';
import { generate, type IPublishPacket } from 'mqtt-packet';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from './broker.js';
import { fastBrokerPublish, fastInboundPublish } from './fast-publish.js';
import { RawClient } from './test-clients.js';

let broker: RunningBroker | undefined;
const raws: RawClient[] = [];
afterEach(async () => {
  for (const raw of raws.splice(0)) raw.destroy();
  await broker?.stop();
  broker = undefined;
});

async function open(): Promise<RawClient> {
  broker ??= await startBroker({ port: 0, log: pino({ level: 'silent' }) });
  const raw = await RawClient.open(broker.port);
  raws.push(raw);
  return raw;
}

/** A stream aedes reads from and writes to in memory: `feed` hands it bytes as a socket read would. */
class MemoryConnection extends Duplex {
  readonly written: Buffer[] = [];
  override _read(): void {}
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.written.push(chunk);
    callback();
  }
  feed(buffer: Buffer): void {
    this.push(buffer);
  }
}

describe('PUBLISH from clients (fast-publish.ts)', () => {
  it('acknowledges QoS 1 with the packet identifier and delivers QoS 0 and 1 in the order sent, to a persistent session too', async () => {
    const subscriber = await open();
    await subscriber.connect('ops-center', { clean: false });
    subscriber.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'lophoc/v1/#', qos: 1 }] });
    await subscriber.next('suback');
    const gateway = await open();
    await gateway.connect('gw');
    // One write: the first messages find the offline-subscription lookup not yet cached, the later ones cached.
    const packets = Array.from({ length: 300 }, (_, i) =>
      generate({
        cmd: 'publish',
        topic: `lophoc/v1/s/gw/d-${i % 3}/telemetry`,
        payload: Buffer.from(`${i}`),
        qos: 1,
        messageId: 1000 + i,
        retain: false,
        dup: false,
      }),
    );
    (gateway as unknown as { socket: { write(b: Buffer): void } }).socket.write(Buffer.concat(packets));
    const acks: number[] = [];
    for (let i = 0; i < 300; i++) acks.push((await gateway.next('puback')).messageId as number);
    expect(acks).toEqual(Array.from({ length: 300 }, (_, i) => 1000 + i));
    const payloads: string[] = [];
    for (let i = 0; i < 300; i++) {
      const message = (await subscriber.next('publish')) as IPublishPacket;
      expect(message.qos).toBe(1);
      payloads.push(message.payload.toString());
      subscriber.send({ cmd: 'puback', messageId: message.messageId as number });
    }
    expect(payloads).toEqual(Array.from({ length: 300 }, (_, i) => `${i}`));
  });

  it('delivers a retained message and the messages read right after it, none dropped as a duplicate', async () => {
    const subscriber = await open();
    await subscriber.connect('observer');
    subscriber.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'lophoc/v1/#', qos: 1 }] });
    await subscriber.next('suback');
    const gateway = await open();
    await gateway.connect('gw');
    // As the edge agent does on connecting: retained state, then telemetry, in one read. The retained message is
    // stored before it is routed; the later ones must not reach the subscriber first (aedes' dedupe would drop it).
    const packets = [
      generate({
        cmd: 'publish',
        topic: 'lophoc/v1/s/gw/state',
        payload: Buffer.from('online'),
        qos: 1,
        messageId: 1,
        retain: true,
        dup: false,
      }),
      ...[2, 3, 4].map((messageId) =>
        generate({
          cmd: 'publish',
          topic: 'lophoc/v1/s/gw/th-1/telemetry',
          payload: Buffer.from(`${messageId}`),
          qos: messageId % 2 === 0 ? 0 : 1,
          messageId: messageId % 2 === 0 ? undefined : messageId,
          retain: false,
          dup: false,
        }),
      ),
    ];
    (gateway as unknown as { socket: { write(b: Buffer): void } }).socket.write(Buffer.concat(packets));
    const topics: string[] = [];
    for (let i = 0; i < 4; i++) topics.push(((await subscriber.next('publish')) as IPublishPacket).topic);
    expect(topics).toEqual(['lophoc/v1/s/gw/state', ...Array(3).fill('lophoc/v1/s/gw/th-1/telemetry')]);
  });

  it('refuses a topic with a wildcard or too many levels by closing the connection, with no PUBACK and no delivery', async () => {
    const subscriber = await open();
    await subscriber.connect('hub');
    subscriber.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '#', qos: 1 }] });
    await subscriber.next('suback');
    for (const topic of ['lophoc/v1/+/x', 'lophoc/v1/#', `lophoc${'/x'.repeat(20)}`]) {
      const gateway = await open();
      await gateway.connect(`gw-${topic.length}`);
      gateway.send({ cmd: 'publish', topic, payload: Buffer.from('x'), qos: 1, messageId: 7, retain: false, dup: false });
      const deadline = Date.now() + 2000;
      while (!gateway.closed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(gateway.closed, topic).toBe(true);
      expect(gateway.received.filter((packet) => packet.cmd === 'puback')).toEqual([]);
    }
    expect(subscriber.received.filter((packet) => packet.cmd === 'publish')).toEqual([]);
  });

  it('counts a PUBLISH as activity for the keepalive [MQTT-3.1.2-24]', async () => {
    const gateway = await open();
    await gateway.connect('gw', { keepalive: 1 });
    // 2.4 s of QoS 1 messages and nothing else: more than 1.5 × the keepalive.
    for (let i = 1; i <= 8; i++) {
      gateway.send({
        cmd: 'publish',
        topic: 'lophoc/v1/s/gw/d/telemetry',
        payload: Buffer.from('x'),
        qos: 1,
        messageId: i,
        retain: false,
        dup: false,
      });
      await gateway.next('puback');
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(gateway.closed).toBe(false);
  });

  it('routes a QoS 1 message in the turn its PUBLISH is read, not one turn after its PUBACK', async () => {
    const aedes = await Aedes.createBroker();
    fastBrokerPublish(aedes);
    const connection = new MemoryConnection();
    const client = aedes.handle(connection);
    fastInboundPublish(client);
    connection.feed(generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 0, clientId: 'gw' }));
    while (!client.connected) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 20)); // CONNACK written
    let turnEnded = false;
    const routed = new Promise<boolean>((resolve) =>
      aedes.on('publish', (packet) => {
        if (packet.topic === 'lophoc/v1/s/gw/d/telemetry') resolve(turnEnded);
      }),
    );
    connection.feed(
      generate({
        cmd: 'publish',
        topic: 'lophoc/v1/s/gw/d/telemetry',
        payload: Buffer.from('x'),
        qos: 1,
        messageId: 9,
        retain: false,
        dup: false,
      }),
    );
    setImmediate(() => {
      turnEnded = true;
    });
    expect(await routed).toBe(false);
    expect(Buffer.concat(connection.written).includes(Buffer.from([0x40, 0x02, 0x00, 0x09]))).toBe(true);
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
  });
});

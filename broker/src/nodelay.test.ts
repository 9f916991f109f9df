import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import mqttPacket, { generate } from 'mqtt-packet';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type BrokerOptions, type RunningBroker, startBroker } from './broker.js';

let broker: RunningBroker | undefined;
let certDir: string | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await broker?.stop();
  if (certDir) await rm(certDir, { recursive: true, force: true });
  certDir = undefined;
});

type Listener = 'tcp' | 'tls';

async function start(listener: Listener, options: Partial<BrokerOptions> = {}): Promise<RunningBroker> {
  const log = pino({ level: 'silent' });
  if (listener === 'tcp') return startBroker({ port: 0, log, ...options });
  certDir = await mkdtemp(join(tmpdir(), 'lophoc-nodelay-'));
  return startBroker({ port: 0, tls: { port: 0, certDir }, log, ...options });
}

async function rawClient(running: RunningBroker, listener: Listener, clientId: string): Promise<Socket> {
  const socket =
    listener === 'tcp'
      ? netConnect(running.port, '127.0.0.1')
      : tlsConnect({ port: running.tlsPort!, host: '127.0.0.1', ca: running.certificate!, servername: 'localhost' });
  sockets.push(socket);
  socket.setNoDelay(true);
  socket.on('error', () => {});
  await once(socket, listener === 'tcp' ? 'connect' : 'secureConnect');
  socket.write(generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, clientId }));
  await once(socket, 'data'); // CONNACK
  return socket;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Pairs of small messages 3 ms apart to a subscriber that PUBACKs each 30 ms after it arrives: the median delay of
 * the second of each pair, from its publish to its arrival (ms).
 */
async function secondOfPairDelay(listener: Listener, options: Partial<BrokerOptions> = {}): Promise<number> {
  broker = await start(listener, options);
  const subscriber = await rawClient(broker, listener, 'storing-subscriber');
  const arrivals: number[] = [];
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  parser.on('packet', (packet) => {
    if (packet.cmd !== 'publish') return;
    arrivals.push(performance.now());
    const id = packet.messageId;
    setTimeout(() => subscriber.write(generate({ cmd: 'puback', messageId: id })), 30);
  });
  subscriber.on('data', (chunk: Buffer) => parser.parse(chunk));
  subscriber.write(generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'lophoc/v1/#', qos: 1 }] }));
  await sleep(50); // SUBACK
  const publisher = await rawClient(broker, listener, 'gw');
  publisher.resume(); // its PUBACKs are not needed
  let messageId = 0;
  const publish = () =>
    publisher.write(
      generate({
        cmd: 'publish',
        topic: 'lophoc/v1/s/gw/th-1/telemetry',
        payload: Buffer.from('{"v":1}'),
        qos: 1,
        messageId: ++messageId,
        retain: false,
        dup: false,
      }),
    );
  const arrived = async (count: number) => {
    const deadline = performance.now() + 1000;
    while (arrivals.length < count && performance.now() < deadline) await sleep(0.5);
    return arrivals[count - 1] ?? Number.POSITIVE_INFINITY;
  };
  const delays: number[] = [];
  for (let i = 0; i < 15; i++) {
    publish();
    await arrived(arrivals.length + 1);
    await sleep(3);
    const sentAt = performance.now();
    publish();
    delays.push((await arrived(arrivals.length + 1)) - sentAt);
    await sleep(60); // both acknowledged before the next pair
  }
  delays.sort((a, b) => a - b);
  return delays[Math.floor(delays.length / 2)]!;
}

describe('delivery latency to a subscriber that acknowledges after it has stored', () => {
  // A subscriber that PUBACKs each message a while after receiving it (as the ops-center does after its commit)
  // answers within Linux's delayed-ACK time, so its kernel goes into "pingpong" mode and holds its TCP ACKs to
  // send them with that answer. With Nagle's algorithm on the broker's socket (RFC 896), a small packet written
  // while the previous one is unacknowledged then waits for the answer: the next message is late by the
  // subscriber's own delay.
  it.each(['tcp', 'tls'] as const)(
    '%s: writes a message at once even while the previous one is unacknowledged',
    async (listener) => {
      // Without TCP_NODELAY the second of each pair waited ~27 ms (until the first one's PUBACK carried the ACK).
      expect(await secondOfPairDelay(listener)).toBeLessThan(10);
    },
    30_000,
  );

  it("keeps Nagle's algorithm when asked to (tcpNoDelay: false, `--nagle`): the second of a pair waits", async () => {
    expect(await secondOfPairDelay('tcp', { tcpNoDelay: false })).toBeGreaterThan(15);
  }, 30_000);
});

import { type EventEmitter, once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { type Duplex, PassThrough } from 'node:stream';
import type { Client } from 'aedes';
import mqttPacket, { generate } from 'mqtt-packet';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from './broker.js';
import { trimClient } from './connection-trim.js';
import { collect, connect } from './test-clients.js';

describe('trimClient', () => {
  it('gives the parser a plain BufferList that still parses packets split across chunks', () => {
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    trimClient({ _parser: parser } as unknown as Client, new PassThrough());
    const list = (parser as unknown as { _list: { pipe?: unknown } })._list;
    expect(typeof list.pipe).toBe('undefined');
    const packets: { topic?: string; payload?: Buffer }[] = [];
    parser.on('packet', (packet) => packets.push(packet as { topic?: string; payload?: Buffer }));
    const bytes = mqttPacket.generate({
      cmd: 'publish',
      topic: 'lophoc/v1/a/b/c',
      payload: Buffer.from('xin chào'),
      qos: 0,
      dup: false,
      retain: false,
    });
    parser.parse(bytes.subarray(0, 5));
    parser.parse(bytes.subarray(5));
    expect(packets.map((p) => [p.topic, p.payload?.toString()])).toEqual([['lophoc/v1/a/b/c', 'xin chào']]);
  });
});

describe('trimmed connections on a running broker', () => {
  let broker: RunningBroker | undefined;
  afterEach(async () => {
    await broker?.stop();
    broker = undefined;
  });

  const rawConnect = async (port: number, clientId: string): Promise<Socket> => {
    const socket = netConnect(port, '127.0.0.1');
    socket.on('error', () => {});
    await once(socket, 'connect');
    socket.write(generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, clientId }));
    await once(socket, 'data'); // CONNACK
    return socket;
  };
  /** aedes' table of connected clients by id (not in its typings). */
  const clients = () => (broker as unknown as { aedes: { clients: Record<string, object> } }).aedes.clients;
  const lazySlots = (client: object) =>
    Object.getOwnPropertySymbols(client)
      .filter((symbol) => symbol.description === 'lophoc.subscriptions' || symbol.description === 'lophoc.duplicates')
      .map((symbol) => (client as Record<symbol, unknown>)[symbol]);

  it('gives an idle client no subscriptions or duplicates dictionary until one is used, still keyed safely', async () => {
    broker = await startBroker({ port: 0, log: pino({ level: 'silent' }) });
    const idle = await connect(broker.url, { clientId: 'idle' });
    const subscriber = await connect(broker.url, { clientId: 'subscriber' });
    const idleClient = clients().idle as unknown as Record<string, unknown>;
    for (const name of ['subscriptions', 'duplicates']) expect(Object.hasOwn(idleClient, name)).toBe(false);
    expect(lazySlots(idleClient).filter((dictionary) => dictionary !== undefined)).toEqual([]);
    // Names that an ordinary object would inherit: they must read back as absent until subscribed (GHSA-52qw-whmv-87c5).
    const topics = ['constructor', '__proto__', 'toString'];
    await subscriber.subscribeAsync(topics, { qos: 1 });
    const received = collect(subscriber);
    for (const topic of topics) await idle.publishAsync(topic, Buffer.from(topic), { qos: 1 });
    expect((await received.waitFor(3)).map((message) => message.topic).sort()).toEqual([...topics].sort());
    const subscriptions = (clients().subscriber as unknown as { subscriptions: object }).subscriptions;
    expect(Object.getPrototypeOf(subscriptions)).toBeNull();
    expect(Object.keys(subscriptions).sort()).toEqual([...topics].sort());
    expect(Object.getPrototypeOf((idleClient as { subscriptions: object }).subscriptions)).toBeNull();
    expect((idleClient as { subscriptions: Record<string, unknown> }).subscriptions.constructor).toBeUndefined();
    await Promise.all([idle.endAsync(), subscriber.endAsync()]);
  });

  it("closes a client on its socket's end, reset or a malformed packet through shared listeners, and only that client", async () => {
    broker = await startBroker({ port: 0, log: pino({ level: 'silent' }) });
    const errors = new Map<string, string>();
    const disconnected = new Set<string>();
    broker.aedes.on('clientError', (client: Client, error: Error) => errors.set(client.id, error.message));
    broker.aedes.on('clientDisconnect', (client: Client) => disconnected.add(client.id));
    const [ending, resetting, garbling, bystander] = await Promise.all(
      ['ending', 'resetting', 'garbling', 'bystander'].map((id) => rawConnect(broker?.port ?? 0, id)),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const id of ['ending', 'resetting', 'garbling']) {
      const client = clients()[id] as unknown as { conn: Duplex; _parser: EventEmitter; _events: object };
      const names = [...client.conn.listeners('error'), ...client.conn.listeners('end'), ...client._parser.listeners('error')].map(
        (listener) => listener.name,
      );
      expect(names.filter((name) => name.startsWith('bound '))).toEqual([]);
      expect(Object.getPrototypeOf(client._events)).toBeNull();
      expect(Object.getPrototypeOf((client._parser as unknown as { _events: object })._events)).toBeNull();
    }
    ending?.end();
    resetting?.resetAndDestroy();
    garbling?.write(Buffer.from([0x00, 0x00])); // packet type 0 is reserved [MQTT-2.2.1]
    const deadline = Date.now() + 5000;
    while (disconnected.size < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect([...disconnected].sort()).toEqual(['ending', 'garbling', 'resetting']);
    expect(errors.get('resetting')).toMatch(/ECONNRESET/);
    expect(errors.get('garbling')).toMatch(/Not supported|[Ii]nvalid/);
    expect(Object.keys(clients())).toEqual(['bystander']);
    bystander?.write(generate({ cmd: 'pingreq' }));
    const [pong] = (await once(bystander as Socket, 'data')) as [Buffer];
    expect(pong[0]).toBe(0xd0); // PINGRESP
    for (const socket of [ending, resetting, garbling, bystander]) socket?.destroy();
  });
});

import { createRequire } from 'node:module';
import type { Aedes, Client } from 'aedes';
import { cachedSubscriptionsOf } from './match-cache.js';

/** aedes-packet as aedes itself loads it (resolved from aedes, so it is the same copy). */
const requireFromAedes = createRequire(createRequire(import.meta.url).resolve('aedes'));
const Packet = requireFromAedes('aedes-packet') as new (original: object, broker: unknown) => PublishPacket;

type Done = (error?: Error | null) => void;

interface PublishPacket {
  cmd: string;
  topic: string;
  qos: number;
  retain: boolean;
  messageId?: number;
  clientId?: string;
  [field: string]: unknown;
}

interface Parser {
  client: InboundClient;
  listeners(event: 'packet'): ((this: Parser, packet: PublishPacket) => void)[];
  removeListener(event: 'packet', listener: (this: Parser, packet: PublishPacket) => void): unknown;
  on(event: 'packet', listener: (this: Parser, packet: PublishPacket) => void): unknown;
}

interface InboundClient {
  id: string;
  connackSent: boolean;
  connecting: boolean;
  connected: boolean;
  errored: boolean;
  _parsingBatch: number;
  _keepaliveInterval: number;
  _keepaliveTimer: { refresh(): unknown } | null;
  _nextBatch: Done;
  _parser: Parser;
  conn: { write(buffer: Buffer): boolean };
  broker: PublishingBroker;
  waitForDrain(callback: Done): void;
}

interface PublishingBroker {
  id: string;
  maxTopicLevels: number;
  mq: { emit(packet: PublishPacket, callback: Done): unknown };
  persistence: {
    storeRetained(packet: PublishPacket): Promise<unknown>;
    subscriptionsByTopic(topic: string): Promise<{ topic: string }[]>;
    outgoingEnqueueCombi(subscriptions: { topic: string }[], packet: PublishPacket): Promise<unknown>;
  };
  authorizePublish(client: InboundClient, packet: PublishPacket, callback: Done): void;
  published(packet: PublishPacket, client: InboundClient | null, callback: Done): void;
  emit(event: string, ...args: unknown[]): boolean;
  publish(packet: PublishPacket, client: InboundClient | null | Done, done?: Done): void;
}

/** The same count as aedes' lib/utils.js `topicLevelCount` (levels = '/' + 1). */
function topicLevels(topic: string): number {
  let levels = 1;
  for (let i = 0; i < topic.length; i++) if (topic.charCodeAt(i) === 47) levels++;
  return levels;
}

/** The checks of aedes' lib/handlers/publish.js, with its messages. */
function topicRefusal(topic: string, maxTopicLevels: number): string | undefined {
  if (topic.length === 0) return 'empty topic not allowed in PUBLISH';
  if (topic.indexOf('#') > -1) return '# is not allowed in PUBLISH';
  if (topic.indexOf('+') > -1) return '+ is not allowed in PUBLISH';
  if (topicLevels(topic) > maxTopicLevels) return 'topic has too many levels';
  return undefined;
}

function puback(messageId: number): Buffer {
  const buffer = Buffer.allocUnsafe(4);
  buffer[0] = 0x40;
  buffer[1] = 0x02;
  buffer[2] = messageId >> 8;
  buffer[3] = messageId & 0xff;
  return buffer;
}

/** A PUBLISH authorised: QoS 1 is acknowledged, then both are published (aedes `enqueuePublish`). */
function authorised(client: InboundClient, packet: PublishPacket, done: Done): void {
  if (packet.qos === 0) {
    client.broker.publish(packet, client, done);
    return;
  }
  if (!client.connecting && !client.connected) {
    done(new Error('connection closed'));
    return;
  }
  const written = client.conn.write(puback(packet.messageId ?? 0));
  if (!written && !client.errored) {
    // Backpressure as aedes' lib/write.js: the message is published once the PUBACK could be written.
    client.waitForDrain((error) => (error ? done(error) : client.broker.publish(packet, client, done)));
    return;
  }
  client.broker.publish(packet, client, done);
}

function handlePublish(client: InboundClient, packet: PublishPacket, done: Done): void {
  const refusal = topicRefusal(packet.topic, client.broker.maxTopicLevels);
  if (refusal) {
    done(new Error(refusal));
    return;
  }
  client.broker.authorizePublish(client, packet, (error) => (error ? done(error) : authorised(client, packet, done)));
}

/**
 * aedes 1.2 handles every PUBLISH from a client through `runSeries` (a bound `done` and a closure per packet), writes a
 * QoS 1 PUBACK with mqtt-packet (a `PubAck` object, three stream writes) and publishes only in a `setImmediate`
 * after it (lib/handlers/publish.js, lib/write.js): every QoS 1 message waits one event-loop turn, so a read of
 * hundreds of messages is parsed, held and acknowledged before the first is routed. This handles PUBLISH at QoS 0
 * and 1 from a connected client with the same checks (topic, authorizePublish), the same order (PUBACK written,
 * or drained under backpressure, before the message is published) and the same completion (the parser reads on
 * once the publish completes), the PUBACK as one 4-byte write, the publish in the same turn. Everything else
 * (CONNECT, QoS 2, PUBACK, …, and any packet before CONNACK) still goes to aedes' own listener. The upstream fix
 * is the same change in aedes' lib/handlers/publish.js. Call right after `aedes.handle(stream)`.
 */
export function fastInboundPublish(client: Client): void {
  const parser = (client as unknown as InboundClient)._parser;
  const [enqueue] = parser.listeners('packet');
  if (!enqueue) return;
  // aedes' listener is one module-level function for every client; anything else is left alone.
  aedesEnqueue ??= enqueue;
  if (enqueue !== aedesEnqueue) return;
  parser.removeListener('packet', enqueue);
  parser.on('packet', onPacket);
}

/** aedes' own 'packet' listener (lib/client.js `enqueue`). */
let aedesEnqueue: ((this: Parser, packet: PublishPacket) => void) | undefined;

/** One listener function for every client's parser (no closure per connection). */
function onPacket(this: Parser, packet: PublishPacket): void {
  const target = this.client;
  if (packet.cmd !== 'publish' || packet.qos > 1 || !target.connackSent || (!target.connecting && !target.connected)) {
    aedesEnqueue?.call(this, packet);
    return;
  }
  // As aedes' enqueue (lib/client.js) and handle (lib/handlers/index.js).
  target._parsingBatch++;
  handlePublish(target, packet, target._nextBatch);
  if (target._keepaliveInterval > 0) target._keepaliveTimer?.refresh();
}

/** Persistent subscriptions whose session is offline get QoS > 0 messages queued; `$SYS` messages not for `#`/`+` filters. */
function removeSharp(subscription: { topic: string }): boolean {
  const code = subscription.topic.charCodeAt(0);
  return code !== 43 && code !== 35;
}

/** A QoS > 0 message on its way: offline-subscription lookup, then queueing for them, then the bus. */
interface Pending {
  packet: PublishPacket;
  original: PublishPacket;
  client: InboundClient | null;
  done: Done;
  state: 'retain' | 'lookup' | 'enqueue' | 'ready';
  /** The lookup failed (the broker's error, as in aedes' DoEnqueues) or storing or queueing did (the publisher's). */
  lookupError?: Error;
  enqueueError?: Error;
}

/**
 * aedes 1.2's `publish` (aedes.js) runs each message through `runSeries` with a `PublishState` (closures and a
 * bound callback per message) and, at QoS 1/2, two more promise hops: the offline subscriptions, then queueing
 * the message for them even when there are none. This does the same steps in the same order (store a retained
 * message, queue for persistent sessions' subscriptions, emit on the bus, `published`, the 'publish' event) with
 * plain callbacks, skips the queueing when no persistent session subscribes, and when the subscription cache
 * (match-cache.ts) already knows the topic's subscriptions, asks no promise at all. Every message reaches the bus
 * in the order it was published (in the order of its broker counter): one that would be ready sooner waits for
 * those before it, since aedes' per-subscriber dedupe drops a message whose counter is below one already
 * delivered (a retained message overtaken by later ones was lost that way). The upstream fix is the same change
 * in aedes.js `publish`.
 */
export function fastBrokerPublish(aedes: Aedes): void {
  const broker = aedes as unknown as PublishingBroker;
  const original = broker.publish.bind(broker);
  const cached = cachedSubscriptionsOf(broker.persistence);
  const waiting: (Pending | undefined)[] = [];
  let head = 0;

  const emit = (packet: PublishPacket, original: PublishPacket, client: InboundClient | null, done: Done) => {
    if (client) packet.clientId = client.id;
    broker.mq.emit(packet, (error) => {
      if (error) {
        done(error);
        return;
      }
      broker.published(original, client, done);
      broker.emit('publish', original, client);
    });
  };

  const drain = () => {
    while (head < waiting.length) {
      const entry = waiting[head] as Pending;
      if (entry.state !== 'ready') return;
      waiting[head] = undefined;
      head += 1;
      if (entry.lookupError) broker.emit('error', entry.lookupError);
      else if (entry.enqueueError) entry.done(entry.enqueueError);
      else emit(entry.packet, entry.original, entry.client, entry.done);
    }
    waiting.length = 0;
    head = 0;
  };

  const found = (entry: Pending, all: { topic: string }[]) => {
    const subscriptions = entry.packet.topic.startsWith('$SYS/') ? all.filter(removeSharp) : all;
    if (subscriptions.length === 0) {
      entry.state = 'ready';
      return;
    }
    entry.state = 'enqueue';
    broker.persistence.outgoingEnqueueCombi(subscriptions, entry.packet).then(
      () => {
        entry.state = 'ready';
        drain();
      },
      (error: Error) => {
        entry.enqueueError = error;
        entry.state = 'ready';
        drain();
      },
    );
  };

  const lookup = (entry: Pending) => {
    if (entry.packet.qos === 0) {
      entry.state = 'ready';
      return;
    }
    entry.state = 'lookup';
    const known = cached?.(entry.packet.topic) as { topic: string }[] | undefined;
    if (known) {
      found(entry, known);
      return;
    }
    broker.persistence.subscriptionsByTopic(entry.packet.topic).then(
      (subscriptions) => {
        found(entry, subscriptions);
        drain();
      },
      (error: Error) => {
        entry.lookupError = error;
        entry.state = 'ready';
        drain();
      },
    );
  };

  broker.publish = (packet, clientOrDone, maybeDone) => {
    const client = typeof clientOrDone === 'function' ? null : clientOrDone;
    const done = (typeof clientOrDone === 'function' ? clientOrDone : maybeDone) ?? noop;
    if (typeof packet.topic !== 'string' || topicLevels(packet.topic) > broker.maxTopicLevels) {
      original(packet, client, done);
      return;
    }
    // The packet's broker counter is given here, and subscribers drop a message whose counter is not above the
    // last one they got from this broker (aedes' dedupe): so messages reach the bus in counter order, each after
    // those published before it, retained ones (stored first) included.
    const copy = new Packet(packet, broker);
    if (copy.qos === 0 && !copy.retain && waiting.length === 0) {
      emit(copy, packet, client, done);
      return;
    }
    const entry: Pending = { packet: copy, original: packet, client, done, state: 'lookup' };
    waiting.push(entry);
    if (copy.retain) {
      entry.state = 'retain';
      broker.persistence.storeRetained(copy).then(
        () => {
          lookup(entry);
          drain();
        },
        (error: Error) => {
          entry.enqueueError = error;
          entry.state = 'ready';
          drain();
        },
      );
      return;
    }
    lookup(entry);
    if (entry.state === 'ready') drain();
  };
}

function noop(): void {}

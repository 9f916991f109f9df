import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import type { Client } from 'aedes';
import { PublishBatch } from './publish-encoder.js';
import { flushWrites } from './write-batching.js';

/** aedes-packet as aedes itself loads it (resolved from aedes, so it is the same copy). */
const requireFromAedes = createRequire(createRequire(import.meta.url).resolve('aedes'));
const Packet = requireFromAedes('aedes-packet') as new (original: object, broker: unknown) => QoS0Packet;

type Callback = () => void;
interface QoS0Packet {
  qos: number;
  topic?: unknown;
  retain?: boolean;
  messageId?: number;
  brokerId?: string;
  brokerCounter?: number;
  clientId?: string;
  nl?: boolean;
  [field: string]: unknown;
}
interface DeliveringClient {
  id: string;
  conn: NodeJS.WritableStream & { destroyed?: boolean; writableNeedDrain?: boolean };
  connecting: boolean;
  connected: boolean;
  errored: boolean;
  clean: boolean;
  _nextId: number;
  duplicates: Record<string, number>;
  /** The last message that went out to this client as a QoS 0 copy (see `dedupe`). */
  qos0CopyBroker?: string | undefined;
  qos0CopyCounter?: number;
  subscriptions: Record<string, { qos?: number }>;
  broker: {
    authorizeForward(client: unknown, packet: QoS0Packet): QoS0Packet | null | undefined;
    persistence: {
      outgoingUpdate(client: unknown, packet: QoS0Packet): Promise<unknown>;
      outgoingClearMessageId(client: unknown, packet: QoS0Packet): Promise<unknown>;
    };
  };
  deliver0: (packet: QoS0Packet, callback: Callback) => void;
  deliverQoS: (packet: QoS0Packet, callback: Callback) => void;
  emit(event: 'error', error: Error): unknown;
  waitForDrain(callback: (error?: Error | null) => void): void;
  _onError(error?: Error | null): void;
}

/** Deliveries of this event-loop turn: client, packet (or null when nothing is to be written), callback. */
let pending: unknown[] = [];
let scheduled = false;

/** One connection's share of a flush: its packets, encoded into one buffer, and their delivery callbacks. */
interface Outgoing {
  batch: PublishBatch;
  callbacks: Callback[];
}

function flush(): void {
  // New deliveries that the callbacks below cause go to the next list: no recursion, whatever the load.
  const batch = pending;
  if (batch.length === 0) return;
  pending = [];
  const outgoing = new Map<DeliveringClient, Outgoing>();
  for (let i = 0; i < batch.length; i += 3) {
    const client = batch[i] as DeliveringClient;
    const packet = batch[i + 1] as QoS0Packet | null;
    const callback = batch[i + 2] as Callback;
    if (packet === null) {
      callback();
      continue;
    }
    if (!client.connecting && !client.connected) {
      client._onError(new Error('connection closed'));
      callback();
      continue;
    }
    let out = outgoing.get(client);
    if (!out) {
      out = { batch: new PublishBatch(), callbacks: [] };
      outgoing.set(client, out);
    }
    try {
      out.batch.add(packet);
    } catch {
      client._onError(new Error('packet received not valid'));
      callback();
      continue;
    }
    if (callback !== noop) out.callbacks.push(callback);
  }
  for (const [client, { batch: packets, callbacks }] of outgoing) {
    if (packets.length === 0) continue;
    if (callbacks.length === 0) {
      if (client.connecting || client.connected) {
        client.conn.write(packets.take());
        flushWrites(client.conn as unknown as Writable);
      }
      continue;
    }
    const complete = () => {
      for (const callback of callbacks) callback();
    };
    // The connection may have failed on an earlier packet of this flush.
    if (!client.connecting && !client.connected) {
      complete();
      continue;
    }
    const written = client.conn.write(packets.take());
    flushWrites(client.conn as unknown as Writable);
    if (written || client.errored) complete();
    // Backpressure as aedes does it: the deliveries complete (and mqemitter moves on) once the socket drains.
    else
      client.waitForDrain((error) => {
        client._onError(error);
        complete();
      });
  }
}

/** Deliveries completed before their write (see `later`), run in order by one loop: no recursion through mqemitter. */
let completions: Callback[] = [];
let completing = false;

function runCompletions(): void {
  // Completions that these callbacks cause are appended and run by this same loop.
  for (let i = 0; i < completions.length; i++) (completions[i] as Callback)();
  completions = [];
  completing = false;
}

function completeSoon(callback: Callback): void {
  completions.push(callback);
  if (!completing) {
    completing = true;
    process.nextTick(runCompletions);
  }
}

/**
 * Queues a delivery for this turn's flush. While the connection is not pushing back (its writable buffer is under
 * the high-water mark), the delivery completes at once (on the next tick) rather than after the flush: mqemitter
 * then moves through a read's messages within the turn instead of keeping them all in memory, in flight, until the
 * write, which under overload made most of the garbage collector's work. A connection that pushes back gets its
 * deliveries completed only after the write, once it drains, as aedes does, so `drainTimeout` still applies and a
 * slow subscriber still slows the publishers down instead of growing the broker's memory.
 */
function later(client: DeliveringClient, packet: QoS0Packet | null, callback: Callback): void {
  if (packet === null) {
    completeSoon(callback);
    return;
  }
  if (client.conn.writableNeedDrain !== true) {
    completeSoon(callback);
    pending.push(client, packet, noop);
  } else pending.push(client, packet, callback);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flushAtTurnEnd);
  }
  // A big batch (a read of many PUBLISH packets) goes out right after the callback that made it, so the
  // subscriber starts on it while the broker reads on; small ones wait for the end of the turn.
  if (pending.length >= 3 * EARLY_FLUSH_DELIVERIES && !flushingEarly) {
    flushingEarly = true;
    process.nextTick(flushEarly);
  }
}

const EARLY_FLUSH_DELIVERIES = 256;
let flushingEarly = false;

function flushAtTurnEnd(): void {
  scheduled = false;
  flush();
}

function flushEarly(): void {
  flushingEarly = false;
  flush();
}

/**
 * aedes' per-client dedupe: a message (broker id, counter) goes to a client once, however many of its subscriptions
 * match. Alone that breaks [MQTT-3.3.5-1] for overlapping subscriptions: the copy goes out at the QoS of whichever
 * subscription mqemitter calls first, QoS 0 for `o/#` at 0 beside `o/+` at 1. So when the copy that went out was a
 * QoS 0 one, a matching subscription at QoS 1 or 2 gets a copy of its own, which the same clause allows ("the
 * Server MAY deliver further copies of the message, one for each additional matching subscription").
 */
function dedupe(client: DeliveringClient, packet: QoS0Packet, qos: number): boolean {
  const id = packet.brokerId;
  if (!id) return true;
  const counter = packet.brokerCounter ?? 0;
  const seen = client.duplicates[id] ?? 0;
  if (seen < counter) {
    client.duplicates[id] = counter;
    if (qos === 0) {
      client.qos0CopyBroker = id;
      client.qos0CopyCounter = counter;
    }
    return true;
  }
  if (seen > counter || qos === 0 || client.qos0CopyCounter !== counter || client.qos0CopyBroker !== id) return false;
  client.qos0CopyBroker = undefined;
  return true;
}

function noop(): void {}

/** The checks aedes makes before any delivery (lib/client.js `getToForwardPacket`): no-local, duplicates, authorizeForward. */
function toForward(client: DeliveringClient, packet: QoS0Packet, qos: number): QoS0Packet | null | undefined {
  if (packet.clientId === client.id && packet.nl) return undefined;
  return dedupe(client, packet, qos) ? client.broker.authorizeForward(client, packet) : undefined;
}

/**
 * aedes 1.2 delivers each message to a subscriber in a `setImmediate` of its own, copies the packet to set its
 * QoS, writes it with five stream writes, and completes the delivery in a second `setImmediate` (lib/client.js
 * `deliver0` and `deliverQoS`, lib/write.js). This does the same checks (no-local, duplicates, authorizeForward)
 * and, at QoS 1 and 2, the same packet identifier, QoS downgrade and persistence update (for a persistent
 * session, before the write, as aedes does), queues the deliveries in one list flushed at the end of the turn
 * (or right away once it is big), encodes each connection's packets into one buffer, and completes each delivery
 * on the next tick unless the connection pushes back (see `later`). Call before the client subscribes (aedes
 * captures `deliver0` and `deliverQoS` when a subscription is made).
 */
export function fastDelivery(client: Client): void {
  const target = client as unknown as DeliveringClient;
  target.deliver0 = (packet, callback) => {
    const forward = toForward(target, packet, 0);
    if (!forward) return later(target, null, callback);
    later(target, forward.qos === 0 ? forward : { ...forward, qos: 0 }, callback);
  };
  target.deliverQoS = (packet, callback) => {
    if (packet.qos === 0) return target.deliver0(packet, callback);
    const forward = toForward(target, packet, packet.qos);
    if (!forward) {
      if (target.clean === false) target.broker.persistence.outgoingClearMessageId(target, packet).then(noop, noop);
      return later(target, null, callback);
    }
    // As aedes' QoSPacket: a copy with the next packet identifier unless it already has one (a queued message).
    const out = new Packet(forward, target.broker);
    if (!forward.messageId) {
      out.messageId = target._nextId;
      target._nextId = target._nextId >= 65_535 ? 1 : target._nextId + 1;
    } else out.messageId = forward.messageId;
    const subscription = target.subscriptions[out.topic as string];
    if (subscription && (subscription.qos ?? 0) < out.qos) out.qos = subscription.qos ?? 0;
    if (target.clean || out.retain) return later(target, out, callback);
    target.broker.persistence.outgoingUpdate(target, out).then(
      () => later(target, out, callback),
      (error: Error) => {
        target.emit('error', error);
        callback();
      },
    );
  };
}

import { createRequire } from 'node:module';
import { Readable } from 'node:stream';

/** aedes-packet as aedes-persistence itself loads it (resolved from aedes-persistence, so it is the same copy). */
const requireFromPersistence = createRequire(createRequire(import.meta.url).resolve('aedes-persistence'));
const Packet = requireFromPersistence('aedes-packet') as new (original: object) => Queued;

interface Queued {
  messageId?: number;
  brokerId?: string;
  brokerCounter?: number;
  [field: string]: unknown;
}

/** Queue positions with one key: one position as a number (the usual case), several as an ascending array. */
type Positions = number | number[];

function addPosition<K>(map: Map<K, Positions>, key: K, token: number): void {
  const found = map.get(key);
  if (found === undefined) map.set(key, token);
  else if (typeof found === 'number') map.set(key, found < token ? [found, token] : [token, found]);
  else {
    let at = found.length;
    while (at > 0 && (found[at - 1] as number) > token) at--;
    found.splice(at, 0, token);
  }
}

function removePosition<K>(map: Map<K, Positions>, key: K, token: number): void {
  const found = map.get(key);
  if (found === undefined) return;
  if (typeof found === 'number') {
    if (found === token) map.delete(key);
    return;
  }
  const at = found.indexOf(token);
  if (at >= 0) found.splice(at, 1);
  if (found.length === 1) map.set(key, found[0] as number);
  else if (found.length === 0) map.delete(key);
}

function* positions(found: Positions | undefined): Generator<number> {
  if (found === undefined) return;
  if (typeof found === 'number') yield found;
  else yield* found;
}

/**
 * One client's queue of outgoing QoS > 0 messages in order (a Map keeps insertion order, and replacing a value
 * keeps its place), with indexes by packet identifier and by origin (broker id and counter). Messages queued but
 * not yet sent have no identifier; they are kept apart in queue order (a Set), since there are many at once.
 */
class OutgoingQueue {
  private readonly order = new Map<number, Queued>();
  private readonly byMessageId = new Map<number, Positions>();
  private unsent = new Set<number>();
  private lastUnsent = -1;
  private readonly byOrigin = new Map<string | undefined, Map<number | undefined, Positions>>();
  private nextToken = 0;

  private indexMessageId(token: number, messageId: number | undefined): void {
    if (messageId !== undefined) {
      addPosition(this.byMessageId, messageId, token);
      return;
    }
    if (token > this.lastUnsent) {
      this.unsent.add(token);
      this.lastUnsent = token;
    } else this.unsent = new Set([...this.unsent, token].sort((a, b) => a - b));
  }

  private unindexMessageId(token: number, messageId: number | undefined): void {
    if (messageId !== undefined) removePosition(this.byMessageId, messageId, token);
    else this.unsent.delete(token);
  }

  private index(token: number, packet: Queued): void {
    this.indexMessageId(token, packet.messageId);
    let counters = this.byOrigin.get(packet.brokerId);
    if (counters === undefined) {
      counters = new Map();
      this.byOrigin.set(packet.brokerId, counters);
    }
    addPosition(counters, packet.brokerCounter, token);
  }

  private unindex(token: number, packet: Queued): void {
    this.unindexMessageId(token, packet.messageId);
    const counters = this.byOrigin.get(packet.brokerId);
    if (!counters) return;
    removePosition(counters, packet.brokerCounter, token);
    if (counters.size === 0) this.byOrigin.delete(packet.brokerId);
  }

  push(packet: Queued): void {
    const token = this.nextToken++;
    this.order.set(token, packet);
    this.index(token, packet);
  }

  /** The first queued packet with this identifier whose broker id is not `exceptBrokerId` (any when null). */
  private firstWithMessageId(messageId: number | undefined, exceptBrokerId: string | undefined | null): number | undefined {
    const candidates = messageId === undefined ? this.unsent : positions(this.byMessageId.get(messageId));
    for (const token of candidates) {
      if (exceptBrokerId !== null && this.order.get(token)?.brokerId === exceptBrokerId) continue;
      return token;
    }
    return undefined;
  }

  /** aedes-persistence's memory `outgoingUpdate`: the first entry that is this message (broker id and counter) or another broker's with the same identifier. */
  update(packet: Queued): void {
    const origin = this.byOrigin.get(packet.brokerId)?.get(packet.brokerCounter);
    const sameOrigin = typeof origin === 'number' ? origin : origin?.[0];
    const sameId = this.firstWithMessageId(packet.messageId, packet.brokerId);
    if (sameOrigin !== undefined && (sameId === undefined || sameOrigin < sameId)) {
      const stored = this.order.get(sameOrigin) as Queued;
      this.unindexMessageId(sameOrigin, stored.messageId);
      stored.messageId = packet.messageId;
      this.indexMessageId(sameOrigin, stored.messageId);
      return;
    }
    if (sameId !== undefined) {
      this.unindex(sameId, this.order.get(sameId) as Queued);
      this.order.set(sameId, packet);
      this.index(sameId, packet);
      return;
    }
    throw new Error('no such packet');
  }

  /** aedes-persistence's memory `outgoingClearMessageId`: removes and returns the first entry with this identifier. */
  clear(messageId: number | undefined): Queued | undefined {
    const token = this.firstWithMessageId(messageId, null);
    if (token === undefined) return undefined;
    const packet = this.order.get(token) as Queued;
    this.order.delete(token);
    this.unindex(token, packet);
    return packet;
  }

  snapshot(): Queued[] {
    return [...this.order.values()];
  }
}

interface MemoryOutgoing {
  outgoingEnqueue(subscription: { clientId: string }, packet: object): Promise<void>;
  outgoingEnqueueCombi(subscriptions: { clientId: string }[], packet: object): Promise<void>;
  outgoingUpdate(client: { id: string }, packet: Queued): Promise<void>;
  outgoingClearMessageId(client: { id: string }, packet: { messageId?: number }): Promise<Queued | undefined>;
  outgoingStream(client: { id: string }): Readable;
}

/**
 * aedes-persistence 11's in-memory store keeps each client's unacknowledged QoS > 0 messages in an array and
 * searches it from the start for every delivery (`outgoingUpdate`: the message being sent is at the end) and every
 * PUBACK (`outgoingClearMessageId`), then `splice`s: linear in the messages in flight, which for the ops-center's
 * persistent session under load are thousands. This replaces the five outgoing methods of its inner store
 * (`persistence.asyncPersistence`, the only ones that touch that array) with a per-client ordered Map and indexes,
 * with the same results in the same cases, including the first-match rules when identifiers repeat. The upstream
 * fix is the same change in aedes-persistence's asyncPersistence.js. Returns the persistence it is given.
 */
export function withIndexedOutgoing<P extends object>(persistence: P): P {
  const inner = (persistence as P & { asyncPersistence?: MemoryOutgoing }).asyncPersistence;
  if (!inner || typeof inner.outgoingUpdate !== 'function')
    throw new TypeError('withIndexedOutgoing: not aedes-persistence (no asyncPersistence.outgoingUpdate)');
  const queues = new Map<string, OutgoingQueue>();
  const queueOf = (clientId: string) => {
    let queue = queues.get(clientId);
    if (queue === undefined) {
      queue = new OutgoingQueue();
      queues.set(clientId, queue);
    }
    return queue;
  };
  inner.outgoingEnqueue = async (subscription, packet) => {
    queueOf(subscription.clientId).push(new Packet(packet));
  };
  inner.outgoingEnqueueCombi = async (subscriptions, packet) => {
    for (const subscription of subscriptions) queueOf(subscription.clientId).push(new Packet(packet));
  };
  inner.outgoingUpdate = async (client, packet) => {
    const queue = queues.get(client.id);
    if (!queue) throw new Error('no such packet');
    queue.update(packet);
  };
  inner.outgoingClearMessageId = async (client, packet) => queues.get(client.id)?.clear(packet.messageId);
  inner.outgoingStream = (client) => Readable.from(queues.get(client.id)?.snapshot() ?? []);
  return persistence;
}

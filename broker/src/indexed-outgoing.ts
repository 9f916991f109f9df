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

/** Tokens (positions in the queue) in ascending order; almost always one. */
type Tokens = number[];

function entry<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}

function addToken(tokens: Tokens, token: number): void {
  let at = tokens.length;
  while (at > 0 && (tokens[at - 1] as number) > token) at--;
  tokens.splice(at, 0, token);
}

function removeToken<K>(map: Map<K, Tokens>, key: K, token: number): void {
  const tokens = map.get(key);
  if (!tokens) return;
  const at = tokens.indexOf(token);
  if (at >= 0) tokens.splice(at, 1);
  if (tokens.length === 0) map.delete(key);
}

/**
 * One client's queue of outgoing QoS > 0 messages in order (a Map keeps insertion order, and replacing a value
 * keeps its place), with indexes by packet identifier and by origin (broker id and counter).
 */
class OutgoingQueue {
  private readonly order = new Map<number, Queued>();
  private readonly byMessageId = new Map<number | undefined, Tokens>();
  private readonly byOrigin = new Map<string | undefined, Map<number | undefined, Tokens>>();
  private nextToken = 0;

  private index(token: number, packet: Queued): void {
    addToken(
      entry(this.byMessageId, packet.messageId, () => []),
      token,
    );
    const counters = entry(this.byOrigin, packet.brokerId, () => new Map<number | undefined, Tokens>());
    addToken(
      entry(counters, packet.brokerCounter, () => []),
      token,
    );
  }

  private unindex(token: number, packet: Queued): void {
    removeToken(this.byMessageId, packet.messageId, token);
    const counters = this.byOrigin.get(packet.brokerId);
    if (!counters) return;
    removeToken(counters, packet.brokerCounter, token);
    if (counters.size === 0) this.byOrigin.delete(packet.brokerId);
  }

  push(packet: Queued): void {
    const token = this.nextToken++;
    this.order.set(token, packet);
    this.index(token, packet);
  }

  /** The first queued packet with this identifier whose broker id is not `exceptBrokerId` (all when undefined). */
  private firstWithMessageId(messageId: number | undefined, exceptBrokerId?: string | null): number | undefined {
    for (const token of this.byMessageId.get(messageId) ?? []) {
      if (exceptBrokerId !== null && this.order.get(token)?.brokerId === exceptBrokerId) continue;
      return token;
    }
    return undefined;
  }

  /** aedes-persistence's memory `outgoingUpdate`: the first entry that is this message (broker id and counter) or another broker's with the same identifier. */
  update(packet: Queued): void {
    const sameOrigin = this.byOrigin.get(packet.brokerId)?.get(packet.brokerCounter)?.[0];
    const sameId = this.firstWithMessageId(packet.messageId, packet.brokerId);
    if (sameOrigin !== undefined && (sameId === undefined || sameOrigin < sameId)) {
      const stored = this.order.get(sameOrigin) as Queued;
      removeToken(this.byMessageId, stored.messageId, sameOrigin);
      stored.messageId = packet.messageId;
      addToken(
        entry(this.byMessageId, stored.messageId, () => []),
        sameOrigin,
      );
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
  const queueOf = (clientId: string) => entry(queues, clientId, () => new OutgoingQueue());
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

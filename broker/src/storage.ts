import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import type { AedesOptions } from 'aedes';
import redisPersistence from 'aedes-persistence-redis';
import { Redis } from 'ioredis';
import mqemitter from 'mqemitter';
import MQEmitterRedis from 'mqemitter-redis';
import { withConstantTimeBacklog } from './fifo-queue.js';
import { withIndexedOutgoing } from './indexed-outgoing.js';
import { withMatchCache, withSubscriptionCache } from './match-cache.js';
import { SqlitePersistence } from './sqlite-persistence.js';

/**
 * Where sessions, retained messages and queued QoS 1/2 messages live. `sqlite`: one process, durable across
 * restarts. `redis`: cluster mode, every broker process on the same Redis shares sessions (aedes-persistence-redis)
 * and routes messages to the others (mqemitter-redis).
 */
export type StorageOptions = { kind: 'memory' } | { kind: 'sqlite'; file: string } | { kind: 'redis'; url: string };

export interface BrokerStorage {
  kind: StorageOptions['kind'];
  aedesOptions: Pick<AedesOptions, 'persistence' | 'mq'>;
  close(): Promise<void>;
}

interface ResumablePersistence {
  outgoingStream(client: { id: string }): Readable;
}

/** aedes' default in-memory persistence (its bundled types describe the CommonJS export wrongly). */
const memoryPersistence = createRequire(import.meta.url)('aedes-persistence') as () => ResumablePersistence;

/**
 * aedes reads `outgoingStream` only to resume a session, so a queued PUBLISH that already has a message id
 * was sent before and is being re-sent: [MQTT-3.3.1-1] requires DUP = 1 then. aedes 1.2 copies `dup` from
 * the stored packet but never sets it (the fix belongs in its emptyQueue, lib/handlers/connect.js), and the
 * persistence contract (abstract suite) wants stored packets unchanged, so it is done here, between the two.
 */
export function setDupOnRedelivery<P extends ResumablePersistence>(persistence: P): P {
  const outgoingStream = persistence.outgoingStream.bind(persistence);
  persistence.outgoingStream = (client) =>
    outgoingStream(client).map((packet: { cmd?: string; messageId?: number | null }) =>
      packet.cmd === 'publish' && typeof packet.messageId === 'number' ? { ...packet, dup: true } : packet,
    );
  return persistence;
}

/** aedes' default message bus (mqemitter, concurrency 100 as aedes sets it) with an O(1) backlog and matches cached per topic. */
const localBus = () => withMatchCache(withConstantTimeBacklog(mqemitter({ concurrency: 100, matchEmptyLevels: true })));

/**
 * `onError` hears Redis connection errors; ioredis reconnects by itself, so they are reported rather than fatal
 * (mqemitter-redis re-emits them on an emitter that would otherwise crash the process).
 */
export async function openStorage(options: StorageOptions, onError: (error: Error) => void): Promise<BrokerStorage> {
  switch (options.kind) {
    case 'memory':
      return {
        kind: 'memory',
        aedesOptions: { persistence: withSubscriptionCache(setDupOnRedelivery(withIndexedOutgoing(memoryPersistence()))), mq: localBus() },
        async close() {},
      };
    case 'sqlite': {
      const persistence = withSubscriptionCache(setDupOnRedelivery(new SqlitePersistence({ file: options.file })));
      return { kind: 'sqlite', aedesOptions: { persistence, mq: localBus() }, close: () => persistence.destroy() };
    }
    case 'redis': {
      const url = new URL(options.url);
      if (url.protocol !== 'redis:') throw new TypeError(`storage.url must be redis://host:port, got ${options.url}`);
      const address = { host: url.hostname, port: Number(url.port || 6379), db: Number(url.pathname.slice(1) || 0) };
      // The package's main export wraps its async class so that its async iterators reach aedes as streams.
      const persistence = setDupOnRedelivery(redisPersistence(address));
      // ioredis 5 may write its handshake (CLIENT SETINFO, then the INFO ready check) after a PSUBSCRIBE queued
      // while connecting; Redis refuses both on a connection in subscriber mode and the broker died of it
      // (redis/ioredis#2037, fixed in ioredis 6). The subscriber connection therefore skips both: it only
      // (p)subscribes, and a subscription refused while Redis still loads its data is an error that reaches onError.
      const subConn = new Redis(options.url, { enableReadyCheck: false, disableClientInfo: true, enableAutoPipelining: true });
      const mq = withMatchCache(withConstantTimeBacklog(MQEmitterRedis({ connectionString: options.url, concurrency: 100, subConn })));
      (mq as unknown as { state: { on(event: 'error', listener: (error: Error) => void): void } }).state.on('error', onError);
      return {
        kind: 'redis',
        aedesOptions: { persistence, mq },
        async close() {
          await persistence.destroy();
        },
      };
    }
  }
}

import type { AedesOptions } from 'aedes';
import redisPersistence from 'aedes-persistence-redis';
import MQEmitterRedis from 'mqemitter-redis';
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

export async function openStorage(options: StorageOptions): Promise<BrokerStorage> {
  switch (options.kind) {
    case 'memory':
      return { kind: 'memory', aedesOptions: {}, async close() {} };
    case 'sqlite': {
      const persistence = new SqlitePersistence({ file: options.file });
      return { kind: 'sqlite', aedesOptions: { persistence }, close: () => persistence.destroy() };
    }
    case 'redis': {
      const url = new URL(options.url);
      if (url.protocol !== 'redis:') throw new TypeError(`storage.url must be redis://host:port, got ${options.url}`);
      const address = { host: url.hostname, port: Number(url.port || 6379), db: Number(url.pathname.slice(1) || 0) };
      // The package's main export wraps its async class so that its async iterators reach aedes as streams.
      const persistence = redisPersistence(address);
      const mq = MQEmitterRedis({ connectionString: options.url });
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

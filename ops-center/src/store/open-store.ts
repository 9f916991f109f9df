import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

export type StoreConfig = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

/** SQLite by default; PostgreSQL for city scale (DESIGN §7). */
export async function openStore(config: StoreConfig): Promise<Store> {
  if (config.kind === 'sqlite') return new SqliteStore(config.file);
  const { PostgresStore } = await import('./postgres-store.js');
  return PostgresStore.connect(config.url);
}

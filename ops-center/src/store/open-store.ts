import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

export type StoreConfig = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

/**
 * SQLite by default; PostgreSQL for city scale (DESIGN §7). `writer: false` for a process that opens the store of a
 * running ops-center (the CLI): a SQLite file has one writer, the ingest, and only it recovers what a crash left.
 * `deferRollupsMs`: see `SqliteStore`.
 */
export async function openStore(config: StoreConfig, options: { writer?: boolean; deferRollupsMs?: number } = {}): Promise<Store> {
  if (config.kind === 'sqlite') return new SqliteStore(config.file, options);
  const { PostgresStore } = await import('./postgres-store.js');
  return PostgresStore.connect(config.url);
}

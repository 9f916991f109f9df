import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listen } from '@lophoc/scripts/listen';
import type { Logger } from 'pino';
import { buildHttpServer } from './http/server.js';
import { Ingest } from './ingest.js';
import { SqliteStore } from './store/sqlite-store.js';

export const CONSOLE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'console');

export interface OpsCenterOptions {
  dataDir: string;
  mqttUrl: string;
  mqttUsername?: string;
  mqttPassword?: string;
  host?: string;
  /** 0 lets the OS pick (tests). */
  port?: number;
  log: Logger;
  consoleDir?: string;
}

export interface RunningOpsCenter {
  readonly url: string;
  readonly store: SqliteStore;
  readonly ingest: Ingest;
  stop(): Promise<void>;
}

/** Store → ingest → HTTP, in that order; stopped in reverse. A failure at any step closes the earlier ones. */
export async function startOpsCenter(options: OpsCenterOptions): Promise<RunningOpsCenter> {
  const { dataDir, log, host = '127.0.0.1', port = 8080 } = options;
  await mkdir(dataDir, { recursive: true });
  const store = new SqliteStore(join(dataDir, 'ops-center.db'));
  const ingest = new Ingest({
    url: options.mqttUrl,
    username: options.mqttUsername,
    password: options.mqttPassword,
    store,
    log: log.child({ part: 'ingest' }),
  });
  let app: Awaited<ReturnType<typeof buildHttpServer>> | undefined;
  try {
    await ingest.start();
    app = await buildHttpServer({ store, ingest, log, consoleDir: options.consoleDir ?? CONSOLE_DIR });
    await app.ready();
    const boundPort = await listen(app.server, port, host, 'ops-center HTTP');
    const url = `http://${host}:${boundPort}`;
    log.info({ url }, 'ops-center listening');
    return {
      url,
      store,
      ingest,
      async stop() {
        await app?.close();
        await ingest.stop();
        store.close();
      },
    };
  } catch (error) {
    await app?.close();
    await ingest.stop();
    store.close();
    throw error;
  }
}

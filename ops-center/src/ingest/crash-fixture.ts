/**
 * The ingest alone over a SQLite file, gathering each batch for LOPHOC_CRASH_BATCH_DELAY_MS: a child process for
 * `crash.test.ts`, which kills it with SIGKILL. With batches that wait, a kill nearly always finds messages received
 * and not yet committed, so a PUBACK sent before the commit would lose some.
 */
import pino from 'pino';
import { Ingest } from '../ingest.js';
import { SqliteStore } from '../store/sqlite-store.js';

const { LOPHOC_DATA_FILE: file, LOPHOC_MQTT_URL: url, LOPHOC_CRASH_BATCH_DELAY_MS: delay } = process.env;
if (!file || !url || !delay)
  throw new Error('crash-fixture: LOPHOC_DATA_FILE, LOPHOC_MQTT_URL and LOPHOC_CRASH_BATCH_DELAY_MS are required');
const ingest = new Ingest({
  url,
  store: new SqliteStore(file),
  log: pino({ level: 'silent' }),
  batchSize: 100_000,
  batchDelayMs: Number(delay),
});
await ingest.start();

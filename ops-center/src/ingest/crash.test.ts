import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningBroker, startBroker } from '@lophoc/broker';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./crash-fixture.ts', import.meta.url));
const TOPIC = 'lophoc/v1/ttht-cho-lon/gw-p101/th-1/telemetry';
const record = (seq: number) => JSON.stringify({ v: 1, ts: Date.UTC(2026, 10, 28, 8, 0, 0) + seq, seq, values: { temperature: 24.5 } });

/**
 * The persistent session alone keeps every record across a kill -9 of the ops-center: the publisher here is a bare
 * MQTT client that never sends a record twice (no outbox, no wait for `ack`), so a message the ingest PUBACKed
 * before committing it would be lost.
 */
/**
 * Two ops-centers: the daemon as shipped (batches of one event-loop turn: with the store this fast, a kill rarely
 * lands between a receipt and its commit, so acks sent early were not caught by it, 2026-11-29), and the ingest
 * alone gathering each batch for 100 ms, where a kill nearly always does: that one fails if PUBACKs go out before
 * the commit.
 */
describe.each([
  { name: 'the ops-center daemon', args: [MAIN], env: {}, killAfter: 500 },
  // Killed after its first batch or so: its later ones would soon hold everything already published.
  { name: 'the ingest gathering batches for 100 ms', args: [FIXTURE], env: { LOPHOC_CRASH_BATCH_DELAY_MS: '100' }, killAfter: 50 },
])('$name killed with SIGKILL mid-stream', ({ args, env, killAfter }) => {
  let dir: string;
  let broker: RunningBroker;
  let node: MqttClient;
  let ops: ChildProcess | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-ops-crash-'));
    broker = await startBroker({ port: 0, log: pino({ level: 'silent' }) });
    node = await mqtt.connectAsync(broker.url, { clientId: 'ttht-cho-lon.gw-p101' });
  });
  afterEach(async () => {
    ops?.kill('SIGKILL');
    await node.endAsync();
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const startOps = () => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
      env: {
        ...process.env,
        ...env,
        LOPHOC_DATA_DIR: dir,
        LOPHOC_DATA_FILE: join(dir, 'ops-center.db'),
        LOPHOC_MQTT_URL: broker.url,
        LOPHOC_HTTP_PORT: '0',
        LOG_LEVEL: 'warn',
      },
      stdio: 'ignore',
    });
    ops = child;
    return child;
  };
  const storedSeqs = (): number[] => {
    const file = join(dir, 'ops-center.db');
    if (!existsSync(file)) return [];
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const ranges = db.prepare('SELECT first, last FROM seq_ranges WHERE node = ? ORDER BY first').all('gw-p101') as {
        first: number;
        last: number;
      }[];
      return ranges.flatMap(({ first, last }) => Array.from({ length: last - first + 1 }, (_, i) => first + i));
    } catch {
      return []; // the schema is not created yet
    } finally {
      db.close();
    }
  };

  it('stores every record exactly once after three kills and a restart, those in flight at each kill included', async () => {
    startOps();
    // Seq 1 again and again until it is stored: the ops-center's session is then subscribed.
    await expect
      .poll(
        async () => {
          await node.publishAsync(TOPIC, record(1), { qos: 1 });
          return storedSeqs().length;
        },
        { timeout: 30_000, interval: 200 },
      )
      .toBe(1);
    let seq = 1;
    const publish = async (count: number) => {
      const last = seq + count;
      while (seq < last) {
        await Promise.all(Array.from({ length: Math.min(20, last - seq) }, () => node.publishAsync(TOPIC, record(++seq), { qos: 1 })));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    // Three kills with records still in flight. On a loaded machine a restart can take long enough that the first
    // batch after it holds all that was published: such a kill tests nothing in flight, so it does not count.
    let midStream = 0;
    for (let attempt = 0; attempt < 10 && midStream < 3; attempt++) {
      const storedBefore = storedSeqs().length;
      const sending = publish(1500); // goes on while the ops-center is down
      await expect.poll(() => storedSeqs().length, { timeout: 30_000, interval: 10 }).toBeGreaterThan(storedBefore + killAfter);
      const running = ops!;
      running.kill('SIGKILL');
      await new Promise((resolve) => running.once('exit', resolve));
      if (storedSeqs().length < seq) midStream++;
      await sending;
      startOps();
    }
    expect(midStream).toBe(3);
    const total = seq;
    await expect.poll(() => storedSeqs().length, { timeout: 60_000, interval: 200 }).toBe(total);
    expect(storedSeqs()).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  }, 180_000);
});

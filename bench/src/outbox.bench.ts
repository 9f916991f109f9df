import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '@lophoc/broker';
import { Outbox, Priority, Uplink } from '@lophoc/edge-agent';
import { mergeRanges } from '@lophoc/protocol';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import pino from 'pino';

/**
 * Issue #4's outbox figures, each beside a named peer in the same run:
 * - crash-safe append (WAL, synchronous=FULL): one record per transaction (`append`), one event-loop turn per
 *   transaction (`appendMany`, what the agent does), against bare better-sqlite3 INSERTs in one transaction per
 *   row and per 500 rows (the floor: no seq allocation, no byte accounting);
 * - backlog replay: N records (LOPHOC_OUTBOX_BENCH_N, default 200,000; the issue's 1M with N=1000000) drained
 *   through the uplink to aedes with a hub that acknowledges ranges every 50 ms, until the outbox is empty;
 * - the process's RSS before and after.
 */
export default async function runOutboxBench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lophoc-outbox-bench-'));
  const log = pino({ level: 'silent' });
  const payload = (seq: number) => ({ v: 1, ts: Date.now(), seq, values: { temperature: 30.5, humidity: 54.6 } });
  const rate = (n: number, ms: number) => Math.round((n / ms) * 1000).toLocaleString('en-US');
  const time = (fn: () => void) => {
    const start = performance.now();
    fn();
    return performance.now() - start;
  };
  const rssBefore = process.memoryUsage.rss();
  try {
    const perRecord = 5_000;
    const batched = 100_000;
    const single = new Outbox(join(dir, 'single.db'));
    const singleMs = time(() => {
      for (let i = 0; i < perRecord; i++) single.append('t', Priority.telemetry, payload);
    });
    single.close();
    const many = new Outbox(join(dir, 'many.db'), { maxBytes: 1024 ** 3 });
    const manyMs = time(() => {
      for (let i = 0; i < batched; i += 500) {
        many.appendMany(Array.from({ length: 500 }, () => ({ topic: 't', priority: Priority.telemetry, build: payload })));
      }
    });
    many.close();
    const floor = new Database(join(dir, 'floor.db'));
    floor.pragma('journal_mode = WAL');
    floor.pragma('synchronous = FULL');
    floor.exec('CREATE TABLE r (seq INTEGER PRIMARY KEY, topic TEXT, payload TEXT)');
    const insert = floor.prepare('INSERT INTO r (topic, payload) VALUES (?, ?)');
    const floorSingleMs = time(() => {
      for (let i = 0; i < perRecord; i++) floor.transaction(() => insert.run('t', JSON.stringify(payload(i))))();
    });
    const floorManyMs = time(() => {
      for (let i = 0; i < batched; i += 500)
        floor.transaction(() => {
          for (let j = 0; j < 500; j++) insert.run('t', JSON.stringify(payload(i + j)));
        })();
    });
    floor.close();
    process.stdout.write('\nOutbox append, crash-safe (WAL, synchronous=FULL), records/s\n');
    process.stdout.write(
      `  one record per transaction:   LopHoc ${rate(perRecord, singleMs).padStart(9)}   better-sqlite3 INSERT ${rate(perRecord, floorSingleMs).padStart(9)}\n`,
    );
    process.stdout.write(
      `  500 records per transaction:  LopHoc ${rate(batched, manyMs).padStart(9)}   better-sqlite3 INSERT ${rate(batched, floorManyMs).padStart(9)}\n`,
    );

    const n = Number(process.env.LOPHOC_OUTBOX_BENCH_N ?? 200_000);
    const backlog = new Outbox(join(dir, 'backlog.db'), { maxBytes: 4 * 1024 ** 3 });
    for (let i = 0; i < n; i += 1000) {
      backlog.appendMany(
        Array.from({ length: Math.min(1000, n - i) }, () => ({
          topic: 'lophoc/v1/s/n/th-1/telemetry',
          priority: Priority.telemetry,
          build: payload,
        })),
      );
    }
    const broker = await startBroker({ port: 0, log });
    const hub = await mqtt.connectAsync(broker.url, { clientId: 'bench-hub' });
    let seen: number[] = [];
    hub.on('message', (_, message) => seen.push((JSON.parse(message.toString()) as { seq: number }).seq));
    await hub.subscribeAsync('lophoc/v1/s/n/+/telemetry', { qos: 1 });
    const acker = setInterval(() => {
      if (seen.length === 0) return;
      const ranges = mergeRanges(seen);
      seen = [];
      hub.publish('lophoc/v1/s/n/ack', JSON.stringify({ v: 1, ts: Date.now(), ranges }), { qos: 1 });
    }, 50);
    const uplink = new Uplink({
      url: broker.url,
      site: 's',
      node: 'n',
      version: 'bench',
      outbox: backlog,
      log,
      birth: () => ({ v: 1, ts: Date.now(), kind: 'gateway', version: 'bench', devices: [] }),
      maxPublishRate: 1_000_000,
      batchSize: 1000,
    });
    const start = performance.now();
    uplink.start();
    const rssLoaded: number[] = [];
    while (backlog.depth() > 0) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      rssLoaded.push(process.memoryUsage.rss());
      if (performance.now() - start > 600_000) break;
    }
    const replayMs = performance.now() - start;
    clearInterval(acker);
    await uplink.stop();
    await hub.endAsync();
    await broker.stop();
    const left = backlog.depth();
    backlog.close();
    process.stdout.write(
      `\nBacklog replay of ${n.toLocaleString('en-US')} records through aedes with range acks: ${rate(n - left, replayMs)} records/s, ${left} left\n`,
    );
    process.stdout.write(
      `RSS: ${Math.round(rssBefore / 1024 ** 2)} MiB before, peak ${Math.round(Math.max(...rssLoaded, 0) / 1024 ** 2)} MiB during replay (broker and hub in the same process)\n`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

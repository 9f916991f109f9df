import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBroker } from '@lophoc/broker';
import { startOpsCenter } from '@lophoc/ops-center';
import mqtt from 'mqtt';
import pino from 'pino';
import { startPostgres } from '../../test/support/servers/postgres.js';

/**
 * Issue #6 target: the ingest keeps up with the broker's QoS 1 fan-in (~30,000 records/s) into SQLite.
 * Load: PUBLISHERS child processes, each a node publishing telemetry at QoS 1 to a real aedes broker (its own
 * process) on loopback, as fast as their in-flight window allows. Measured from the first publish until the consumer
 * has every record:
 * - peer: a bare MQTT.js subscriber (persistent session, QoS 1) that only counts: the broker's fan-in rate;
 * - ours: the ops-center ingest (decode + validate + store once on (node, seq) + rollups + ack) into SQLite,
 *   then into PostgreSQL 15 (throwaway server, fsync off like any benchmark instance).
 * Each message is one record, or a batch of 10 records (DESIGN §3 allows arrays; edge agents batch).
 * Each consumer is the broker's only session while it is measured (the one before it is ended, not left queueing).
 */
const PUBLISHERS = 3;
const WORKER = process.env.LOPHOC_INGEST_BENCH_WORKER;
const BROKER = process.env.LOPHOC_INGEST_BENCH_BROKER;
const log = pino({ level: 'silent' });

if (WORKER) await publishLoad(JSON.parse(WORKER) as WorkerJob);
if (BROKER) await runBroker();

/** The broker in a process of its own, as in production, so it does not share a thread with the ingest. */
async function runBroker(): Promise<void> {
  const broker = await startBroker({ port: 0, log });
  process.send?.(broker.url);
  process.once('message', async () => {
    await broker.stop();
    process.exit(0);
  });
}

function forkSelf(env: Record<string, string>) {
  return fork(fileURLToPath(import.meta.url), [], { execArgv: ['--import', 'tsx'], env: { ...process.env, ...env }, stdio: 'inherit' });
}

interface WorkerJob {
  url: string;
  node: string;
  messages: number;
  batch: number;
}

/** One node's load: `messages` QoS 1 publishes with at most 500 in flight. */
async function publishLoad({ url, node, messages, batch }: WorkerJob): Promise<void> {
  const client = await mqtt.connectAsync(url, { clientId: `bench.${node}` });
  process.send?.('ready');
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  const topic = `lophoc/v1/bench-site/${node}/th-1/telemetry`;
  let seq = 0;
  const payload = () => {
    const records = Array.from({ length: batch }, () => ({
      v: 1,
      ts: Date.now(),
      seq: ++seq,
      values: { temperature: 20 + (seq % 100) / 10 },
    }));
    return JSON.stringify(batch === 1 ? records[0] : records);
  };
  const inFlight = new Set<Promise<unknown>>();
  for (let i = 0; i < messages; i++) {
    const sent = client.publishAsync(topic, payload(), { qos: 1 });
    inFlight.add(sent);
    void sent.finally(() => inFlight.delete(sent));
    if (inFlight.size >= 500) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  await client.endAsync();
  process.exit(0);
}

/** Starts the publishers, releases them together, and resolves with records/s once `received()` has them all. */
async function drive(url: string, messages: number, batch: number, received: () => number): Promise<number> {
  const workers = Array.from({ length: PUBLISHERS }, (_, i) =>
    forkSelf({ LOPHOC_INGEST_BENCH_WORKER: JSON.stringify({ url, node: `gw-b${i}-${Date.now()}`, messages, batch }) }),
  );
  await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once('message', resolve))));
  const total = PUBLISHERS * messages * batch;
  const start = performance.now();
  for (const worker of workers) worker.send('go');
  const deadline = Date.now() + 120_000;
  while (received() < total) {
    if (Date.now() > deadline) throw new Error(`only ${received()} of ${total} records arrived within 120 s`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const seconds = (performance.now() - start) / 1000;
  await Promise.all(
    workers.map((worker) => (worker.exitCode === null ? new Promise((resolve) => worker.once('exit', resolve)) : undefined)),
  );
  return total / seconds;
}

/**
 * Ends a persistent session: otherwise the broker would go on queueing every message for it while the next consumer
 * is measured, so each consumer would find more work on the broker than the one before it.
 */
async function dropSession(url: string, clientId: string): Promise<void> {
  const client = await mqtt.connectAsync(url, { clientId, clean: true });
  await client.endAsync();
}

async function bareSubscriber(url: string, batch: number): Promise<{ count: () => number; stop: () => Promise<void> }> {
  let records = 0;
  const clientId = `bench-counter-${Date.now()}`;
  const client = await mqtt.connectAsync(url, { clientId, clean: false });
  client.on('message', () => {
    records += batch;
  });
  await client.subscribeAsync('lophoc/v1/+/+/+/telemetry', { qos: 1 });
  return {
    count: () => records,
    stop: async () => {
      await client.endAsync();
      await dropSession(url, clientId);
    },
  };
}

export default async function runIngestBench(): Promise<void> {
  if (WORKER || BROKER) return;
  const brokerProcess = forkSelf({ LOPHOC_INGEST_BENCH_BROKER: '1' });
  const broker = { url: await new Promise<string>((resolve) => brokerProcess.once('message', (url) => resolve(String(url)))) };
  const dir = await mkdtemp(join(tmpdir(), 'lophoc-ingest-bench-'));
  const postgres = await startPostgres();
  const rows: string[] = [];
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(10);
  try {
    for (const [batch, messages] of [
      [1, 12_000],
      [10, 2_000],
    ] as const) {
      const peer = await bareSubscriber(broker.url, batch);
      const fanIn = await drive(broker.url, messages, batch, peer.count);
      await peer.stop();
      const results: number[] = [];
      for (const store of [
        { kind: 'sqlite', file: join(dir, `ops-${batch}.db`) },
        { kind: 'postgres', url: postgres.url },
      ] as const) {
        const mqttClientId = `bench-ops-${store.kind}-${batch}`;
        const ops = await startOpsCenter({
          dataDir: dir,
          mqttUrl: broker.url,
          mqttClientId,
          port: 0,
          log,
          store,
          content: false,
          consoleDir: join(dir, 'none'),
        });
        const before = ops.ingest.stats.stored;
        results.push(await drive(broker.url, messages, batch, () => ops.ingest.stats.stored - before));
        await ops.stop();
        await dropSession(broker.url, mqttClientId);
      }
      rows.push(
        `${`${PUBLISHERS} publishers, ${batch === 1 ? '1 record' : `${batch} records`}/message`.padEnd(34)}${fmt(results[0]!)}${fmt(results[1]!)}${fmt(fanIn)}  ${(results[0]! / fanIn).toFixed(2)}`,
      );
    }
  } finally {
    brokerProcess.send('stop');
    await new Promise((resolve) => brokerProcess.once('exit', resolve));
    await postgres.stop();
    await rm(dir, { recursive: true, force: true });
  }
  process.stdout.write("\nIngest into the store vs the broker's QoS 1 fan-in (records/s, loopback, one run)\n");
  process.stdout.write(`${'case'.padEnd(34)}${'SQLite'.padStart(10)}${'Postgres'.padStart(10)}${'fan-in'.padStart(10)}  SQLite/fan-in\n`);
  for (const row of rows) process.stdout.write(`${row}\n`);
}

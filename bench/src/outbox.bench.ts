import { type ChildProcess, fork, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Outbox, Priority, Uplink } from '@lophoc/edge-agent';
import { startOpsCenter } from '@lophoc/ops-center';
import { mergeRanges, type SeqRange } from '@lophoc/protocol';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import pino from 'pino';
import { freePort, waitForPort } from '../../test/support/processes.js';
import { loggedReady, rssMiB } from './processes.js';

/**
 * Issue #4's outbox figures, each beside a named peer in the same run:
 * - crash-safe append (WAL, synchronous=FULL): one record per transaction (`append`), one event-loop turn per
 *   transaction (`appendMany`, what the agent does), against bare better-sqlite3 INSERTs in one transaction per
 *   row and per 500 rows (the floor: no seq allocation, no byte accounting);
 * - backlog replay: N records (LOPHOC_OUTBOX_BENCH_N, default 200,000; the issue's 1M with N=1000000) drained by
 *   the uplink through aedes (its own process) to a hub (its own process) that checks every seq and acknowledges
 *   ranges every 50 ms, until the outbox is empty. One record per message, then telemetry packed into arrays
 *   (DESIGN §3); zero loss means the hub saw every seq 1..N and the outbox is empty;
 * - the gateway process's RSS idle (connected, nothing to send) and its peak during replay.
 */
const ROLE = process.env.LOPHOC_OUTBOX_BENCH_ROLE;
/** Each run is its own node: acks a hub sent after a run's gateway left must not reach the next run's outbox. */
const NODE = process.env.LOPHOC_OUTBOX_BENCH_NODE ?? 'n';
const NODE_TOPIC = `lophoc/v1/s/${NODE}`;
if (ROLE === 'broker') await runBroker();
if (ROLE === 'hub') await runHub(process.env.LOPHOC_OUTBOX_BENCH_URL!, Number(process.env.LOPHOC_OUTBOX_BENCH_N));
if (ROLE === 'ops') await runOpsCenter(process.env.LOPHOC_OUTBOX_BENCH_URL!, process.env.LOPHOC_OUTBOX_BENCH_DIR!);
if (ROLE === 'gateway') await runGateway(JSON.parse(process.env.LOPHOC_OUTBOX_BENCH_JOB!) as GatewayJob);

function forkSelf(env: Record<string, string>): ChildProcess {
  return fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: 'inherit',
  });
}

function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const exited = (code: number | null) => reject(new Error(`bench child ${child.pid} exited (${code}) before answering`));
    child.once('exit', exited);
    child.once('message', (message) => {
      child.off('exit', exited);
      resolve(message as T);
    });
  });
}

/** LopHoc's broker (aedes), or Mosquitto with LOPHOC_OUTBOX_BENCH_BROKER=mosquitto, in a process of its own. */
async function runBroker(): Promise<void> {
  if (process.env.LOPHOC_OUTBOX_BENCH_BROKER === 'mosquitto') {
    const port = await freePort();
    const config = join(process.env.LOPHOC_OUTBOX_BENCH_DIR!, 'mosquitto.conf');
    // No queue limits: a 1M-record replay must not be cut by Mosquitto's defaults (1,000 queued, 20 in flight).
    await writeFile(config, `listener ${port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\nmax_inflight_messages 0\n`);
    const mosquitto = spawn('/usr/sbin/mosquitto', ['-c', config], { stdio: 'ignore' });
    await waitForPort(port);
    process.send?.(`mqtt://127.0.0.1:${port}`);
    process.once('message', () => {
      mosquitto.kill();
      process.exit(0);
    });
    return;
  }
  const { startBroker } = await import('@lophoc/broker');
  const broker = await startBroker({ port: 0, log: pino({ level: 'silent' }) });
  process.send?.(broker.url);
  process.once('message', async () => {
    await broker.stop();
    process.exit(0);
  });
}

/**
 * The ops-center's part without storage: receives telemetry (one record or an array), notes each seq in a bitmap
 * and acknowledges the ranges seen every 50 ms. Reports how many distinct seqs arrived and how many twice.
 */
async function runHub(url: string, n: number): Promise<void> {
  const hub = await mqtt.connectAsync(url, { clientId: `bench-hub-${process.pid}`, clean: true });
  const seen = new Uint8Array(n + 1);
  let distinct = 0;
  let repeated = 0;
  let firstAt = 0;
  let lastAt = 0;
  let pending: number[] = [];
  hub.on('message', (_, message) => {
    firstAt ||= Date.now();
    const parsed = JSON.parse(message.toString()) as { seq: number } | { seq: number }[];
    for (const { seq } of Array.isArray(parsed) ? parsed : [parsed]) {
      if (seen[seq]) repeated++;
      else {
        seen[seq] = 1;
        distinct++;
        lastAt = Date.now();
        if (distinct === n && process.env.LOPHOC_OUTBOX_BENCH_NOTIFY) process.send?.('all');
      }
      pending.push(seq);
    }
  });
  await hub.subscribeAsync(`${NODE_TOPIC}/+/telemetry`, { qos: 1 });
  const acker = setInterval(() => {
    if (pending.length === 0) return;
    const ranges: SeqRange[] = mergeRanges(pending);
    pending = [];
    hub.publish(`${NODE_TOPIC}/ack`, JSON.stringify({ v: 1, ts: Date.now(), ranges }), { qos: 1 });
  }, 50);
  process.send?.('ready');
  process.once('message', async () => {
    clearInterval(acker);
    const report: HubReport = { distinct, repeated, firstAt, lastAt };
    process.send?.(report);
    await hub.endAsync();
    process.exit(0);
  });
}

/** The real ops-center (SQLite store, ingest, acks after commit); reports what it stored for node `n`. */
async function runOpsCenter(url: string, dir: string): Promise<void> {
  const ops = await startOpsCenter({
    dataDir: dir,
    mqttUrl: url,
    mqttClientId: `bench-ops-${process.pid}`,
    port: 0,
    log: pino({ level: 'silent' }),
    store: { kind: 'sqlite', file: join(dir, 'ops.db') },
    content: false,
    consoleDir: join(dir, 'none'),
  });
  process.send?.('ready');
  process.once('message', async () => {
    await ops.stop();
    const db = new Database(join(dir, 'ops.db'), { readonly: true });
    const { seqs, rows } = db
      .prepare<[string], { seqs: number; rows: number }>('SELECT count(DISTINCT seq) AS seqs, count(*) AS rows FROM records WHERE node = ?')
      .get(NODE)!;
    db.close();
    process.send?.({ distinct: seqs, repeated: rows - seqs });
    process.exit(0);
  });
}

export default async function runOutboxBench(): Promise<void> {
  if (ROLE) return;
  const dir = await mkdtemp(join(tmpdir(), 'lophoc-outbox-bench-'));
  const payload = (seq: number) => ({ v: 1, ts: Date.now(), seq, values: { temperature: 30.5, humidity: 54.6 } });
  const rate = (n: number, ms: number) => Math.round((n / ms) * 1000).toLocaleString('en-US');
  const time = (fn: () => void) => {
    const start = performance.now();
    fn();
    return performance.now() - start;
  };
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
    const brokerProcess = forkSelf({ LOPHOC_OUTBOX_BENCH_ROLE: 'broker', LOPHOC_OUTBOX_BENCH_DIR: dir });
    const url = await nextMessage<string>(brokerProcess);
    const brokerName = process.env.LOPHOC_OUTBOX_BENCH_BROKER === 'mosquitto' ? 'Mosquitto' : 'LopHoc broker (aedes)';
    process.stdout.write(
      `\nBacklog replay of ${n.toLocaleString('en-US')} records: ${brokerName}, the hub and the gateway each in their own process\n`,
    );
    try {
      for (const [recordsPerMessage, hub] of [
        [1, 'hub'],
        [100, 'hub'],
        [100, 'ops'],
      ] as const) {
        const result = await replay(dir, url, n, recordsPerMessage, hub, payload);
        const label = `${recordsPerMessage} record(s)/message, ${hub === 'hub' ? 'acking hub' : 'ops-center (SQLite)'}:`;
        process.stdout.write(
          `  ${label.padEnd(44)} ${rate(n - result.left, result.ms).padStart(7)} records/s, ` +
            `${hub === 'hub' ? 'hub saw' : 'stored'} ${result.distinct.toLocaleString('en-US')} distinct seqs (${result.repeated} again), ${result.left} left in the outbox; ` +
            `gateway RSS idle ${result.idleMiB} MiB, peak ${result.peakMiB} MiB\n`,
        );
      }
      for (const recordsPerMessage of [1, 100]) {
        const daemon = await replayWithDaemon(dir, url, n, payload, recordsPerMessage);
        const label = `the daemon (lophoc-agent run), ${recordsPerMessage}/message:`;
        process.stdout.write(
          `  ${label.padEnd(44)} ${rate(daemon.distinct, daemon.ms).padStart(7)} records/s, ` +
            `hub saw ${daemon.distinct.toLocaleString('en-US')} distinct seqs (${daemon.repeated} again), ${daemon.left} left in the outbox; ` +
            `daemon RSS idle ${daemon.idleMiB} MiB, peak ${daemon.peakMiB} MiB (${daemon.mode})\n`,
        );
      }
    } finally {
      brokerProcess.send('stop');
      await new Promise((resolve) => brokerProcess.once('exit', resolve));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface HubReport {
  distinct: number;
  repeated: number;
  /** Arrival of the first message and of the last new seq (Date.now() of the hub). */
  firstAt: number;
  lastAt: number;
}

interface ReplayResult {
  ms: number;
  left: number;
  distinct: number;
  repeated: number;
  idleMiB: number;
  peakMiB: number;
}

/** Fills a fresh outbox with `n` telemetry records (4 devices), then drains it through the uplink. */
async function replay(
  dir: string,
  url: string,
  n: number,
  recordsPerMessage: number,
  hub: 'hub' | 'ops',
  payload: (seq: number) => unknown,
): Promise<ReplayResult> {
  const run = `${recordsPerMessage}-${hub}`;
  const node = `n-${run}`;
  const file = join(dir, `backlog-${run}.db`);
  fillBacklog(file, node, n, payload);
  const opsDir = join(dir, `ops-${run}`);
  await mkdir(opsDir, { recursive: true });
  const hubProcess = forkSelf({
    LOPHOC_OUTBOX_BENCH_ROLE: hub,
    LOPHOC_OUTBOX_BENCH_URL: url,
    LOPHOC_OUTBOX_BENCH_N: String(n),
    LOPHOC_OUTBOX_BENCH_DIR: opsDir,
    LOPHOC_OUTBOX_BENCH_NODE: node,
  });
  await nextMessage(hubProcess);
  const job: GatewayJob = { url, file, idleFile: join(dir, `idle-${run}.db`), recordsPerMessage };
  const gateway = forkSelf({
    LOPHOC_OUTBOX_BENCH_ROLE: 'gateway',
    LOPHOC_OUTBOX_BENCH_JOB: JSON.stringify(job),
    LOPHOC_OUTBOX_BENCH_NODE: node,
  });
  const { ms, left, idleMiB, peakMiB } = await nextMessage<GatewayResult>(gateway);
  await new Promise((resolve) => gateway.once('exit', resolve));
  hubProcess.send('stop');
  const { distinct, repeated } = await nextMessage<HubReport>(hubProcess);
  await new Promise((resolve) => hubProcess.once('exit', resolve));
  return { ms, left, distinct, repeated, idleMiB, peakMiB };
}

interface GatewayJob {
  url: string;
  file: string;
  idleFile: string;
  recordsPerMessage: number;
}

type GatewayResult = Pick<ReplayResult, 'ms' | 'left' | 'idleMiB' | 'peakMiB'>;

/**
 * The gateway's side in a process of its own (outbox + uplink only, as the agent runs them): RSS idle, connected with
 * an empty outbox, then the backlog drained as fast as the uplink can, with RSS sampled every 100 ms.
 */
async function runGateway({ url, file, idleFile, recordsPerMessage }: GatewayJob): Promise<void> {
  const log = pino({ level: 'silent' });
  const birth = () => ({ v: 1 as const, ts: Date.now(), kind: 'gateway' as const, version: 'bench', devices: [] });
  const idle = new Outbox(idleFile);
  const idler = new Uplink({ url, site: 's', node: `idle-${process.pid}`, version: 'bench', outbox: idle, log, birth });
  idler.start();
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const idleMiB = Math.round(process.memoryUsage.rss() / 1024 ** 2);
  await idler.stop();
  idle.close();

  const backlog = new Outbox(file, { maxBytes: 4 * 1024 ** 3 });
  const uplink = new Uplink({
    url,
    site: 's',
    node: NODE,
    version: 'bench',
    outbox: backlog,
    log,
    birth,
    maxPublishRate: 1_000_000,
    batchSize: 1000,
    recordsPerMessage,
  });
  const start = performance.now();
  uplink.start();
  let peak = 0;
  while (backlog.depth() > 0 && performance.now() - start < 900_000) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    peak = Math.max(peak, process.memoryUsage.rss());
  }
  const ms = performance.now() - start;
  await uplink.stop();
  backlog.close();
  // Counted in the file, not taken from the outbox's own bookkeeping.
  const db = new Database(file, { readonly: true });
  const left = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM records').get()!.n;
  db.close();
  const result: GatewayResult = { ms, left, idleMiB, peakMiB: Math.round(peak / 1024 ** 2) };
  process.send?.(result);
  process.disconnect();
}

/** `n` telemetry records of `node` written into a fresh outbox file, 1,000 per transaction. */
function fillBacklog(file: string, node: string, n: number, payload: (seq: number) => unknown): void {
  const backlog = new Outbox(file, { maxBytes: 4 * 1024 ** 3 });
  for (let i = 0; i < n; i += 1000) {
    backlog.appendMany(
      Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({
        topic: `lophoc/v1/s/${node}/th-${(i + j) % 4}/telemetry`,
        priority: Priority.telemetry,
        build: payload,
      })),
    );
  }
  backlog.close();
}

/**
 * The daemon as production runs it (`edge-agent/bin/lophoc-agent.js run`: the compiled bundle when fresh, else the
 * sources through tsx) with no devices: its RSS idle, connected with an empty outbox; then the same backlog written
 * into its own outbox file and replayed with the config's highest pace. Rate = records / (last new seq − first
 * message) at the hub, so the daemon's start-up is not counted.
 */
async function replayWithDaemon(
  dir: string,
  url: string,
  n: number,
  payload: (seq: number) => unknown,
  recordsPerMessage: number,
): Promise<ReplayResult & { mode: string }> {
  const node = `n-daemon-${recordsPerMessage}`;
  const dataDir = join(dir, `daemon-${recordsPerMessage}`);
  const config = join(dir, `daemon-${recordsPerMessage}.yaml`);
  // JSON is YAML.
  await writeFile(
    config,
    JSON.stringify({
      site: 's',
      node,
      mqtt: { url, maxPublishRate: 100_000, recordsPerMessage },
      dataDir,
      outbox: { maxBytes: 4 * 1024 ** 3 },
      healthIntervalS: 3600,
      devices: [],
    }),
  );
  const launcher = join(fileURLToPath(new URL('../../', import.meta.url)), 'edge-agent', 'bin', 'lophoc-agent.js');
  const start = async () => {
    const child = spawn(process.execPath, [launcher, 'run', '--config', config], {
      env: { ...process.env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    await loggedReady(child, 'gateway started', 'lophoc-agent');
    return child;
  };
  const stop = async (child: ChildProcess) => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  const { isFresh } = (await import(pathToFileURL(join(launcher, '..', '..', '..', 'scripts', 'bin', 'launch-daemon.js')).href)) as {
    isFresh: (bundle: URL) => boolean;
  };
  const mode = isFresh(pathToFileURL(join(launcher, '..', '..', 'dist', 'main.js'))) ? 'compiled bundle' : 'sources through tsx';

  let agent = await start();
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const idleMiB = Math.round(await rssMiB(agent.pid!));
  await stop(agent);

  const file = join(dataDir, 'outbox.db');
  fillBacklog(file, node, n, payload);
  const hub = forkSelf({
    LOPHOC_OUTBOX_BENCH_ROLE: 'hub',
    LOPHOC_OUTBOX_BENCH_URL: url,
    LOPHOC_OUTBOX_BENCH_N: String(n),
    LOPHOC_OUTBOX_BENCH_NODE: node,
    LOPHOC_OUTBOX_BENCH_NOTIFY: '1',
  });
  await nextMessage(hub);
  const all = nextMessage(hub);
  agent = await start();
  let peak = 0;
  let done = false;
  void all.then(() => {
    done = true;
  });
  const deadline = Date.now() + 900_000;
  while (!done && Date.now() < deadline) {
    peak = Math.max(peak, await rssMiB(agent.pid!));
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await new Promise((resolve) => setTimeout(resolve, 1000)); // the last acks
  await stop(agent);
  hub.send('stop');
  const report = await nextMessage<HubReport>(hub);
  await new Promise((resolve) => hub.once('exit', resolve));
  const db = new Database(file, { readonly: true });
  const left = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM records').get()!.n;
  db.close();
  return {
    ms: report.lastAt - report.firstAt,
    left,
    distinct: report.distinct,
    repeated: report.repeated,
    idleMiB,
    peakMiB: Math.round(peak),
    mode,
  };
}

import { execFileSync, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Credentials, Registry, startBroker } from '@lophoc/broker';
import { MqttClient } from '@lophoc/mqtt-client';
import { startOpsCenter } from '@lophoc/ops-center';
import mqtt from 'mqtt';
import pino from 'pino';
import { startPostgres } from '../../test/support/servers/postgres.js';
import { rawPublisher } from './broker-raw-load.js';
import { median } from './measure.js';

/**
 * Issue #6 target: the ingest keeps up with the broker's QoS 1 fan-in (~30,000 records/s) into SQLite.
 * Load: PUBLISHERS child processes, each a node publishing telemetry at QoS 1 to a real aedes broker (its own
 * process) on loopback, as fast as their in-flight window allows. Measured from the first publish until the consumer
 * has every record:
 * - peer: a bare MQTT.js subscriber (persistent session, QoS 1) that only counts: the broker's fan-in rate, as the
 *   issue measured it;
 * - second peer (`fan-in-lean`): the same on @lophoc/mqtt-client, the client the ingest uses: what the broker can
 *   push to a subscriber that costs less per message;
 * - ours: the ops-center ingest (decode + validate + store once on (node, seq) + rollups + ack) into SQLite,
 *   then into PostgreSQL 15 (throwaway server, fsync off like any benchmark instance).
 * Each message is one record, or a batch of 10 records (DESIGN §3 allows arrays; edge agents batch).
 * Each consumer is the broker's only session while it is measured (the one before it is ended, not left queueing).
 * The consumers take turns for ROUNDS rounds, in alternating order, after one unmeasured warm-up run of the peers and
 * of the SQLite ingest (the broker's and the ops-center's code is cold in its first run), so that load from elsewhere
 * on the machine does not favour one of them.
 * CPU time per record of the consumer's process (worker threads included) and of the broker's process is printed
 * beside each rate: on this 2-core machine every process shares the same cores, so what a consumer spends is taken
 * from the broker and the publishers.
 */
const PUBLISHERS = 3;
/**
 * How the publishers publish. `raw` (default): every PUBLISH encoded before the start (bench/src/broker-raw-load.ts),
 * so the load processes cost little and the rate is the broker's fan-in rather than what the load generators can
 * produce — on 2 cores MQTT.js publishers (`mqttjs`, the load of the rounds before 2026-11-29 07:30) spent more CPU
 * per message than the broker and the consumer together, and every µs a consumer spent was taken from them.
 */
const LOAD = process.env.LOPHOC_INGEST_BENCH_LOAD ?? 'raw';
if (LOAD !== 'raw' && LOAD !== 'mqttjs') throw new Error(`LOPHOC_INGEST_BENCH_LOAD must be raw or mqttjs, not ${LOAD}`);
/**
 * `LOPHOC_INGEST_BENCH_RATE=N` (raw load only): the publishers together offer N records/s instead of as many as they
 * can, and each consumer's lag is measured — whether it keeps up with that rate rather than how fast it can go.
 */
const RATE = process.env.LOPHOC_INGEST_BENCH_RATE ? Number(process.env.LOPHOC_INGEST_BENCH_RATE) : undefined;
if (RATE !== undefined && !(RATE > 0 && LOAD === 'raw'))
  throw new Error('LOPHOC_INGEST_BENCH_RATE must be a positive number of records/s, with raw load');
/**
 * `LOPHOC_INGEST_BENCH_KEEP_UP=0.8,0.95,…` (raw load only): the issue's target read directly — does the ingest keep up
 * with the broker's QoS 1 fan-in rate? Per shape, the lean peer first runs flat out (`ROUNDS` times): the median is
 * the rate the broker fans in to a subscriber that only counts, in this run. Then each fraction of that rate is
 * offered, and every consumer's reached rate, lag and largest backlog are measured as with `LOPHOC_INGEST_BENCH_RATE`.
 */
const KEEP_UP = process.env.LOPHOC_INGEST_BENCH_KEEP_UP?.split(',').map(Number);
if (KEEP_UP && !(LOAD === 'raw' && RATE === undefined && KEEP_UP.every((fraction) => fraction > 0 && fraction <= 2)))
  throw new Error(
    'LOPHOC_INGEST_BENCH_KEEP_UP must be fractions of the fan-in rate (0 < f ≤ 2), with raw load and no LOPHOC_INGEST_BENCH_RATE',
  );
/**
 * Authentication and the DESIGN §3 ACL on, as the pilot's broker always runs (`LOPHOC_INGEST_BENCH_AUTH=0`: an open
 * broker, as before 2026-11-29 08:10): each publisher a provisioned gateway, every consumer the `ops-center` service
 * account.
 */
const AUTH = process.env.LOPHOC_INGEST_BENCH_AUTH !== '0';
const SITE = 'bench-site';
/**
 * Gateways per publisher process (`LOPHOC_INGEST_BENCH_GATEWAYS`, raw load only; default 1): a district's traffic
 * comes from many gateways at a low rate each, and a batch holding many gateways costs the store more per record.
 */
const GATEWAYS = Number(process.env.LOPHOC_INGEST_BENCH_GATEWAYS ?? 1);
if (!(Number.isInteger(GATEWAYS) && GATEWAYS >= 1 && (GATEWAYS === 1 || LOAD === 'raw')))
  throw new Error('LOPHOC_INGEST_BENCH_GATEWAYS must be a whole number ≥ 1 (above 1 with raw load only)');
const WORKER = process.env.LOPHOC_INGEST_BENCH_WORKER;
const BROKER = process.env.LOPHOC_INGEST_BENCH_BROKER;
const log = pino({ level: 'silent' });

if (WORKER) await publishLoad(JSON.parse(WORKER) as WorkerJob);
if (BROKER) await runBroker();

/** The broker in a process of its own, as in production, so it does not share a thread with the ingest. */
async function runBroker(): Promise<void> {
  const registry = process.env.LOPHOC_INGEST_BENCH_REGISTRY;
  const broker = await startBroker({
    port: 0,
    log,
    ...(registry ? { registry, limits: { connectionsPerAddress: { max: 100_000, windowMs: 1000 } } } : {}),
  });
  process.send?.(broker.url);
  process.on('message', async (message) => {
    if (message === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send?.(user + system);
      return;
    }
    await broker.stop();
    process.exit(0);
  });
}

/**
 * `LOPHOC_INGEST_BENCH_PIN=1`: the broker and the publishers run on CPU 0 only and this process — the consumer
 * measured, peer or ops-center — on CPU 1 only (taskset, every thread), so that what a consumer spends is not taken
 * from the load it is measured against; as in production, where the gateways are other machines.
 */
const PIN = process.env.LOPHOC_INGEST_BENCH_PIN === '1';
const pin = (pid: number, cpu: number) => execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });

/** A directory for a CPU profile of the broker's process (`node --cpu-prof`): to see what a consumer costs the broker. */
const BROKER_PROFILE = process.env.LOPHOC_INGEST_BENCH_BROKER_CPU_PROF;

function forkSelf(env: Record<string, string>) {
  const profile = BROKER_PROFILE && env.LOPHOC_INGEST_BENCH_BROKER ? ['--cpu-prof', `--cpu-prof-dir=${BROKER_PROFILE}`] : [];
  const child = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--import', 'tsx', ...profile],
    env: { ...process.env, ...env },
    stdio: 'inherit',
  });
  if (PIN && child.pid !== undefined) pin(child.pid, 0);
  return child;
}

interface Gateway {
  node: string;
  /** the gateway's credentials with AUTH; its client id is its username */
  account?: Credentials;
}

interface WorkerJob {
  url: string;
  gateways: Gateway[];
  /** sequence numbers start after this: the gateways are the same from run to run, the seqs always new */
  seqBase: number;
  /** messages per gateway */
  messages: number;
  batch: number;
  /** records/s offered by all publishers together; flat out without it */
  rate?: number;
}

/** One node's load: `messages` QoS 1 publishes with at most 500 in flight. */
async function publishLoad(job: WorkerJob): Promise<void> {
  if (LOAD === 'raw') await publishRaw(job);
  else await publishMqttjs(job);
  process.exit(0);
}

async function publishRaw({ url, gateways, seqBase, messages, batch, rate }: WorkerJob): Promise<void> {
  // Paced: each gateway its share of the rate, a write every 10 ms or so rather than one large burst now and then.
  const perSecond = rate ? rate / PUBLISHERS / gateways.length / batch : undefined;
  const publishers = await Promise.all(
    gateways.map(({ node, account }) =>
      rawPublisher(url, account ?? { username: `bench.${node}`, password: 'bench' }, {
        topic: `lophoc/v1/${SITE}/${node}/th-1/telemetry`,
        messages,
        qos: 1,
        window: 500,
        burst: perSecond ? Math.min(500, Math.max(1, Math.round(perSecond / 100))) : 100,
        records: batch,
        seqBase,
        ...(perSecond ? { perSecond } : {}),
      }),
    ),
  );
  process.send?.('ready');
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  await Promise.all(publishers.map((publisher) => publisher.send()));
  process.send?.({ lastWrittenAt: Math.max(...publishers.map((publisher) => publisher.lastWrittenAt)) });
  await Promise.all(publishers.map((publisher) => publisher.end()));
}

async function publishMqttjs({ url, gateways, seqBase, messages, batch }: WorkerJob): Promise<void> {
  const { node, account } = gateways[0]!;
  const client = await mqtt.connectAsync(url, account ? { clientId: account.username, ...account } : { clientId: `bench.${node}` });
  process.send?.('ready');
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  const topic = `lophoc/v1/${SITE}/${node}/th-1/telemetry`;
  let seq = seqBase;
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
}

/** Busy and total jiffies of each CPU so far (/proc/stat): which core was the limit during a span. */
function cpuTimes(): { busy: number; total: number }[] {
  return readFileSync('/proc/stat', 'latin1')
    .split('\n')
    .filter((line) => /^cpu\d/.test(line))
    .map((line) => {
      const [user, nice, system, idle, iowait, irq, softirq, steal] = line.split(/\s+/).slice(1).map(Number) as number[];
      const busy = user! + nice! + system! + irq! + softirq! + steal!;
      return { busy, total: busy + idle! + iowait! };
    });
}

interface Measured {
  /** records/s from the release of the publishers until the consumer has them all */
  rate: number;
  /** CPU time per record (µs) of the broker's process and of this process (the consumer) over the same span */
  brokerCpu: number;
  consumerCpu: number;
  /** ops-center: messages per store transaction */
  perBatch?: number;
  /** share of each CPU busy over the span (every process on the machine) */
  cpuBusy: number[];
  /**
   * At an offered rate: ms from the last publisher's last write until the consumer had every record, and
   * the largest backlog seen while they ran (records published on schedule but not yet counted, in ms of traffic).
   */
  lagMs?: number;
  backlogMs?: number;
}

/** Sequence numbers used so far by every gateway (each run starts after them). */
let seqBase = 0;

/** Starts the publishers, releases them together, and measures until `received()` has every record. */
async function drive(broker: Broker, messages: number, batch: number, received: () => number, rate?: number): Promise<Measured> {
  const perGateway = Math.max(1, Math.floor(messages / GATEWAYS));
  const workers = broker.gateways.map((gateways) =>
    forkSelf({
      LOPHOC_INGEST_BENCH_WORKER: JSON.stringify({
        url: broker.url,
        gateways,
        seqBase,
        messages: perGateway,
        batch,
        rate,
      } satisfies WorkerJob),
    }),
  );
  seqBase += perGateway * batch;
  await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once('message', resolve))));
  const total = PUBLISHERS * GATEWAYS * perGateway * batch;
  const brokerCpuBefore = await broker.cpu();
  const ownCpuBefore = process.cpuUsage();
  const cpusBefore = cpuTimes();
  const lastWrites = workers.map(
    (worker) =>
      new Promise<number>((resolve) => worker.once('message', (message: { lastWrittenAt: number }) => resolve(message.lastWrittenAt))),
  );
  const start = performance.now();
  for (const worker of workers) worker.send('go');
  const deadline = Date.now() + 120_000;
  let backlogMs = 0;
  while (received() < total) {
    if (Date.now() > deadline) throw new Error(`only ${received()} of ${total} records arrived within 120 s`);
    await new Promise((resolve) => setTimeout(resolve, rate ? 1 : 5));
    if (rate) {
      const due = Math.min(total, ((performance.now() - start) / 1000) * rate);
      backlogMs = Math.max(backlogMs, ((due - received()) / rate) * 1000);
    }
  }
  const doneAt = performance.timeOrigin + performance.now();
  const seconds = (performance.now() - start) / 1000;
  const cpuBusy = cpuTimes().map(({ busy, total }, i) => (busy - cpusBefore[i]!.busy) / (total - cpusBefore[i]!.total));
  const ownCpu = process.cpuUsage(ownCpuBefore);
  const brokerCpu = (await broker.cpu()) - brokerCpuBefore;
  await Promise.all(
    workers.map((worker) => (worker.exitCode === null ? new Promise((resolve) => worker.once('exit', resolve)) : undefined)),
  );
  const measured: Measured = {
    rate: total / seconds,
    brokerCpu: brokerCpu / total,
    consumerCpu: (ownCpu.user + ownCpu.system) / total,
    cpuBusy,
  };
  if (rate) {
    measured.lagMs = Math.max(0, doneAt - Math.max(...(await Promise.all(lastWrites))));
    measured.backlogMs = backlogMs;
  }
  return measured;
}

interface Broker {
  url: string;
  /** each publisher process's gateways, the same in every run */
  gateways: Gateway[][];
  /** the broker process's CPU time so far, µs */
  cpu(): Promise<number>;
}

/**
 * Ends a persistent session: otherwise the broker would go on queueing every message for it while the next consumer
 * is measured, so each consumer would find more work on the broker than the one before it.
 */
/** The consumers' login: the ops-center service account with AUTH, none on an open broker. */
let login: { username?: string; password?: string } = {};

async function dropSession(url: string, clientId: string): Promise<void> {
  const client = await mqtt.connectAsync(url, { clientId, clean: true, ...login });
  await client.endAsync();
}

async function bareSubscriber(url: string, batch: number): Promise<{ count: () => number; stop: () => Promise<void> }> {
  let records = 0;
  const clientId = `bench-counter-${Date.now()}`;
  const client = await mqtt.connectAsync(url, { clientId, clean: false, ...login });
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

/** Connects a consumer's lean client and subscribes it to all telemetry; returns the consumer's `stop`. */
async function subscribedLean(url: string, clientId: string, client: MqttClient): Promise<() => Promise<void>> {
  client.on('error', () => {});
  const connected = new Promise((resolve) => client.once('connect', resolve));
  client.connect();
  await connected;
  await client.subscribe([{ topic: 'lophoc/v1/+/+/+/telemetry', qos: 1 }]);
  return async () => {
    await client.end();
    await dropSession(url, clientId);
  };
}

/** The bare subscriber on @lophoc/mqtt-client (PUBACK on receipt, like MQTT.js): the second peer. */
async function leanSubscriber(url: string, batch: number): Promise<{ count: () => number; stop: () => Promise<void> }> {
  let records = 0;
  const clientId = `bench-lean-${Date.now()}`;
  const client = new MqttClient({ url, clientId, clean: false, ...login });
  client.on('message', () => {
    records += batch;
  });
  return { count: () => records, stop: await subscribedLean(url, clientId, client) };
}

/** Which consumers run (comma list), interleaved rounds, and messages per publisher per case: for profiling. */
const CONSUMERS = (process.env.LOPHOC_INGEST_BENCH_CONSUMERS ?? 'fan-in,fan-in-lean,sqlite,postgres').split(',');
const ROUNDS = Number(process.env.LOPHOC_INGEST_BENCH_ROUNDS ?? 3);
const SCALE = Number(process.env.LOPHOC_INGEST_BENCH_SCALE ?? 1);

/**
 * Diagnostic consumer (`LOPHOC_INGEST_BENCH_CONSUMERS=…,deferred`): the bare subscriber, but it PUBACKs as the
 * ingest does — after each batch of 500 messages or 20 ms, in one socket write — and stores nothing. What it costs
 * the broker beyond the bare subscriber is the price of PUBACK-after-commit alone.
 */
async function deferredSubscriber(url: string, batch: number): Promise<{ count: () => number; stop: () => Promise<void> }> {
  let records = 0;
  const clientId = `bench-deferred-${Date.now()}`;
  const client = await mqtt.connectAsync(url, { clientId, clean: false, ...login });
  let ids: number[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    const out = Buffer.allocUnsafe(ids.length * 4);
    ids.forEach((id, i) => {
      out[i * 4] = 0x40;
      out[i * 4 + 1] = 2;
      out.writeUInt16BE(id, i * 4 + 2);
    });
    ids = [];
    client.stream.write(out);
  };
  const deferred = new Error('PUBACK later');
  client.handleMessage = (packet, callback) => {
    records += batch;
    if (packet.qos === 1 && packet.messageId !== undefined) {
      ids.push(packet.messageId);
      if (ids.length >= 500) flush();
      else timer ??= setTimeout(flush, 20);
      callback(deferred);
    } else callback();
  };
  await client.subscribeAsync('lophoc/v1/+/+/+/telemetry', { qos: 1 });
  return {
    count: () => records,
    stop: async () => {
      clearTimeout(timer);
      await client.endAsync();
      await dropSession(url, clientId);
    },
  };
}

/**
 * Diagnostic consumer (`LOPHOC_INGEST_BENCH_CONSUMERS=…,stall`): the lean subscriber, but once per event-loop turn
 * that brought messages it holds its thread for `LOPHOC_INGEST_BENCH_STALL_MS` (3) ms — as the ingest's SQLite
 * commit does — and then PUBACKs them in one write. It stores nothing: what it costs the broker beyond the lean peer
 * is the price of a consumer that stops reading while it works.
 */
async function stallSubscriber(url: string, batch: number): Promise<{ count: () => number; stop: () => Promise<void> }> {
  const stallMs = Number(process.env.LOPHOC_INGEST_BENCH_STALL_MS ?? 3);
  let records = 0;
  const clientId = `bench-stall-${Date.now()}`;
  const client = new MqttClient({ url, clientId, clean: false, manualAcks: true, ...login });
  let ids: number[] = [];
  let scheduled = false;
  const work = () => {
    scheduled = false;
    const until = performance.now() + stallMs;
    while (performance.now() < until);
    client.ack(ids);
    ids = [];
  };
  client.on('message', (_topic, _payload, packet) => {
    records += batch;
    if (packet.qos === 1 && packet.messageId !== undefined) ids.push(packet.messageId);
    if (!scheduled) {
      scheduled = true;
      setImmediate(work);
    }
  });
  return { count: () => records, stop: await subscribedLean(url, clientId, client) };
}

export default async function runIngestBench(): Promise<void> {
  if (WORKER || BROKER) return;
  if (PIN) pin(process.pid, 1);
  const dir = await mkdtemp(join(tmpdir(), 'lophoc-ingest-bench-'));
  const registryFile = join(dir, 'registry.db');
  const registry = AUTH ? Registry.open(registryFile) : undefined;
  if (registry) {
    registry.addSite({ id: 'hcm', kind: 'city', name: 'Thành phố Hồ Chí Minh' });
    registry.addSite({ id: 'cho-quan', kind: 'ward', name: 'Phường Chợ Quán', parent: 'hcm' });
    registry.addSite({ id: SITE, kind: 'school', name: 'Trường đo hiệu năng', parent: 'cho-quan' });
    const { username, password } = await registry.ensureServiceAccount({ username: 'ops-center', role: 'service' });
    login = { username, password };
  }
  const brokerProcess = forkSelf({ LOPHOC_INGEST_BENCH_BROKER: '1', ...(registry ? { LOPHOC_INGEST_BENCH_REGISTRY: registryFile } : {}) });
  const broker: Broker = {
    url: await new Promise<string>((resolve) => brokerProcess.once('message', (url) => resolve(String(url)))),
    cpu: () =>
      new Promise<number>((resolve) => {
        brokerProcess.once('message', (cpu) => resolve(Number(cpu)));
        brokerProcess.send('cpu');
      }),
    gateways: [],
  };
  // Gateways named by process and number (gw-b0-0 …); with AUTH each is provisioned once (scrypt: ~50 ms each).
  for (let i = 0; i < PUBLISHERS; i++) {
    const nodes = Array.from({ length: GATEWAYS }, (_, g) => `gw-b${i}-${g}`);
    broker.gateways.push(
      await Promise.all(
        nodes.map(async (node) => {
          const account = await registry?.provisionNode({ site: SITE, node, kind: 'gateway' });
          return account ? { node, account } : { node };
        }),
      ),
    );
  }
  const postgres = CONSUMERS.includes('postgres') ? await startPostgres() : undefined;
  const lines: string[] = [];
  const fmt = (n: number | undefined) => (n === undefined ? '—' : Math.round(n).toLocaleString('en-US')).padStart(10);
  const cpu = (m: Measured | undefined) => (m ? `${m.consumerCpu.toFixed(1)}/${m.brokerCpu.toFixed(1)}` : '—').padStart(11);
  const busy = (m: Measured | undefined) => (m ? m.cpuBusy.map((share) => Math.round(share * 100)).join('/') : '—').padStart(12);
  let runs = 0;
  /** One consumer's figures; a fresh store and MQTT session each time. */
  const measure = async (consumer: string, batch: number, messages: number, rate = RATE): Promise<Measured> => {
    runs++;
    const peers = {
      'fan-in': bareSubscriber,
      'fan-in-lean': leanSubscriber,
      deferred: deferredSubscriber,
      stall: stallSubscriber,
    } as const;
    if (consumer in peers) {
      const peer = await peers[consumer as keyof typeof peers](broker.url, batch);
      const measured = await drive(broker, messages, batch, peer.count, rate);
      await peer.stop();
      return measured;
    }
    const store =
      consumer === 'sqlite'
        ? ({ kind: 'sqlite', file: join(dir, `ops-${runs}.db`) } as const)
        : ({ kind: 'postgres', url: postgres!.url } as const);
    const mqttClientId = `bench-ops-${consumer}-${runs}`;
    const ops = await startOpsCenter({
      dataDir: dir,
      mqttUrl: broker.url,
      mqttClientId,
      ...(login.username ? { mqttUsername: login.username, mqttPassword: login.password } : {}),
      port: 0,
      log,
      store,
      content: false,
      consoleDir: join(dir, 'none'),
    });
    const before = ops.ingest.stats.stored;
    const measured = await drive(broker, messages, batch, () => ops.ingest.stats.stored - before, rate);
    measured.perBatch = ops.ingest.stats.received / ops.ingest.stats.batches;
    await ops.stop();
    await dropSession(broker.url, mqttClientId);
    return measured;
  };
  const atRate = (name: string, m: Measured) =>
    `${name.padEnd(52)}${fmt(m.rate)}${`${m.lagMs!.toFixed(0)} ms`.padStart(10)}${`${m.backlogMs!.toFixed(0)} ms`.padStart(10)}${cpu(m)}${busy(m)}`;
  /** LOPHOC_INGEST_BENCH_KEEP_UP: the lean peer flat out, then each fraction of its median offered to every consumer. */
  const keepUp = async (batch: number, messages: number, label: string): Promise<string[]> => {
    const out: string[] = [];
    const flatOut: number[] = [];
    for (let round = 0; round < ROUNDS; round++) flatOut.push((await measure('fan-in-lean', batch, messages)).rate);
    const fanIn = median(flatOut);
    out.push(
      `${label}: the broker's QoS 1 fan-in to the lean peer, flat out: ${flatOut.map((rate) => Math.round(rate).toLocaleString('en-US')).join(' · ')} (median ${Math.round(fanIn).toLocaleString('en-US')} records/s)`,
    );
    for (const fraction of KEEP_UP!) {
      const offered = Math.round(fanIn * fraction);
      const byConsumer = new Map<string, Measured[]>(CONSUMERS.map((consumer) => [consumer, []]));
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 ? [...CONSUMERS].reverse() : CONSUMERS;
        for (const consumer of order) {
          const m = await measure(consumer, batch, messages, offered);
          byConsumer.get(consumer)!.push(m);
          out.push(atRate(`${label}, ${fraction.toFixed(2)} × fan-in, round ${round + 1}, ${consumer}`, m));
        }
      }
      const summary = [...byConsumer]
        .map(
          ([consumer, ms]) =>
            `${consumer} reached ${(median(ms.map((m) => m.rate)) / offered).toFixed(3)} of it, largest backlog ${Math.round(Math.max(...ms.map((m) => m.backlogMs!)))} ms, last lag ${Math.round(Math.max(...ms.map((m) => m.lagMs!)))} ms`,
        )
        .join('; ');
      out.push(`${label}, ${fraction.toFixed(2)} × fan-in = ${offered.toLocaleString('en-US')} records/s offered: ${summary}`);
    }
    return out;
  };
  try {
    for (const [batch, messages] of [
      [1, Math.round(12_000 * SCALE)],
      [10, Math.round(2_000 * SCALE)],
    ] as const) {
      const rates = new Map<string, number[]>(CONSUMERS.map((consumer) => [consumer, []]));
      /** SQLite ÷ each peer, per round */
      const ratios = { 'fan-in': [] as number[], 'fan-in-lean': [] as number[] };
      const label = batch === 1 ? '1 record/message' : `${batch} records/message`;
      await measure('fan-in', batch, messages); // warm-up (the broker's code, this process's MQTT.js)
      if (CONSUMERS.includes('fan-in-lean')) await measure('fan-in-lean', batch, messages); // and @lophoc/mqtt-client
      // and the ops-center's own code, cold in its first run like the broker's: that run was often a store's slowest.
      if (CONSUMERS.includes('sqlite')) await measure('sqlite', batch, messages);
      if (KEEP_UP) {
        lines.push(...(await keepUp(batch, messages, label)));
        continue;
      }
      for (let round = 0; round < ROUNDS; round++) {
        // Alternate the order so machine load drifting during a round does not always favour the same consumer.
        const order = round % 2 ? [...CONSUMERS].reverse() : CONSUMERS;
        const measured = new Map<string, Measured>();
        for (const consumer of order) measured.set(consumer, await measure(consumer, batch, messages));
        for (const [consumer, m] of measured) rates.get(consumer)!.push(m.rate);
        const sqlite = measured.get('sqlite');
        if (RATE) for (const [consumer, m] of measured) lines.push(atRate(`${label}, round ${round + 1}, ${consumer}`, m));
        for (const [name, what] of [
          ['deferred', 'deferred PUBACKs'],
          ['stall', 'stalled reads'],
        ] as const) {
          const diagnostic = measured.get(name);
          if (diagnostic)
            lines.push(
              `${`${label}, round ${round + 1}, ${what}`.padEnd(34)}${fmt(diagnostic.rate)}${''.padStart(56)}${cpu(diagnostic)}${busy(diagnostic)}`,
            );
        }
        const ratio = (peer: 'fan-in' | 'fan-in-lean') => {
          const other = measured.get(peer);
          if (!sqlite || !other) return '—'.padStart(8);
          ratios[peer].push(sqlite.rate / other.rate);
          return (sqlite.rate / other.rate).toFixed(2).padStart(8);
        };
        lines.push(
          `${`${label}, round ${round + 1}`.padEnd(34)}${fmt(sqlite?.rate)}${fmt(measured.get('postgres')?.rate)}${fmt(measured.get('fan-in')?.rate)}${fmt(measured.get('fan-in-lean')?.rate)}${ratio('fan-in')}${ratio('fan-in-lean')}${cpu(sqlite)}${cpu(measured.get('fan-in'))}${cpu(measured.get('fan-in-lean'))}${(sqlite?.perBatch?.toFixed(0) ?? '—').padStart(8)}${busy(sqlite)}${busy(measured.get('fan-in-lean'))}`,
        );
      }
      const medianOf = (consumer: string) => (rates.get(consumer)?.length ? median(rates.get(consumer)!) : undefined);
      const medianRatio = (values: number[]) => (values.length ? median(values).toFixed(2) : '—').padStart(8);
      lines.push(
        `${`${label}, median`.padEnd(34)}${fmt(medianOf('sqlite'))}${fmt(medianOf('postgres'))}${fmt(medianOf('fan-in'))}${fmt(medianOf('fan-in-lean'))}${medianRatio(ratios['fan-in'])}${medianRatio(ratios['fan-in-lean'])}`,
      );
    }
  } finally {
    brokerProcess.send('stop');
    await new Promise((resolve) => brokerProcess.once('exit', resolve));
    await postgres?.stop();
    registry?.close();
    await rm(dir, { recursive: true, force: true });
  }
  process.stdout.write(
    `\nIngest into the store vs the broker's QoS 1 fan-in (records/s, loopback, ${PUBLISHERS} publishers, ${ROUNDS} interleaved rounds${PIN ? ', consumer on CPU 1, broker and publishers on CPU 0' : ''};` +
      ' fan-in: bare MQTT.js subscriber, lean: bare @lophoc/mqtt-client subscriber; ÷: SQLite ÷ that peer per round;' +
      ' CPU µs per record of the consumer process / of the broker process; msg/txn: messages per SQLite transaction;' +
      ` busy: % of each CPU busy during SQLite's / lean's span, every process on the machine; load: ${LOAD} publishers;` +
      ` ${AUTH ? 'authentication and ACL on' : 'open broker'}; ${GATEWAYS} gateway${GATEWAYS > 1 ? 's' : ''} per publisher)\n`,
  );
  process.stdout.write(
    `${'case'.padEnd(34)}${['SQLite', 'Postgres', 'fan-in', 'lean'].map((h) => h.padStart(10)).join('')}${['÷fan-in', '÷lean'].map((h) => h.padStart(8)).join('')}${['CPU SQLite', 'CPU fan-in', 'CPU lean'].map((h) => h.padStart(11)).join('')}${'msg/txn'.padStart(8)}${['busy SQLite', 'busy lean'].map((h) => h.padStart(12)).join('')}\n`,
  );
  if (KEEP_UP)
    process.stdout.write(
      `Keep-up: fractions of the lean peer's flat-out median offered. Per consumer: records/s reached, lag (last publish → consumer has every record), largest backlog while publishing (ms of traffic), CPU, busy:\n`,
    );
  if (RATE)
    process.stdout.write(
      `Offered ${RATE.toLocaleString('en-US')} records/s in all. Per consumer: records/s reached, lag (last publish → consumer has every record), largest backlog while publishing (ms of traffic), CPU, busy:\n`,
    );
  for (const line of lines) process.stdout.write(`${line}\n`);
}

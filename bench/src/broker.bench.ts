import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Credentials, exportMosquitto, Registry, startBroker, withConstantTimeBacklog } from '@lophoc/broker';
import { Aedes } from 'aedes';
import mqemitter from 'mqemitter';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { startMosquitto } from '../../test/support/servers/mosquitto.js';
import { drainBacklog } from './broker-backlog.js';
import { rawPublisher, rawSubscribers, type SubscriberReport } from './broker-raw-load.js';

/**
 * Issue #5 targets, auth + ACL on for both: fan-in (many gateways → one ops-center subscriber) and fan-out
 * (one publisher → many operator subscribers), QoS 0 and 1, messages/s and latency; RSS per 1,000 idle
 * connections. Peers in the same run: Debian Mosquitto 2 (registry exported, `max_queued_messages` raised) and
 * plain aedes 1.2.0 (`Aedes.createBroker()`, no auth) for reference. Every broker runs in its own process; load
 * comes from WORKERS child processes on loopback; each phase is bounded (message count and a timeout).
 */
const SCALE = Number(process.env.LOPHOC_BROKER_BENCH_SCALE ?? 1);
const WORKERS = 3;
const GATEWAYS_PER_WORKER = 10;
const MESSAGES_PER_GATEWAY = Math.round(2000 * SCALE);
const FANOUT_SUBSCRIBERS_PER_WORKER = 10;
const FANOUT_MESSAGES = Math.round(2000 * SCALE);
const IDLE_CONNECTIONS = 1000;
const progress = (text: string) => process.stderr.write(`broker bench: ${text}\n`);
const PHASE_TIMEOUT_MS = 60_000;
const SITE = 'ttht-bench';

type Target = 'lophoc' | 'lophoc-v8-defaults' | 'mosquitto' | 'aedes-plain' | 'aedes-fifo' | 'node-floor';
interface ServerJob {
  target: 'lophoc' | 'lophoc-v8-defaults' | 'aedes-plain' | 'aedes-fifo' | 'node-floor';
  registryFile: string;
}
type WorkerJob =
  | { role: 'publish'; url: string; accounts: Credentials[]; messages: number; qos: 0 | 1 }
  | {
      role: 'subscribe';
      url: string;
      account: Credentials;
      clients: number;
      filter: string;
      qos: 0 | 1;
      expect: number;
      messagesPerGateway: number;
      session: 'clean' | 'persistent';
    }
  | { role: 'idle'; url: string; account: Credentials; clients: number; subscribe: number }
  | { role: 'hold'; url: string; account: Credentials; clients: number; timeoutMs: number; subscribe: number };

/** Which brokers and phases run (comma lists), and a CPU-profile directory for the Node brokers: for profiling. */
const TARGETS = (process.env.LOPHOC_BROKER_BENCH_TARGETS ?? 'lophoc,mosquitto,aedes-plain,aedes-fifo').split(',') as Target[];
const PHASES = (process.env.LOPHOC_BROKER_BENCH_PHASES ?? 'backlog,idle,fan-in,fan-out,capacity').split(',');
/** Connections held at once in the capacity phase: under the ~20,000 open files a process may have here. */
const CAPACITY = Number(process.env.LOPHOC_BROKER_BENCH_CAPACITY ?? 19_500);
const CAPACITY_WORKERS = 4;
const BACKLOGS = [10_000, 30_000, 60_000, 100_000];
/** Load phases alternate between the brokers this many times. */
const ROUNDS = Number(process.env.LOPHOC_BROKER_BENCH_ROUNDS ?? 2);
const CPU_PROF_DIR = process.env.LOPHOC_BROKER_BENCH_CPU_PROF;
/** An unrecorded warm-up round first (`LOPHOC_BROKER_BENCH_WARM_UP=0` to skip). */
const WARM_UP = process.env.LOPHOC_BROKER_BENCH_WARM_UP !== '0';
const QOS = (process.env.LOPHOC_BROKER_BENCH_QOS ?? '0,1').split(',').map(Number) as (0 | 1)[];
/**
 * Load clients of the fan-in and fan-out phases: `raw` (default) writes pre-encoded packets and reads only fixed
 * headers (bench/src/broker-raw-load.ts), so the load processes cost little next to the broker; `mqttjs` is MQTT.js,
 * as before 2026-11-29 (it cost 3–5 times the broker's CPU per message and set the rate on 2 cores).
 */
const LOAD = process.env.LOPHOC_BROKER_BENCH_LOAD === 'mqttjs' ? 'mqttjs' : 'raw';
/** QoS 1 messages a raw publisher leaves unacknowledged at most; by default all of them, as MQTT.js does. */
const WINDOW = Number(process.env.LOPHOC_BROKER_BENCH_WINDOW ?? 65_535);
/**
 * The fan-in subscriber's session: `clean` (default, as before) or `persistent` (`clean: false` and the same client
 * id every round, as the ops-center's ingest connects: the broker then keeps its QoS 1 messages in flight in its
 * session store). Raw load only.
 */
const SESSION = process.env.LOPHOC_BROKER_BENCH_SESSION === 'persistent' ? 'persistent' : 'clean';
/**
 * Topics each idle and held connection subscribes to at QoS 1 (`LOPHOC_BROKER_BENCH_IDLE_SUBSCRIBE`, default 0): 2
 * is a gateway that waits on its own `cmd` and `ack` (DESIGN §3). The node floor answers no SUBSCRIBE, so its clients
 * only connect.
 */
const IDLE_SUBSCRIBE = Number(process.env.LOPHOC_BROKER_BENCH_IDLE_SUBSCRIBE ?? 0);
/**
 * When the idle and capacity phases read the broker's RSS, in seconds after the last connection was made (comma
 * list, default 1): later readings show what V8's idle-time memory reducer and the garbage collector give back.
 */
const RSS_AFTER_S = (process.env.LOPHOC_BROKER_BENCH_RSS_AFTER ?? '1').split(',').map(Number);
/**
 * How long the broker is left alone before the reading its growth is measured from: as long as the latest
 * `RSS_AFTER_S` reading (at least 0.5 s), so that a settled reading after is taken against a settled reading before.
 * V8 gives back its young generation and old-space headroom only when its memory reducer runs, ~8 s after the last
 * collection; a before-reading taken sooner, against a settled after-reading, under-counts (negative figures).
 */
const SETTLE_BEFORE_MS = Math.max(500, ...RSS_AFTER_S.map((seconds) => seconds * 1000));
/** Messages a publisher writes per event-loop turn (as the MQTT.js publisher yields every 100). */
const BURST = 100;
/**
 * V8 flags of the LopHoc broker process: those its launcher sets (the `#!` line of broker/bin/lophoc-broker.js),
 * unless `LOPHOC_BROKER_BENCH_NODE_FLAGS` gives others. Target `lophoc-v8-defaults` is the same broker without them.
 */
const LAUNCHER_FLAGS = (await readFile(fileURLToPath(new URL('../../broker/bin/lophoc-broker.js', import.meta.url)), 'utf8'))
  .split('\n', 1)[0]
  ?.split(' ')
  .filter((word) => word.startsWith('--'));
const NODE_FLAGS = (process.env.LOPHOC_BROKER_BENCH_NODE_FLAGS?.split(' ') ?? LAUNCHER_FLAGS ?? []).filter(Boolean);

function forkSelf(env: Record<string, string>, execArgv: string[] = []): ChildProcess {
  return fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--import', 'tsx', ...execArgv],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

const nextMessage = <T>(child: ChildProcess) => new Promise<T>((resolve) => child.once('message', (message) => resolve(message as T)));

/** A broker under test in a process of its own; answers 'rss' with its resident set size, exits on 'stop'. */
async function runServer(job: ServerJob): Promise<void> {
  const log = pino({ level: 'silent' });
  let url: string;
  let stop: () => Promise<void>;
  if (job.target === 'lophoc' || job.target === 'lophoc-v8-defaults') {
    const broker = await startBroker({
      port: 0,
      log,
      registry: job.registryFile,
      limits: { connectionsPerAddress: { max: 100_000, windowMs: 1000 } },
    });
    url = broker.url;
    stop = broker.stop;
  } else if (job.target === 'node-floor') {
    // What Node itself costs per connection: a bare TCP server that keeps every socket and answers the first bytes
    // of each with a CONNACK (accepted), so the same MQTT.js clients connect to it. Idle and capacity phases only.
    const sockets: Socket[] = [];
    const connack = Buffer.from([0x20, 0x02, 0x00, 0x00]);
    const server = createServer((socket) => {
      sockets.push(socket);
      socket.once('data', () => socket.write(connack));
      socket.on('data', () => {});
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`;
    stop = async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
  } else {
    // aedes-fifo: the same plain aedes with the O(1) backlog queue in its mqemitter, nothing else changed.
    const aedes = await Aedes.createBroker(
      job.target === 'aedes-fifo' ? { mq: withConstantTimeBacklog(mqemitter({ concurrency: 100, matchEmptyLevels: true })) } : {},
    );
    const server = createServer(aedes.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`;
    stop = () => new Promise<void>((resolve) => aedes.close(() => server.close(() => resolve())));
  }
  process.on('message', async (message) => {
    if (message === 'rss') process.send?.(process.memoryUsage().rss);
    if (message === 'stop') {
      await stop();
      process.exit(0);
    }
  });
  process.send?.(url);
}

async function connectAll(url: string, options: mqtt.IClientOptions[]): Promise<MqttClient[]> {
  const clients: MqttClient[] = [];
  for (const option of options)
    clients.push(await mqtt.connectAsync(url, { reconnectPeriod: 0, protocolVersion: 4, keepalive: 600, ...option }));
  return clients;
}

/** Until `expect` messages are counted, nothing more came for 2 s after the first (QoS 0 drops), or the phase times out. */
async function untilReceived(count: () => number, expect: number): Promise<void> {
  const deadline = Date.now() + PHASE_TIMEOUT_MS;
  let previous = -1;
  let quietSince = Date.now();
  while (count() < expect && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (count() !== previous) {
      previous = count();
      quietSince = Date.now();
    } else if (previous > 0 && Date.now() - quietSince > 2000) break;
  }
}

/** Load generator / subscriber in a child process; reports to the parent through IPC. */
async function runWorker(job: WorkerJob): Promise<void> {
  if (job.role === 'publish' && LOAD === 'raw') {
    const publishers = await Promise.all(
      job.accounts.map((account) =>
        rawPublisher(job.url, account, {
          topic: `lophoc/v1/${SITE}/${account.username.split('.')[1]}/th-1/telemetry`,
          messages: job.messages,
          qos: job.qos,
          window: WINDOW,
          burst: BURST,
        }),
      ),
    );
    process.send?.('ready');
    await nextMessage<string>(process as unknown as ChildProcess);
    await Promise.all(publishers.map((publisher) => publisher.send()));
    process.send?.('sent');
    await nextMessage<string>(process as unknown as ChildProcess);
    await Promise.all(publishers.map((publisher) => publisher.end()));
    process.exit(0);
  }
  if (job.role === 'publish') {
    const clients = await connectAll(
      job.url,
      job.accounts.map((account) => ({ ...account, clientId: account.username })),
    );
    process.send?.('ready');
    await nextMessage<string>(process as unknown as ChildProcess);
    await Promise.all(
      clients.map(async (client, index) => {
        const account = job.accounts[index] as Credentials;
        const node = account.username.split('.')[1];
        const topic = `lophoc/v1/${SITE}/${node}/th-1/telemetry`;
        const sends: Promise<unknown>[] = [];
        for (let seq = 1; seq <= job.messages; seq++) {
          const payload = `{"v":1,"ts":${Date.now()},"seq":${seq},"values":{"temperature":30.5}}`;
          if (job.qos === 1) sends.push(client.publishAsync(topic, payload, { qos: 1 }));
          else client.publish(topic, payload, { qos: 0 });
          // Yield now and then so timestamps are taken close to the actual write.
          if (seq % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
        }
        await Promise.all(sends);
      }),
    );
    process.send?.('sent');
    await nextMessage<string>(process as unknown as ChildProcess);
    await Promise.all(clients.map((client) => client.endAsync()));
    process.exit(0);
  }
  if (job.role === 'subscribe' && LOAD === 'raw') {
    const subscribers = await rawSubscribers(job.url, job.account, {
      clients: job.clients,
      filter: job.filter,
      qos: job.qos,
      site: SITE,
      messagesPerGateway: job.messagesPerGateway,
      clientIdPrefix: job.session === 'persistent' ? 'ops-center-bench' : `sub-${process.pid}`,
      clean: job.session !== 'persistent',
    });
    process.send?.('ready');
    await untilReceived(() => subscribers.report().received, job.expect);
    process.send?.(subscribers.report());
    await nextMessage<string>(process as unknown as ChildProcess);
    await subscribers.end();
    process.exit(0);
  }
  if (job.role === 'subscribe') {
    const clients = await connectAll(
      job.url,
      Array.from({ length: job.clients }, (_, i) => ({ ...job.account, clientId: `sub-${process.pid}-${i}` })),
    );
    const latencies: number[] = [];
    let first = 0;
    let last = 0;
    for (const client of clients) {
      client.on('message', (_topic, payload) => {
        const now = Date.now();
        if (first === 0) first = now;
        last = now;
        latencies.push(now - (JSON.parse(payload.toString()) as { ts: number }).ts);
      });
      await client.subscribeAsync(job.filter, { qos: job.qos });
    }
    process.send?.('ready');
    await untilReceived(() => latencies.length, job.expect);
    const report: SubscriberReport = { received: latencies.length, duplicates: 0, malformed: 0, first, last, latencies };
    process.send?.(report);
    await nextMessage<string>(process as unknown as ChildProcess); // after the parent has read this process's CPU time
    await Promise.all(clients.map((client) => client.endAsync(true)));
    process.exit(0);
  }
  if (job.role === 'hold') {
    // As many as it can up to `clients`, stopping at the first refusal or error, or at the deadline.
    const held: MqttClient[] = [];
    const deadline = Date.now() + job.timeoutMs;
    let error: string | undefined;
    while (held.length < job.clients && Date.now() < deadline) {
      try {
        const clientId = `hold-${process.pid}-${held.length}`;
        const client = await mqtt.connectAsync(job.url, {
          ...job.account,
          clientId,
          reconnectPeriod: 0,
          protocolVersion: 4,
          keepalive: 600,
          connectTimeout: 10_000,
        });
        held.push(client);
        if (job.subscribe) await client.subscribeAsync(ownTopics(clientId, job.subscribe), { qos: 1 });
      } catch (e) {
        error = (e as Error).message;
        break;
      }
    }
    process.send?.({ held: held.length, error });
    await nextMessage<string>(process as unknown as ChildProcess);
    for (const client of held) client.end(true);
    process.exit(0);
  }
  const clients = await connectAll(
    job.url,
    Array.from({ length: job.clients }, (_, i) => ({ ...job.account, clientId: `idle-${process.pid}-${i}` })),
  );
  if (job.subscribe)
    for (const client of clients) await client.subscribeAsync(ownTopics(client.options.clientId ?? '', job.subscribe), { qos: 1 });
  process.send?.('ready');
  await nextMessage<string>(process as unknown as ChildProcess);
  await Promise.all(clients.map((client) => client.endAsync(true)));
  process.exit(0);
}

interface Result {
  rate: number;
  /** Broker CPU time (user + system) per message received, µs: steadier than the rate on a shared machine. */
  cpuUs?: number;
  /** The same for the load processes (publishers and subscribers) together. */
  clientCpuUs?: number;
  received: number;
  expected: number;
  /** Messages received more than once, or not as sent (raw load only counts these). */
  duplicates: number;
  malformed: number;
  p50: number;
  p99: number;
}

function summarise(reports: SubscriberReport[], expected: number): Result {
  const latencies = reports.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const first = Math.min(...reports.map((r) => r.first).filter((t) => t > 0));
  const last = Math.max(...reports.map((r) => r.last));
  const received = reports.reduce((sum, r) => sum + r.received, 0);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return {
    rate: received / Math.max(0.001, (last - first) / 1000),
    received,
    expected,
    duplicates: reports.reduce((sum, r) => sum + r.duplicates, 0),
    malformed: reports.reduce((sum, r) => sum + r.malformed, 0),
    p50: at(0.5),
    p99: at(0.99),
  };
}

type CpuClock = () => Promise<number>;

/** CPU seconds the load processes have used (a process that has already exited counts as 0). */
async function clientsCpu(children: ChildProcess[]): Promise<number> {
  const each = await Promise.all(children.map((child) => procCpu(child.pid ?? 0).catch(() => 0)));
  return each.reduce((sum, seconds) => sum + seconds, 0);
}

async function fanIn(url: string, gateways: Credentials[], subscriber: Credentials, qos: 0 | 1, cpu: CpuClock): Promise<Result> {
  const expected = gateways.length * MESSAGES_PER_GATEWAY;
  const sub = forkSelf({
    LOPHOC_BROKER_BENCH_WORKER: JSON.stringify({
      role: 'subscribe',
      url,
      account: subscriber,
      clients: 1,
      filter: 'lophoc/v1/#',
      qos,
      expect: expected,
      messagesPerGateway: MESSAGES_PER_GATEWAY,
      session: SESSION,
    }),
  });
  await nextMessage(sub);
  const publishers = Array.from({ length: WORKERS }, (_, w) =>
    forkSelf({
      LOPHOC_BROKER_BENCH_WORKER: JSON.stringify({
        role: 'publish',
        url,
        accounts: gateways.slice(w * GATEWAYS_PER_WORKER, (w + 1) * GATEWAYS_PER_WORKER),
        messages: MESSAGES_PER_GATEWAY,
        qos,
      }),
    }),
  );
  await Promise.all(publishers.map((p) => nextMessage(p)));
  const report = nextMessage<SubscriberReport>(sub);
  const clients = [sub, ...publishers];
  const cpuBefore = await cpu();
  const clientCpuBefore = await clientsCpu(clients);
  for (const p of publishers) p.send('go');
  const result = summarise([await report], expected);
  result.cpuUs = (((await cpu()) - cpuBefore) * 1e6) / Math.max(1, result.received);
  result.clientCpuUs = (((await clientsCpu(clients)) - clientCpuBefore) * 1e6) / Math.max(1, result.received);
  for (const child of clients) child.send('end');
  await Promise.all(publishers.map((p) => new Promise((resolve) => p.once('exit', resolve))));
  return result;
}

async function fanOut(url: string, publisher: Credentials, operator: Credentials, qos: 0 | 1, cpu: CpuClock): Promise<Result> {
  const expected = WORKERS * FANOUT_SUBSCRIBERS_PER_WORKER * FANOUT_MESSAGES;
  const subs = Array.from({ length: WORKERS }, () =>
    forkSelf({
      LOPHOC_BROKER_BENCH_WORKER: JSON.stringify({
        role: 'subscribe',
        url,
        account: operator,
        clients: FANOUT_SUBSCRIBERS_PER_WORKER,
        filter: `lophoc/v1/${SITE}/+/th-1/telemetry`,
        qos,
        expect: FANOUT_SUBSCRIBERS_PER_WORKER * FANOUT_MESSAGES,
        messagesPerGateway: FANOUT_MESSAGES,
        session: 'clean',
      }),
    }),
  );
  await Promise.all(subs.map((s) => nextMessage(s)));
  const pub = forkSelf({
    LOPHOC_BROKER_BENCH_WORKER: JSON.stringify({ role: 'publish', url, accounts: [publisher], messages: FANOUT_MESSAGES, qos }),
  });
  await nextMessage(pub);
  const reports = subs.map((s) => nextMessage<SubscriberReport>(s));
  const clients = [pub, ...subs];
  const cpuBefore = await cpu();
  const clientCpuBefore = await clientsCpu(clients);
  pub.send('go');
  const result = summarise(await Promise.all(reports), expected);
  result.cpuUs = (((await cpu()) - cpuBefore) * 1e6) / Math.max(1, result.received);
  result.clientCpuUs = (((await clientsCpu(clients)) - clientCpuBefore) * 1e6) / Math.max(1, result.received);
  for (const child of clients) child.send('end');
  await new Promise((resolve) => pub.once('exit', resolve));
  return result;
}

/** RSS growth over `before` (KiB) at each of RSS_AFTER_S seconds after `since`. */
async function rssSamples(rss: () => Promise<number>, before: number, since: number): Promise<number[]> {
  const kibs: number[] = [];
  for (const seconds of RSS_AFTER_S) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, since + seconds * 1000 - Date.now())));
    kibs.push(((await rss()) - before) / 1024);
  }
  return kibs;
}

const perConnection = (kibs: number[], connections: number) =>
  kibs.map((kib, i) => `${(kib / Math.max(1, connections)).toFixed(2)} KiB at ${RSS_AFTER_S[i]} s`).join(', ');

/** The topics an idle connection waits on, as a gateway waits on its `cmd` and `ack`. */
const ownTopics = (clientId: string, count: number) =>
  Array.from({ length: count }, (_, k) => `lophoc/v1/bench/${clientId}/${k === 0 ? 'cmd' : k === 1 ? 'ack' : `t${k}`}`);

async function idleRss(url: string, operator: Credentials, rss: () => Promise<number>, subscribe: number): Promise<number[]> {
  // One login first: the broker's first scrypt check (32 MiB, in a libuv thread whose malloc arena keeps it) is a
  // one-time cost of the account, not of a connection; later logins of the same account hit the login cache.
  const warm = await mqtt.connectAsync(url, { ...operator, clientId: `idle-warm-${process.pid}`, reconnectPeriod: 0, protocolVersion: 4 });
  await warm.endAsync();
  await new Promise((resolve) => setTimeout(resolve, SETTLE_BEFORE_MS));
  const before = await rss();
  const workers = Array.from({ length: WORKERS }, (_, w) =>
    forkSelf({
      LOPHOC_BROKER_BENCH_WORKER: JSON.stringify({
        role: 'idle',
        url,
        account: operator,
        clients: Math.ceil(IDLE_CONNECTIONS / WORKERS) + (w === 0 ? IDLE_CONNECTIONS - WORKERS * Math.ceil(IDLE_CONNECTIONS / WORKERS) : 0),
        subscribe,
      }),
    }),
  );
  await Promise.all(workers.map((w) => nextMessage(w)));
  const kibs = await rssSamples(rss, before, Date.now());
  for (const w of workers) w.send('end');
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('exit', resolve))));
  return kibs;
}

/** Connections one broker process holds at once, from CAPACITY_WORKERS processes, and its RSS growth for them. */
async function capacity(url: string, operator: Credentials, rss: () => Promise<number>, subscribe: number) {
  const warm = await mqtt.connectAsync(url, { ...operator, clientId: `hold-warm-${process.pid}`, reconnectPeriod: 0, protocolVersion: 4 });
  await warm.endAsync();
  await new Promise((resolve) => setTimeout(resolve, SETTLE_BEFORE_MS));
  const before = await rss();
  const started = Date.now();
  const workers = Array.from({ length: CAPACITY_WORKERS }, () =>
    forkSelf({
      LOPHOC_BROKER_BENCH_WORKER: JSON.stringify({
        role: 'hold',
        url,
        account: operator,
        clients: Math.ceil(CAPACITY / CAPACITY_WORKERS),
        timeoutMs: 180_000,
        subscribe,
      }),
    }),
  );
  const reports = await Promise.all(workers.map((w) => nextMessage<{ held: number; error?: string }>(w)));
  const seconds = (Date.now() - started) / 1000;
  const kibs = await rssSamples(rss, before, Date.now());
  for (const w of workers) w.send('end');
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('exit', resolve))));
  const held = reports.reduce((sum, r) => sum + r.held, 0);
  return { held, seconds, kibs, error: reports.find((r) => r.error)?.error };
}

async function openFileLimit(): Promise<string> {
  const limits = await readFile('/proc/self/limits', 'utf8');
  return /Max open files\s+(\d+)/.exec(limits)?.[1] ?? 'unknown';
}

/** CPU seconds (user + system) a process has used, from /proc (clock ticks of 10 ms). */
async function procCpu(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function procRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

export default async function runBrokerBench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lophoc-broker-bench-'));
  const registryFile = join(dir, 'registry.db');
  const registry = Registry.open(registryFile);
  registry.addSite({ id: 'hcm', kind: 'city', name: 'Thành phố Hồ Chí Minh' });
  registry.addSite({ id: 'cho-quan', kind: 'ward', name: 'Phường Chợ Quán', parent: 'hcm' });
  registry.addSite({ id: SITE, kind: 'school', name: 'Trường đo hiệu năng', parent: 'cho-quan' });
  const gateways: Credentials[] = [];
  for (let i = 0; i < WORKERS * GATEWAYS_PER_WORKER; i++)
    gateways.push(await registry.provisionNode({ site: SITE, node: `gw-${i}`, kind: 'gateway' }));
  const service = await registry.ensureServiceAccount({ username: 'ops-center', role: 'service' });
  const operator = await registry.ensureServiceAccount({ username: 'operator-bench', role: 'operator' });
  const files = await exportMosquitto(registry, join(dir, 'mosquitto'));
  registry.close();

  const rows: string[] = [];
  const format = (n: number) => Math.round(n).toLocaleString('en-US');
  const line = (target: Target, phase: string, r: Result) => {
    rows.push(
      `${phase.padEnd(16)}${target.padEnd(13)}${format(r.rate).padStart(10)}${`${r.p50}/${r.p99}`.padStart(14)}${`${r.received}/${r.expected}${r.duplicates + r.malformed > 0 ? ` (+${r.duplicates} dup, ${r.malformed} bad)` : ''}`.padStart(16)}${(r.cpuUs === undefined ? '—' : r.cpuUs.toFixed(1)).padStart(12)}${(r.clientCpuUs === undefined ? '—' : r.clientCpuUs.toFixed(1)).padStart(12)}`,
    );
    progress(rows.at(-1) ?? '');
  };
  const memory: string[] = [];
  const held: string[] = [];
  const backlog: string[] = [];
  if (PHASES.includes('backlog')) {
    for (const messages of BACKLOGS) {
      const fifo = await drainBacklog('fifo', messages, PHASE_TIMEOUT_MS);
      const stock = await drainBacklog('stock', messages, PHASE_TIMEOUT_MS);
      const ms = (t: number | undefined) => (t === undefined ? `> ${PHASE_TIMEOUT_MS}` : format(t));
      backlog.push(
        `${format(messages).padStart(8)}${ms(stock).padStart(12)}${ms(fifo).padStart(12)}${(stock && fifo ? `${(stock / fifo).toFixed(1)}×` : '—').padStart(10)}`,
      );
      progress(`backlog ${backlog.at(-1)}`);
    }
  }

  interface Running {
    url: string;
    pid: number;
    rss: () => Promise<number>;
    stop: () => Promise<void>;
  }
  const startTarget = async (target: Target): Promise<Running> => {
    if (target === 'mosquitto') {
      const mosquitto = await startMosquitto({
        passwordFile: files.passwordFile,
        aclFile: files.aclFile,
        extraConfig: ['max_connections -1'],
      });
      return { url: mosquitto.url, pid: mosquitto.pid, rss: () => procRss(mosquitto.pid), stop: mosquitto.stop };
    }
    const server = forkSelf({ LOPHOC_BROKER_BENCH_SERVER: JSON.stringify({ target, registryFile }) }, [
      ...(target === 'lophoc' ? NODE_FLAGS : []),
      ...(CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`] : []),
    ]);
    const url = await nextMessage<string>(server);
    return {
      url,
      pid: server.pid ?? 0,
      rss: async () => {
        server.send('rss');
        return nextMessage<number>(server);
      },
      stop: async () => {
        server.send('stop');
        await new Promise((resolve) => server.once('exit', resolve));
      },
    };
  };
  // Every broker is up for the whole run and the load phases alternate between them, round after round, so a
  // change in the machine's load (it is shared) spreads over all of them instead of favouring whichever ran first.
  const brokers = new Map<Target, Running>();
  const rates = new Map<string, number[]>();
  const cpus = new Map<string, number[]>();
  try {
    for (const target of TARGETS) brokers.set(target, await startTarget(target));
    const each = async (phase: string, run: (target: Target, broker: Running) => Promise<void>) => {
      for (const [target, broker] of brokers) {
        // The floor is no broker: it only holds connections.
        if (target === 'node-floor' && !phase.startsWith('idle') && !phase.startsWith('connections held')) continue;
        progress(`${target} ${phase}`);
        await run(target, broker);
      }
    };
    // Idle memory first, on fresh brokers: after the load phases the garbage collector blurs the figure.
    if (PHASES.includes('idle'))
      await each('idle connections', async (target, broker) => {
        const kibs = await idleRss(broker.url, operator, broker.rss, target === 'node-floor' ? 0 : IDLE_SUBSCRIBE);
        memory.push(
          `${target.padEnd(13)}${perConnection(kibs, IDLE_CONNECTIONS)} per idle connection (${format((kibs[0] ?? 0) / 1024)} MiB for ${IDLE_CONNECTIONS} at ${RSS_AFTER_S[0]} s)`,
        );
        progress(memory.at(-1) ?? '');
      });
    const record = (target: Target, phase: string, result: Result) => {
      line(target, phase, result);
      rates.set(`${phase}|${target}`, [...(rates.get(`${phase}|${target}`) ?? []), result.rate]);
      cpus.set(`${phase}|${target}`, [...(cpus.get(`${phase}|${target}`) ?? []), result.cpuUs ?? Number.NaN]);
    };
    // One unrecorded round per broker and QoS first: the Node brokers compile their hot paths (JIT) during the
    // first messages, a one-time cost of a process that then runs for days.
    if (WARM_UP && PHASES.includes('fan-in'))
      for (const qos of QOS)
        await each(
          `warm-up fan-in QoS ${qos}`,
          async (_target, broker) => void (await fanIn(broker.url, gateways, service, qos, () => procCpu(broker.pid))),
        );
    for (let round = 1; round <= ROUNDS; round++) {
      for (const qos of PHASES.includes('fan-in') ? QOS : [])
        await each(`fan-in QoS ${qos} (round ${round})`, async (target, broker) =>
          record(target, `fan-in QoS ${qos}`, await fanIn(broker.url, gateways, service, qos, () => procCpu(broker.pid))),
        );
      for (const qos of PHASES.includes('fan-out') ? QOS : [])
        await each(`fan-out QoS ${qos} (round ${round})`, async (target, broker) =>
          record(
            target,
            `fan-out QoS ${qos}`,
            await fanOut(broker.url, gateways[0] as Credentials, operator, qos, () => procCpu(broker.pid)),
          ),
        );
    }
    if (PHASES.includes('capacity'))
      await each(`connections held (up to ${CAPACITY})`, async (target, broker) => {
        const r = await capacity(broker.url, operator, broker.rss, target === 'node-floor' ? 0 : IDLE_SUBSCRIBE);
        held.push(
          `${target.padEnd(13)}${format(r.held).padStart(8)} held in ${r.seconds.toFixed(0)} s, RSS +${format((r.kibs[0] ?? 0) / 1024)} MiB at ${RSS_AFTER_S[0]} s; per connection ${perConnection(r.kibs, r.held)}${r.error ? ` (stopped: ${r.error})` : ''}`,
        );
        progress(held.at(-1) ?? '');
      });
  } finally {
    for (const broker of brokers.values()) await broker.stop();
  }
  await rm(dir, { recursive: true, force: true });
  process.stdout.write(
    `\nBroker, auth + ACL on (lophoc, mosquitto); plain aedes 1.2.0 without auth for reference. ${WORKERS} load processes (${LOAD === 'raw' ? `raw MQTT, QoS 1 window ${WINDOW}, fan-in subscriber session ${SESSION}` : 'MQTT.js'}), ` +
      `${WORKERS * GATEWAYS_PER_WORKER} gateways × ${MESSAGES_PER_GATEWAY} msgs fan-in; 1 publisher × ${FANOUT_MESSAGES} msgs → ` +
      `${WORKERS * FANOUT_SUBSCRIBERS_PER_WORKER} subscribers fan-out\n`,
  );
  process.stdout.write(
    `${'phase'.padEnd(16)}${'broker'.padEnd(13)}${'msg/s'.padStart(10)}${'p50/p99 ms'.padStart(14)}${'received'.padStart(16)}${'CPU µs/msg'.padStart(12)}${'load µs/msg'.padStart(12)}\n`,
  );
  for (const row of rows) process.stdout.write(`${row}\n`);
  const ratios = [...rates.keys()]
    .filter((key) => key.endsWith('|lophoc'))
    .map((key) => {
      const phase = key.split('|')[0] as string;
      const ours = rates.get(key) ?? [];
      const theirs = rates.get(`${phase}|mosquitto`) ?? [];
      const each = ours.map((rate, i) => (theirs[i] ? (rate / theirs[i]).toFixed(2) : '—'));
      const ourCpu = cpus.get(key) ?? [];
      const theirCpu = cpus.get(`${phase}|mosquitto`) ?? [];
      const cpuEach = ourCpu.map((us, i) => (theirCpu[i] ? (us / theirCpu[i]).toFixed(2) : '—'));
      return `${phase.padEnd(16)}${each.join(', ')} (round by round); broker CPU per message ${cpuEach.join(', ')}`;
    });
  if (ratios.length > 0 && brokers.has('mosquitto')) process.stdout.write(`\nlophoc ÷ mosquitto\n${ratios.join('\n')}\n`);
  const subscribed = IDLE_SUBSCRIBE ? `, each subscribed to ${IDLE_SUBSCRIBE} topic(s) of its own at QoS 1` : '';
  process.stdout.write(`\nRSS growth with ${IDLE_CONNECTIONS} idle connections${subscribed}\n`);
  for (const row of memory) process.stdout.write(`${row}\n`);
  if (held.length > 0) {
    process.stdout.write(
      `\nConnections one process holds (asked ${format(CAPACITY)}, ${CAPACITY_WORKERS} client processes, open-file cap per process ${await openFileLimit()}${subscribed})\n`,
    );
    for (const row of held) process.stdout.write(`${row}\n`);
  }
  if (backlog.length > 0) {
    process.stdout.write(
      `\nmqemitter backlog drain (concurrency 100, messages emitted at once, ms until the last delivery)\n${'messages'.padStart(8)}${'stock 7.1'.padStart(12)}${'O(1) queue'.padStart(12)}${'speed-up'.padStart(10)}\n`,
    );
    for (const row of backlog) process.stdout.write(`${row}\n`);
  }
}

// Child-process roles (after every declaration above, so nothing is used before it is initialised). A child whose
// parent is gone exits, so an interrupted run leaves nothing behind.
const SERVER = process.env.LOPHOC_BROKER_BENCH_SERVER;
const WORKER = process.env.LOPHOC_BROKER_BENCH_WORKER;
if (SERVER || WORKER) process.once('disconnect', () => process.exit(0));
if (SERVER) await runServer(JSON.parse(SERVER) as ServerJob);
if (WORKER) await runWorker(JSON.parse(WORKER) as WorkerJob);

import { type ChildProcess, fork, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBroker } from '@lophoc/broker';
import { openPtyPair, type PtyPair } from '@lophoc/simulators';
import mqtt from 'mqtt';
import pino from 'pino';
import { SerialPort } from 'serialport';
import { agentUnitFile, nodeFlagsOfUnit } from '../../edge-agent/src/unit-node-flags.js';
import { buildDaemon } from '../../scripts/src/build-daemons.js';
import { loggedReady, rssMiB } from './processes.js';

/**
 * Issue #3 target: CPU per delivered reading at most 0.2× Node-RED's at the same rate, idle RSS at most half.
 * Job, the same for both: PORTS serial ports (socat pty pairs) each receive text lines `T=23.4\n` from load
 * generator processes at RATE lines/s in total; the consumer reads each port, parses the line with a regex and
 * publishes the reading over MQTT at QoS 1 to an aedes broker in its own process; a subscriber counts the readings
 * delivered (the elements of a packed array count one each).
 * - ours: lophoc-agent as production runs it (`node FLAGS edge-agent/bin/lophoc-agent.js run --config FILE`, FLAGS
 *   those of the shipped systemd unit's ExecStart; the launcher runs the
 *   esbuild bundle `npm run build` writes; this bench builds it first): SerialLink → LineDecoder → streamed reading
 *   (a line profile reading without a request) → telemetry → SQLite outbox with synchronous=FULL → MQTT, once per
 *   gateway config in VARIANTS: `default` (one reading per message, 20 ms write delay, 10 ms serial read gap),
 *   `pack50` (`mqtt.recordsPerMessage: 50`: a device's telemetry packed into arrays), `batched` (also
 *   `outbox.writeDelayMs: 250` and `serialReadGapMs: 50`: fewer, larger transactions, messages and reads, for up to
 *   ~300 ms more latency);
 * - peer: Node-RED 4.1.15 (its own process) with node-red-node-serialport: serial in → function (regex) → mqtt out,
 *   one message per reading.
 * CPU is user+system time of the consumer process (/proc/PID/stat) over the load window; RSS from /proc/PID/status.
 * Idle RSS is read twice with no lines flowing: 3 s after the consumer is ready ("start-up") and IDLE_S seconds after
 * ("settled", the target's figure): V8 shrinks a heap left grown by start-up only once its memory reducer has run,
 * 8 s after the last collection (V8 flag --gc-memory-reducer-start-delay-ms), and a gateway idles for hours.
 * Knobs: LOPHOC_DEVICES_BENCH_RATES=5000 (comma list), LOPHOC_DEVICES_BENCH_PEER=0 (ours only),
 * LOPHOC_DEVICES_BENCH_VARIANTS=default,batched (which of our configs),
 * LOPHOC_DEVICES_BENCH_CPU_PROFILE=DIR (the agent runs with --cpu-prof into DIR), LOPHOC_DEVICES_BENCH_NODE_FLAGS
 * (node flags for the agent in place of the unit's, e.g. `--semi-space-growth-factor=1`; empty: none),
 * LOPHOC_DEVICES_BENCH_IDLE_S=20 (when the settled idle RSS is read, seconds after ready; at least 3),
 * LOPHOC_DEVICES_BENCH_FLOOR=0 (skip the floor row: a process that only loads the agent's packages, `measureFloor`).
 */
const PORTS = 10;
const RATES = (process.env.LOPHOC_DEVICES_BENCH_RATES ?? '1000,5000').split(',').map(Number);
const WITH_PEER = process.env.LOPHOC_DEVICES_BENCH_PEER !== '0';
/** Gateway configs our agent is measured with, by name: the defaults, packed telemetry, and packed + batched reads. */
interface Variant {
  recordsPerMessage: number;
  outbox?: { writeDelayMs: number };
  serialReadGapMs?: number;
}
const VARIANTS: Record<string, Variant> = {
  default: { recordsPerMessage: 1 },
  pack50: { recordsPerMessage: 50 },
  batched: { recordsPerMessage: 50, outbox: { writeDelayMs: 250 }, serialReadGapMs: 50 },
};
const RUN_VARIANTS = (process.env.LOPHOC_DEVICES_BENCH_VARIANTS ?? Object.keys(VARIANTS).join(',')).split(',');
const CPU_PROFILE = process.env.LOPHOC_DEVICES_BENCH_CPU_PROFILE;
const ROOT = join(import.meta.dirname, '..', '..');
const WINDOW_MS = 10_000;
const IDLE_S = Math.max(3, Number(process.env.LOPHOC_DEVICES_BENCH_IDLE_S ?? 20));
const AGENT_NODE_FLAGS =
  process.env.LOPHOC_DEVICES_BENCH_NODE_FLAGS !== undefined
    ? process.env.LOPHOC_DEVICES_BENCH_NODE_FLAGS.split(' ').filter(Boolean)
    : nodeFlagsOfUnit(await readFile(agentUnitFile, 'utf8'));
const ROLE = process.env.LOPHOC_DEVICES_BENCH_ROLE;
const log = pino({ level: 'silent' });
const TICK = 100; // clock ticks per second of /proc/PID/stat on Linux

if (ROLE === 'broker') await runBroker();
if (ROLE === 'load') await runLoad(JSON.parse(process.env.LOPHOC_DEVICES_BENCH_JOB!) as LoadJob);

interface LoadJob {
  paths: string[];
  linesPerSecondPerPort: number;
  durationMs: number;
}

async function runBroker(): Promise<void> {
  const broker = await startBroker({ port: 0, log });
  process.send?.(broker.url);
  process.once('message', async () => {
    await broker.stop();
    process.exit(0);
  });
}

/** Writes lines to the device ends of its ports in 10 ms bursts until the duration is over, then exits. */
async function runLoad(job: LoadJob): Promise<void> {
  const ports = await Promise.all(
    job.paths.map(
      (path) =>
        new Promise<SerialPort>((resolve, reject) => {
          const port = new SerialPort({ path, baudRate: 115200 }, (error) => (error ? reject(error) : resolve(port)));
        }),
    ),
  );
  process.send?.('ready');
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  const start = Date.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = Date.now() - start;
      if (elapsed >= job.durationMs) {
        clearInterval(timer);
        return resolve();
      }
      const due = Math.floor((elapsed / 1000) * job.linesPerSecondPerPort);
      const lines: string[] = [];
      for (; sent < due; sent++) lines.push(`T=${(20 + (sent % 150) / 10).toFixed(1)}\n`);
      if (lines.length > 0) for (const port of ports) port.write(lines.join(''));
    }, 10);
  });
  await Promise.all(ports.map((port) => new Promise<void>((resolve) => port.drain(() => port.close(() => resolve())))));
  process.send?.(sent * ports.length);
  process.exit(0);
}

function forkSelf(role: string, job?: unknown): ChildProcess {
  return fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, LOPHOC_DEVICES_BENCH_ROLE: role, ...(job ? { LOPHOC_DEVICES_BENCH_JOB: JSON.stringify(job) } : {}) },
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
}

function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve(message as T));
    child.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
  });
}

async function cpuMs(pid: number): Promise<number> {
  const { user, system } = await cpuSplitMs(pid);
  return user + system;
}

async function cpuSplitMs(pid: number): Promise<{ user: number; system: number }> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: (Number(fields[11]) * 1000) / TICK, system: (Number(fields[12]) * 1000) / TICK }; // utime, stime
}

interface Consumer {
  pid: number;
  stop(): Promise<void>;
}

interface Measure {
  offered: number;
  delivered: number;
  cpuUsPerReading: number;
  /** CPU over the load window, user and kernel, ms. */
  userMs: number;
  systemMs: number;
  /** CPU while idle (no lines), ms per second. */
  idleCpuMsPerS: number;
  /** 3 s after ready. */
  startupRssMiB: number;
  /** IDLE_S after ready: the idle figure. */
  idleRssMiB: number;
  loadRssMiB: number;
}

async function measure(
  name: string,
  rate: number,
  brokerUrl: string,
  topic: string,
  startConsumer: (paths: string[]) => Promise<Consumer>,
): Promise<Measure> {
  const dir = await mkdtemp(join(tmpdir(), `lophoc-bench-dev-${name}-`));
  const pairs: PtyPair[] = [];
  for (let i = 0; i < PORTS; i++) pairs.push(await openPtyPair(dir, `p${i}`));
  const counter = await mqtt.connectAsync(brokerUrl, { clientId: `count-${name}-${rate}` });
  let delivered = 0;
  // A packed telemetry message is a JSON array of readings: each counts.
  counter.on('message', (_, payload: Buffer) => {
    delivered += payload[0] === 0x5b ? (JSON.parse(payload.toString()) as unknown[]).length : 1;
  });
  await counter.subscribeAsync(topic, { qos: 1 });
  const consumer = await startConsumer(pairs.map((pair) => pair.host));
  const ready = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const idleCpuBefore = await cpuMs(consumer.pid);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const idleCpuMsPerS = ((await cpuMs(consumer.pid)) - idleCpuBefore) / 2;
  const startupRssMiB = await rssMiB(consumer.pid);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, ready + IDLE_S * 1000 - Date.now())));
  const idleRssMiB = await rssMiB(consumer.pid);
  const loaders = [0, 1].map((i) =>
    forkSelf('load', {
      paths: pairs.filter((_, j) => j % 2 === i).map((p) => p.device),
      linesPerSecondPerPort: rate / PORTS,
      durationMs: WINDOW_MS,
    }),
  );
  await Promise.all(loaders.map((loader) => nextMessage(loader)));
  const before = delivered;
  const cpuBefore = await cpuSplitMs(consumer.pid);
  const sentCounts = loaders.map((loader) => nextMessage<number>(loader));
  for (const loader of loaders) loader.send('go');
  const offered = (await Promise.all(sentCounts)).reduce((a, b) => a + b, 0);
  // Let the consumer finish what was sent (at most 5 s more), counting its CPU for it.
  const target = before + offered;
  const deadline = Date.now() + 5000;
  while (delivered < target && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  const cpuAfter = await cpuSplitMs(consumer.pid);
  const userMs = cpuAfter.user - cpuBefore.user;
  const systemMs = cpuAfter.system - cpuBefore.system;
  const cpu = userMs + systemMs;
  const loadRssMiB = await rssMiB(consumer.pid);
  const got = delivered - before;
  await consumer.stop();
  await counter.endAsync();
  for (const pair of pairs) await pair.close();
  await rm(dir, { recursive: true, force: true });
  return {
    offered,
    delivered: got,
    cpuUsPerReading: (cpu * 1000) / Math.max(1, got),
    userMs,
    systemMs,
    idleCpuMsPerS,
    startupRssMiB,
    idleRssMiB,
    loadRssMiB,
  };
}

/** The agent as production runs it: the bin launcher, a YAML config, the daemon's own logger and signals. */
async function startOurs(brokerUrl: string, paths: string[], variant: Variant): Promise<Consumer> {
  const { recordsPerMessage, ...settings } = variant;
  const dir = await mkdtemp(join(tmpdir(), 'lophoc-bench-agent-'));
  const profiles = join(dir, 'profiles');
  await mkdir(profiles, { recursive: true });
  await writeFile(
    join(profiles, 'bench-line-sensor.yaml'),
    [
      'id: bench-line-sensor',
      'vendor: LopHoc',
      'model: benchmark line sensor',
      'category: sensor',
      'transport: { serial: { baudRate: 115200 } }',
      'codec: { kind: line, terminator: "\\n" }',
      'readings: # streamed: no request, every line the regex matches is a reading',
      "  - { name: temperature, unit: °C, parse: { regex: '^T=(-?\\d+\\.\\d)$' } }",
    ].join('\n'),
  );
  const config = join(dir, 'agent.yaml');
  await writeFile(
    config,
    // JSON is YAML.
    JSON.stringify({
      site: 'bench',
      node: 'gw-bench',
      // The default pace (500/s) is for replaying a backlog; here the agent may publish as fast as readings come.
      mqtt: { url: brokerUrl, maxPublishRate: 50_000, recordsPerMessage },
      ...settings,
      dataDir: join(dir, 'agent'),
      profilesDir: profiles,
      healthIntervalS: 3600,
      devices: paths.map((port, i) => ({ id: `s-${i}`, profile: 'bench-line-sensor', port })),
    }),
  );
  const flags = [...(CPU_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROFILE] : []), ...AGENT_NODE_FLAGS];
  const child = spawn(process.execPath, [...flags, join(ROOT, 'edge-agent', 'bin', 'lophoc-agent.js'), 'run', '--config', config], {
    env: { ...process.env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const orphan = () => child.kill('SIGKILL');
  process.once('exit', orphan);
  // The daemon logs JSON lines on stderr; it is ready once it says so.
  await loggedReady(child, 'gateway started', 'lophoc-agent');
  return {
    pid: child.pid!,
    async stop() {
      // An agent that already died (it crashed, or was killed) has no 'exit' left to wait for.
      const exited =
        child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      process.off('exit', orphan);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function startNodeRed(brokerUrl: string, paths: string[]): Promise<Consumer> {
  const require = createRequire(import.meta.url);
  const red = join(dirname(require.resolve('node-red/package.json')), 'red.js');
  const dir = await mkdtemp(join(tmpdir(), 'lophoc-bench-nodered-'));
  const { hostname, port } = new URL(brokerUrl);
  const flow: Record<string, unknown>[] = [
    { id: 'tab', type: 'tab', label: 'bench' },
    {
      id: 'broker',
      type: 'mqtt-broker',
      broker: hostname,
      port,
      clientid: '',
      protocolVersion: '4',
      keepalive: '60',
      cleansession: true,
      autoConnect: true,
    },
    {
      id: 'parse',
      type: 'function',
      z: 'tab',
      outputs: 1,
      func: "const m = /^T=(-?\\d+\\.\\d)$/.exec(String(msg.payload).trim());\nif (!m) return null;\nmsg.topic = 'nodered/bench/' + msg.port;\nmsg.payload = JSON.stringify({ ts: Date.now(), value: Number(m[1]) });\nreturn msg;",
      wires: [['out']],
    },
    { id: 'out', type: 'mqtt out', z: 'tab', topic: '', qos: '1', retain: 'false', broker: 'broker', wires: [] },
  ];
  paths.forEach((path, i) => {
    flow.push({
      id: `port${i}`,
      type: 'serial-port',
      serialport: path,
      serialbaud: '115200',
      databits: '8',
      parity: 'none',
      stopbits: '1',
      waitfor: '',
      newline: '\\n',
      bin: 'false',
      out: 'char',
      addchar: '',
      responsetimeout: '10000',
    });
    flow.push({ id: `in${i}`, type: 'serial in', z: 'tab', serial: `port${i}`, wires: [['parse']] });
  });
  await writeFile(join(dir, 'flows.json'), JSON.stringify(flow));
  await writeFile(
    join(dir, 'settings.js'),
    `module.exports = { uiHost: '127.0.0.1', uiPort: 0, httpAdminRoot: false, httpNodeRoot: false, flowFile: 'flows.json', credentialSecret: false, logging: { console: { level: 'info' } } };\n`,
  );
  const child = spawn(process.execPath, [red, '--userDir', dir, '--settings', join(dir, 'settings.js')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  // Ready when its MQTT client is connected (it publishes nothing before): wait for the broker to see it.
  const probe = await mqtt.connectAsync(brokerUrl, { clientId: 'nodered-probe' });
  const deadline = Date.now() + 30_000;
  await new Promise((resolve) => setTimeout(resolve, 4000));
  while (Date.now() < deadline && !/Started flows/.test(output)) await new Promise((resolve) => setTimeout(resolve, 200));
  await probe.endAsync();
  if (!/Started flows/.test(output)) {
    child.kill('SIGKILL');
    throw new Error(`Node-RED did not start: ${output.slice(-2000)}`);
  }
  return {
    pid: child.pid!,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The floor under our idle figure: a node process with the unit's flags that loads what the agent's bundle loads
 * (its node: modules, better-sqlite3, serialport) and opens two SQLite files in WAL mode as the agent does (outbox,
 * commands), and nothing else; RSS read at 3 s and IDLE_S like the consumers.
 */
async function measureFloor(): Promise<{ startupRssMiB: number; idleRssMiB: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'lophoc-bench-floor-'));
  const code = `
    for (const m of ['child_process', 'crypto', 'dgram', 'events', 'fs', 'fs/promises', 'module', 'net', 'path', 'tls', 'tty', 'url', 'util']) await import('node:' + m);
    const { createRequire } = await import('node:module');
    const require = createRequire(${JSON.stringify(join(ROOT, 'edge-agent', 'package.json'))});
    const Database = require('better-sqlite3');
    require('serialport');
    for (const name of ['outbox', 'commands']) {
      const db = new Database(${JSON.stringify(dir)} + '/' + name + '.db');
      db.pragma('journal_mode = WAL');
      db.exec('CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v BLOB)');
    }
    process.stderr.write('floor ready\\n');
    setInterval(() => {}, 1 << 30);`;
  const child = spawn(process.execPath, [...AGENT_NODE_FLAGS, '--input-type=module', '-e', code], { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => (chunk.toString().startsWith('floor ready') ? resolve() : undefined));
      child.once('exit', (exitCode) => reject(new Error(`floor process exited with ${exitCode}`)));
    });
    const ready = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const startupRssMiB = await rssMiB(child.pid!);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, ready + IDLE_S * 1000 - Date.now())));
    return { startupRssMiB, idleRssMiB: await rssMiB(child.pid!) };
  } finally {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
}

export default async function devicesBench(): Promise<void> {
  const built = await buildDaemon('edge-agent');
  process.stdout.write(`built ${built.file} (${(built.bytes / 1024).toFixed(0)} KiB)\n`);
  const broker = forkSelf('broker');
  const brokerUrl = await nextMessage<string>(broker);
  const rows: string[] = [];
  // Idle only: measured before any load so nothing else runs beside it.
  const floor = process.env.LOPHOC_DEVICES_BENCH_FLOOR === '0' ? undefined : await measureFloor();
  const results: Record<string, Measure> = {};
  try {
    for (const rate of RATES) {
      const ours: [string, Measure][] = [];
      for (const name of RUN_VARIANTS) {
        const variant = VARIANTS[name];
        if (!variant) throw new Error(`LOPHOC_DEVICES_BENCH_VARIANTS: unknown "${name}" (known: ${Object.keys(VARIANTS).join(', ')})`);
        const topic = 'lophoc/v1/bench/gw-bench/+/telemetry';
        ours.push([name, await measure('ours', rate, brokerUrl, topic, (paths) => startOurs(brokerUrl, paths, variant))]);
      }
      const peer = WITH_PEER
        ? await measure('nodered', rate, brokerUrl, 'nodered/bench/#', (paths) => startNodeRed(brokerUrl, paths))
        : {
            offered: 0,
            delivered: 0,
            cpuUsPerReading: Number.NaN,
            userMs: Number.NaN,
            systemMs: Number.NaN,
            idleCpuMsPerS: Number.NaN,
            startupRssMiB: Number.NaN,
            idleRssMiB: Number.NaN,
            loadRssMiB: Number.NaN,
          };
      results[`peer-${rate}`] = peer;
      for (const [name, m] of ours) {
        results[`ours-${rate}-${name}`] = m;
        rows.push(
          `${`${rate} lines/s, ${name}`.padEnd(30)}` +
            `${`${m.delivered}/${m.offered}`.padStart(14)}${`${peer.delivered}/${peer.offered}`.padStart(14)}` +
            `${m.cpuUsPerReading.toFixed(0).padStart(10)}${peer.cpuUsPerReading.toFixed(0).padStart(10)}${(m.cpuUsPerReading / peer.cpuUsPerReading).toFixed(2).padStart(8)}` +
            `${m.startupRssMiB.toFixed(1).padStart(9)}${peer.startupRssMiB.toFixed(1).padStart(9)}${(m.startupRssMiB / peer.startupRssMiB).toFixed(2).padStart(8)}` +
            `${m.idleRssMiB.toFixed(1).padStart(9)}${peer.idleRssMiB.toFixed(1).padStart(9)}${(m.idleRssMiB / peer.idleRssMiB).toFixed(2).padStart(8)}` +
            `${m.loadRssMiB.toFixed(0).padStart(9)}${peer.loadRssMiB.toFixed(0).padStart(9)}`,
        );
      }
    }
  } finally {
    broker.send('stop');
  }
  process.stdout.write(
    `\nDevices: serial line → parse → MQTT publish (QoS 1), ${PORTS} ports; ours = lophoc-agent in the configs ${RUN_VARIANTS.map((name) => `${name} ${JSON.stringify(VARIANTS[name])}`).join(', ')}; agent node flags: ${AGENT_NODE_FLAGS.join(' ') || '(none)'}; peer = Node-RED 4.1.15 + node-red-node-serialport (one reading per message); idle RSS 3 s and ${IDLE_S} s after ready\n`,
  );
  process.stdout.write(
    `${'case'.padEnd(30)}${'ours got'.padStart(14)}${'peer got'.padStart(14)}${'µs/reading'.padStart(10)}${'peer'.padStart(10)}${'ratio'.padStart(8)}${'3 s MiB'.padStart(9)}${'peer'.padStart(9)}${'ratio'.padStart(8)}${`${IDLE_S} s MiB`.padStart(9)}${'peer'.padStart(9)}${'ratio'.padStart(8)}${'load MiB'.padStart(9)}${'peer'.padStart(9)}\n`,
  );
  for (const row of rows) process.stdout.write(`${row}\n`);
  if (floor) {
    process.stdout.write(
      `${'floor (no agent code)'.padEnd(30)}${''.padStart(58)}${floor.startupRssMiB.toFixed(1).padStart(9)}${''.padStart(17)}${floor.idleRssMiB.toFixed(1).padStart(9)}\n`,
    );
  }
  process.stdout.write('CPU over the load window, user / kernel ms; CPU while idle, ms per s:\n');
  for (const [name, m] of Object.entries(results)) {
    if (Number.isNaN(m.userMs)) continue;
    process.stdout.write(`  ${name.padEnd(18)} ${m.userMs.toFixed(0)} / ${m.systemMs.toFixed(0)}; idle ${m.idleCpuMsPerS.toFixed(1)}\n`);
  }
}

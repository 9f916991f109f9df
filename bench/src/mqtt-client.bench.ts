import { fork } from 'node:child_process';
import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { MqttClient } from '@lophoc/mqtt-client';
import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { PacketDecoder } from '../../mqtt-client/src/codec.js';
import { startMosquitto } from '../../test/support/servers/mosquitto.js';
import { rssMiB } from './processes.js';

/**
 * @lophoc/mqtt-client beside MQTT.js as a subscriber (the ops-center ingest's job, issue #6; the agent's idle
 * memory, issue #3): each subscriber runs alone in its own process, subscribed at QoS 1 to Mosquitto, while a raw
 * publisher process pushes N QoS 1 messages as fast as Mosquitto takes them. Printed: the subscriber's CPU per
 * message (user + kernel, from its first message to its last), messages per second, and its RSS once connected.
 * Knobs: LOPHOC_MQTT_CLIENT_BENCH_MESSAGES (default 200000), LOPHOC_MQTT_CLIENT_BENCH_ROUNDS (default 3),
 * LOPHOC_MQTT_CLIENT_BENCH_CPU_PROFILE=DIR (subscribers run with --cpu-prof into DIR), LOPHOC_MQTT_CLIENT_BENCH_DECODE_ONLY=1. The RSS column includes tsx's
 * loader (the subscribers run TypeScript): compare the two, not with a bundled daemon.
 * Then the decoders alone, in this process: the same QoS 1 PUBLISHes as one stream cut into reads of a given size,
 * parsed by mqtt-packet's parser (what this client used before codec.ts, and what MQTT.js uses) and by codec.ts.
 */
const MESSAGES = Number(process.env.LOPHOC_MQTT_CLIENT_BENCH_MESSAGES ?? 200_000);
const ROUNDS = Number(process.env.LOPHOC_MQTT_CLIENT_BENCH_ROUNDS ?? 3);
const ROLE = process.env.LOPHOC_MQTT_CLIENT_BENCH_ROLE;
const PAYLOAD = '{"v":1,"seq":123456,"ts":1764380000000,"device":"th-1","reading":"temperature","value":28.5}';

type Client = 'ours' | 'mqtt.js';
interface Result {
  cpuUs: number;
  wallMs: number;
}

if (ROLE === 'subscriber')
  await subscriber(process.env.LOPHOC_MQTT_CLIENT_BENCH_CLIENT as Client, process.env.LOPHOC_MQTT_CLIENT_BENCH_URL!);
if (ROLE === 'publisher') await publisher(process.env.LOPHOC_MQTT_CLIENT_BENCH_URL!);

/** The i-th QoS 1 PUBLISH both benches send: 20 topics, message ids cycling through 1..65,535. */
function benchPublish(i: number): Buffer {
  return mqttPacket.generate({
    cmd: 'publish',
    topic: `bench/${i % 20}`,
    payload: PAYLOAD,
    qos: 1,
    messageId: (i % 65_535) + 1,
    retain: false,
    dup: false,
  });
}

async function subscriber(which: Client, url: string): Promise<void> {
  let received = 0;
  let start: NodeJS.CpuUsage | undefined;
  let startedAt = 0;
  const onMessage = () => {
    if (received++ === 0) {
      start = process.cpuUsage();
      startedAt = performance.now();
    }
    if (received === MESSAGES) {
      const cpu = process.cpuUsage(start);
      process.send!({ done: { cpuUs: cpu.user + cpu.system, wallMs: performance.now() - startedAt } satisfies Result }, () =>
        process.exit(0),
      );
    }
  };
  if (which === 'ours') {
    const client = new MqttClient({ url, clientId: 'bench-sub' });
    client.on('message', onMessage);
    client.on('error', () => {});
    await new Promise((resolve) => {
      client.once('connect', resolve);
      client.connect();
    });
    await client.subscribe([{ topic: 'bench/#', qos: 1 }]);
  } else {
    const client = await mqtt.connectAsync(url, { clientId: 'bench-sub', reconnectPeriod: 0, writeCache: false, log: () => undefined });
    client.on('message', onMessage);
    client.on('error', () => {});
    await client.subscribeAsync('bench/#', { qos: 1 });
  }
  process.send!({ ready: true });
}

/** CONNECT, then N QoS 1 PUBLISHes written as fast as the socket takes them; PUBACKs read and dropped. */
async function publisher(url: string): Promise<void> {
  const { hostname, port } = new URL(url);
  const socket = netConnect(Number(port), hostname);
  socket.on('data', () => {});
  await once(socket, 'connect');
  socket.write(
    mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'bench-pub', clean: true, keepalive: 0 }),
  );
  for (let i = 0; i < MESSAGES; i++) {
    if (!socket.write(benchPublish(i))) await once(socket, 'drain');
  }
  socket.end();
  await once(socket, 'close');
  process.exit(0);
}

async function round(which: Client, url: string): Promise<Result & { rssMiB: number }> {
  const self = fileURLToPath(import.meta.url);
  const env = { ...process.env, LOPHOC_MQTT_CLIENT_BENCH_URL: url, LOPHOC_MQTT_CLIENT_BENCH_CLIENT: which };
  const profile = process.env.LOPHOC_MQTT_CLIENT_BENCH_CPU_PROFILE;
  const sub = fork(self, [], {
    execArgv: ['--import', 'tsx', ...(profile ? ['--cpu-prof', '--cpu-prof-dir', profile] : [])],
    env: { ...env, LOPHOC_MQTT_CLIENT_BENCH_ROLE: 'subscriber' },
  });
  const messages: { ready?: true; done?: Result }[] = [];
  const next = () =>
    new Promise<void>((resolve, reject) => {
      sub.once('message', (message) => {
        messages.push(message as (typeof messages)[number]);
        resolve();
      });
      sub.once('exit', (code) => reject(new Error(`subscriber exited with ${code}`)));
    });
  await next();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const rss = await rssMiB(sub.pid!);
  const done = next();
  fork(self, [], { execArgv: ['--import', 'tsx'], env: { ...env, LOPHOC_MQTT_CLIENT_BENCH_ROLE: 'publisher' } });
  await done;
  return { ...messages[1]!.done!, rssMiB: rss };
}

export default async function mqttClientBench(): Promise<void> {
  if (ROLE) return;
  if (process.env.LOPHOC_MQTT_CLIENT_BENCH_DECODE_ONLY !== '1') await subscriberBench();
  decodeBench();
}

async function subscriberBench(): Promise<void> {
  process.stdout.write(
    `\nmqtt-client: ${MESSAGES.toLocaleString('en')} QoS 1 messages from Mosquitto to one subscriber, ${ROUNDS} rounds\n`,
  );
  process.stdout.write(`${'client'.padEnd(10)}${'µs CPU/msg'.padStart(12)}${'msg/s'.padStart(10)}${'RSS MiB'.padStart(10)}\n`);
  const summary: Record<Client, number[]> = { ours: [], 'mqtt.js': [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const which of ['ours', 'mqtt.js'] as const) {
      const mosquitto = await startMosquitto();
      try {
        const result = await round(which, mosquitto.url);
        const perMessage = result.cpuUs / MESSAGES;
        summary[which].push(perMessage);
        process.stdout.write(
          `${which.padEnd(10)}${perMessage.toFixed(2).padStart(12)}${Math.round((MESSAGES / result.wallMs) * 1000)
            .toLocaleString('en')
            .padStart(10)}${result.rssMiB.toFixed(1).padStart(10)}\n`,
        );
      } finally {
        await mosquitto.stop();
      }
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  process.stdout.write(
    `median µs CPU/msg: ours ${median(summary.ours).toFixed(2)}, MQTT.js ${median(summary['mqtt.js']).toFixed(2)} (ratio ${(median(summary.ours) / median(summary['mqtt.js'])).toFixed(2)})\n`,
  );
}

/** CPU per packet of mqtt-packet's parser and codec.ts's decoder over the same stream of QoS 1 PUBLISHes. */
function decodeBench(): void {
  const packets = 200_000;
  const stream = Buffer.concat(Array.from({ length: packets }, (_, i) => benchPublish(i)));
  process.stdout.write(
    `\ndecoding ${packets.toLocaleString('en')} QoS 1 PUBLISHes (${stream.length / packets} bytes each), µs CPU per packet, median of 5\n`,
  );
  process.stdout.write(`${'read size'.padEnd(12)}${'mqtt-packet'.padStart(12)}${'codec.ts'.padStart(12)}\n`);
  for (const readSize of [65_536, 1_460, 300]) {
    const reads: Buffer[] = [];
    for (let at = 0; at < stream.length; at += readSize) reads.push(stream.subarray(at, at + readSize));
    const times: Record<'theirs' | 'ours', number[]> = { theirs: [], ours: [] };
    for (let r = 0; r < 5; r++) {
      let seen = 0;
      const parser = mqttPacket.parser({ protocolVersion: 4 });
      parser.on('packet', () => seen++);
      let start = process.cpuUsage();
      for (const read of reads) parser.parse(read);
      let cpu = process.cpuUsage(start);
      times.theirs.push((cpu.user + cpu.system) / packets);
      const decoder = new PacketDecoder(() => seen++);
      start = process.cpuUsage();
      for (const read of reads) decoder.push(read);
      cpu = process.cpuUsage(start);
      times.ours.push((cpu.user + cpu.system) / packets);
      if (seen !== 2 * packets) throw new Error(`decode bench: ${seen} packets seen, ${2 * packets} expected`);
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[2]!;
    process.stdout.write(
      `${String(readSize).padEnd(12)}${median(times.theirs).toFixed(3).padStart(12)}${median(times.ours).toFixed(3).padStart(12)}\n`,
    );
  }
}

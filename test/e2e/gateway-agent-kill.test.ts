import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningOpsCenter, startOpsCenter } from '@lophoc/ops-center';
import { openPtyPair, type PtyPair, startXyMd02, XyMd02State } from '@lophoc/simulators';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, ROOT, type Spawned, spawnTs, waitForPort } from '../support/processes.js';

const log = pino({ level: 'silent' });
const SITE = 'ttht-an-dong';
const NODE = 'gw-p9';

/**
 * An XY-MD02 whose temperature register counts up by one on every answer, so each reading the agent takes is
 * unique and the test knows which readings were taken, and when.
 */
class CountingXyMd02 extends XyMd02State {
  private next = 1;
  readonly answered: { value: number; at: number }[] = [];

  override readInput(address: number): number | undefined {
    if (address !== 0x0001) return super.readInput(address);
    const value = this.next++;
    this.answered.push({ value, at: Date.now() });
    return value;
  }
}

/**
 * DESIGN §5, "nothing is lost", on the real agent process: `lophoc-agent run` polls a simulated XY-MD02 on a socat pty
 * and is killed with SIGKILL several times, twice while the broker (Mosquitto) is also down; the ops-center must end
 * up with every seq the agent ever allocated exactly once, and every reading the sensor answered except those the
 * agent was killed before it could commit.
 */
describe('the gateway agent killed with SIGKILL while the broker is also down', () => {
  let dir: string;
  let pair: PtyPair;
  let sensor: Awaited<ReturnType<typeof startXyMd02>>;
  const state = new CountingXyMd02();
  let port: number;
  let broker: ChildProcess | undefined;
  let ops: RunningOpsCenter;
  let config: string;
  let agent: Spawned | undefined;

  const startMosquitto = async () => {
    const file = join(dir, 'mosquitto.conf');
    await writeFile(file, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 100000\n`);
    broker = spawn('/usr/sbin/mosquitto', ['-c', file], { stdio: 'ignore' });
    await waitForPort(port);
  };
  const killBroker = async () => {
    const exited = new Promise((resolve) => broker!.once('exit', resolve));
    broker!.kill('SIGKILL');
    await exited;
  };
  const startAgent = () => {
    agent = spawnTs('edge-agent/src/main.ts', ['run', '--config', config], {});
  };
  const kills: number[] = [];
  const killAgent = async () => {
    const running = agent!;
    expect(running.child.exitCode, `the agent died on its own: ${running.stderr()}`).toBeNull();
    kills.push(Date.now());
    running.child.kill('SIGKILL');
    expect((await running.exit).signal).toBe('SIGKILL');
  };
  const outboxFile = () => join(dir, 'agent', 'outbox.db');
  /** Seqs the agent has allocated so far and records still in its outbox, read beside the running agent (WAL). */
  const outbox = () => {
    const db = new Database(outboxFile(), { readonly: true });
    try {
      const { value } = db.prepare<[], { value: number }>("SELECT value FROM meta WHERE key = 'next_seq'").get()!;
      const { n } = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM records').get()!;
      return { allocated: value - 1, depth: n };
    } finally {
      db.close();
    }
  };
  const stored = () => ops.ingest.stats.stored;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const waitFor = async (what: string, condition: () => boolean, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms; agent stderr: ${agent?.stderr()}`);
      if (agent?.child.exitCode != null) throw new Error(`${what}: the agent exited with ${agent.child.exitCode}: ${agent.stderr()}`);
      await sleep(50);
    }
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-agent-kill-'));
    pair = await openPtyPair(dir, 'th');
    sensor = await startXyMd02(pair.device, state);
    port = await freePort();
    await startMosquitto();
    ops = await startOpsCenter({ dataDir: join(dir, 'ops'), mqttUrl: `mqtt://127.0.0.1:${port}`, port: 0, log, consoleDir: dir });
    // The shipped profile, polled every 100 ms (the schema's least) instead of every 5 s.
    const profiles = join(dir, 'profiles');
    await mkdir(profiles);
    const shipped = await readFile(join(ROOT, 'device-profiles', 'profiles', 'xy-md02.yaml'), 'utf8');
    expect(shipped).toContain('intervalMs: 5000');
    await writeFile(join(profiles, 'xy-md02.yaml'), shipped.replaceAll('intervalMs: 5000', 'intervalMs: 100'));
    config = join(dir, 'agent.yaml');
    await writeFile(
      config,
      [
        `site: ${SITE}`,
        `node: ${NODE}`,
        `mqtt: { url: "mqtt://127.0.0.1:${port}", maxPublishRate: 5000 }`,
        `dataDir: ${join(dir, 'agent')}`,
        `profilesDir: ${profiles}`,
        'healthIntervalS: 3600',
        'devices:',
        `  - { id: th-1, profile: xy-md02, port: ${pair.host} }`,
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    agent?.child.kill('SIGKILL');
    await ops?.stop();
    broker?.kill('SIGKILL');
    await sensor?.stop();
    await pair?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores every seq exactly once, with no reading missing but those the agent was killed before committing', async () => {
    startAgent();
    await waitFor('first readings stored', () => stored() >= 10);

    // Killed mid-stream, twice, at an arbitrary moment; readings are not taken while it is dead.
    for (let round = 0; round < 2; round++) {
      await sleep(200 + Math.random() * 800);
      await killAgent();
      await sleep(300);
      const before = stored();
      startAgent();
      await waitFor(`readings stored after restart ${round + 1}`, () => stored() >= before + 10);
    }

    // The broker dies; the agent keeps reading into its outbox, is killed, restarted, killed again, all offline.
    await killBroker();
    const brokerDown = Date.now();
    await sleep(700);
    await killAgent();
    startAgent();
    const allocatedBefore = outbox().allocated;
    await waitFor('readings taken while the broker is down', () => outbox().allocated >= allocatedBefore + 10);
    await sleep(Math.random() * 500);
    await killAgent();
    startAgent();
    const allocatedAgain = outbox().allocated;
    await waitFor('readings taken while the broker is still down', () => outbox().allocated >= allocatedAgain + 10);
    const brokerUp = Date.now();
    await startMosquitto();
    const afterOutage = stored();
    await waitFor('the backlog delivered after the broker came back', () => stored() >= afterOutage + 40);

    // One more kill with the backlog just delivered and readings streaming.
    await killAgent();
    startAgent();
    const beforeLast = stored();
    await waitFor('readings stored after the last restart', () => stored() >= beforeLast + 10);

    // The end: the sensor stops answering, the outbox drains, the agent is stopped properly.
    // Drained means empty and staying so: a reading the sensor answered just before it was unplugged may still be
    // on its way into the outbox when the outbox is first seen empty (the ops-center's ack can be that quick).
    state.unplugged = true;
    let lastAllocated = -1;
    let quietSince = Date.now();
    await waitFor('the outbox drained and no reading taken for 1.5 s', () => {
      const { allocated, depth } = outbox();
      if (allocated !== lastAllocated) {
        lastAllocated = allocated;
        quietSince = Date.now();
      }
      return depth === 0 && Date.now() - quietSince >= 1500;
    });
    agent!.child.kill('SIGTERM');
    expect((await agent!.exit).code).toBe(0);
    await ops.ingest.drain();

    const { allocated, depth } = outbox();
    expect(depth).toBe(0);
    const db = new Database(join(dir, 'ops', 'ops-center.db'), { readonly: true });
    const seqs = db
      .prepare<[string, string], { seq: number }>('SELECT seq FROM records WHERE site = ? AND node = ? ORDER BY seq')
      .all(SITE, NODE)
      .map((row) => row.seq);
    const readings = db
      .prepare<[string, string], { seq: number; ts: number; value: number }>(
        `SELECT r.seq, r.ts, s.value FROM records r JOIN samples s
           ON s.site = r.site AND s.node = r.node AND s.device = r.device AND s.ts = r.ts AND s.name = 'temperature'
         WHERE r.site = ? AND r.node = ? AND r.kind = 'telemetry' ORDER BY r.seq`,
      )
      .all(SITE, NODE);
    db.close();

    // Every seq the agent allocated, across six processes, is stored exactly once: 1..allocated, no gap.
    expect(allocated).toBeGreaterThan(80);
    expect(seqs).toEqual(Array.from({ length: allocated }, (_, i) => i + 1));
    // Readings were taken while the broker was down, and reached the store.
    expect(readings.filter(({ ts }) => ts > brokerDown && ts < brokerUp).length).toBeGreaterThanOrEqual(20);

    // Every reading stored is one the sensor answered, once; a reading it answered is missing only if the agent was
    // killed right then (answered, not yet committed to the outbox).
    const values = readings.map(({ value }) => Math.round(value * 10));
    expect(new Set(values).size).toBe(values.length);
    const answered = new Map(state.answered.map(({ value, at }) => [value, at]));
    expect(values.filter((value) => !answered.has(value))).toEqual([]);
    const storedValues = new Set(values);
    const missing = state.answered.filter(({ value }) => !storedValues.has(value));
    const unexplained = missing.filter(({ at }) => !kills.some((kill) => Math.abs(kill - at) < 2000));
    expect(unexplained).toEqual([]);
    expect(missing.length).toBeLessThanOrEqual(kills.length * 3);
    expect(kills).toHaveLength(5);
  }, 180_000);
});

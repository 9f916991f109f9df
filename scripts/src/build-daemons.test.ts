import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startBroker } from '@lophoc/broker';
import { openPtyPair, type PtyPair, startXyMd02 } from '@lophoc/simulators';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFresh } from '../bin/launch-daemon.js';
import { buildDaemon } from './build-daemons.js';

const ROOT = join(import.meta.dirname, '..', '..');

function run(file: string, args: string[]) {
  const child = spawn(process.execPath, [file, ...args], { cwd: tmpdir(), env: { ...process.env, LOG_LEVEL: 'warn' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exit, stdout: () => stdout, stderr: () => stderr };
}

/** The compiled edge agent (what `npm run build` writes and `bin/lophoc-agent.js` runs), as its own process. */
describe('the bundled edge agent', () => {
  let dir: string;
  let outDir: string;
  let bundle: string;
  let pair: PtyPair;
  let sensor: Awaited<ReturnType<typeof startXyMd02>>;
  let broker: Awaited<ReturnType<typeof startBroker>>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-bundle-'));
    // Inside the repo, so the bundle's npm imports resolve from node_modules as in production.
    outDir = join(ROOT, 'edge-agent', 'dist', `test-${process.pid}`);
    bundle = join(ROOT, (await buildDaemon('edge-agent', outDir)).file);
    pair = await openPtyPair(dir, 'th');
    sensor = await startXyMd02(pair.device);
    broker = await startBroker({ port: 0, log: pino({ level: 'silent' }) });
  }, 60_000);
  afterAll(async () => {
    await sensor?.stop();
    await pair?.close();
    await broker?.stop();
    await rm(outDir, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  });

  const writeConfig = async (url: string) => {
    const config = join(dir, 'agent.yaml');
    await writeFile(
      config,
      [
        'site: ttht-an-dong',
        'node: gw-p3',
        `mqtt: { url: "${url}" }`,
        `dataDir: ${join(dir, 'data')}`,
        'devices:',
        `  - { id: th-1, profile: xy-md02, port: ${pair.host} }`,
        '',
      ].join('\n'),
    );
    return config;
  };

  it('is plain JavaScript that finds the shipped profiles and reads a device (test DEVICE)', async () => {
    const config = await writeConfig('mqtt://127.0.0.1:1');
    const test = run(bundle, ['test', 'th-1', '--config', config]);
    expect(await test.exit).toBe(0);
    expect(test.stdout().trim()).toBe('PASS th-1 (xy-md02): {"temperature":30.5,"humidity":54.6}');
  }, 30_000);

  it('runs the daemon: telemetry reaches the broker, SIGTERM stops it cleanly', async () => {
    const config = await writeConfig(broker.url);
    const watcher = await mqtt.connectAsync(broker.url, { clientId: 'bundle-watch' });
    const telemetry = new Promise<{ values: Record<string, number> }>((resolve) =>
      watcher.on('message', (_topic, payload) => resolve(JSON.parse(payload.toString()))),
    );
    await watcher.subscribeAsync('lophoc/v1/ttht-an-dong/gw-p3/th-1/telemetry', { qos: 1 });
    const daemon = run(bundle, ['run', '--config', config]);
    try {
      const first = await telemetry;
      const record = Array.isArray(first) ? first[0] : first;
      expect(record.values).toEqual({ temperature: 30.5, humidity: 54.6 });
    } finally {
      daemon.child.kill('SIGTERM');
      expect(await daemon.exit).toBe(0);
      await watcher.endAsync();
    }
    expect(daemon.stderr()).not.toMatch(/error/i);
  }, 30_000);
});

describe('launchDaemon freshness', () => {
  it('uses the bundle only while it is newer than every source it was built from', async () => {
    const root = await mkdtemp(join(tmpdir(), 'lophoc-fresh-'));
    try {
      await mkdir(join(root, 'ws', 'dist'), { recursive: true });
      await mkdir(join(root, 'ws', 'src'), { recursive: true });
      const source = join(root, 'ws', 'src', 'main.ts');
      const bundle = join(root, 'ws', 'dist', 'main.js');
      await writeFile(source, 'export {};\n');
      await writeFile(bundle, 'export {};\n');
      await writeFile(join(root, 'ws', 'dist', 'main.inputs.json'), JSON.stringify(['ws/src/main.ts']));
      const rootUrl = pathToFileURL(`${root}/`);
      await utimes(source, new Date(1_000_000), new Date(1_000_000));
      expect(isFresh(pathToFileURL(bundle), rootUrl)).toBe(true);
      await utimes(source, new Date(), new Date(Date.now() + 60_000)); // edited after the build
      expect(isFresh(pathToFileURL(bundle), rootUrl)).toBe(false);
      await rm(source);
      expect(isFresh(pathToFileURL(bundle), rootUrl)).toBe(false);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openPtyPair, type PtyPair } from '@lophoc/simulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDaemon } from '../../../scripts/src/build-daemons.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
/**
 * Packages only the start-up helper and Modbus devices need, and pino (the daemon logs through scripts/src/logger.ts):
 * the idle daemon must not carry them (issue #3).
 */
const KEPT_OUT = ['zod', 'yaml', 'modbus-serial', 'pino'];

/*
 * The bundled daemon as production runs it, with a `--import` hook that logs every module its process resolves
 * (ESM loader hooks; the start-up helper is a child process started without the hook, so its loads are not in
 * the log). What the daemon's process loaded is therefore what it keeps in memory for its whole life.
 */
const REGISTER = `import { register } from 'node:module';
register('./hooks.mjs', import.meta.url, { data: { log: process.env.LOPHOC_MODULE_LOG } });
`;
const HOOKS = `import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  appendFileSync(log, result.url + '\\n');
  return result;
}
`;

describe('the daemon process after start', () => {
  let dir: string;
  let outDir: string;
  let bundle: string;
  const ptys: PtyPair[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-modules-'));
    outDir = join(ROOT, 'edge-agent', 'dist', `modules-test-${process.pid}`);
    bundle = join(ROOT, (await buildDaemon('edge-agent', outDir)).file);
    await writeFile(join(dir, 'register.mjs'), REGISTER);
    await writeFile(join(dir, 'hooks.mjs'), HOOKS);
    for (const name of ['projector', 'reader', 'th']) ptys.push(await openPtyPair(dir, name));
  }, 60_000);
  afterAll(async () => {
    for (const pty of ptys) await pty.close();
    await rm(outDir, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  });

  const config = async (name: string, devices: string[], extra: string[] = []) => {
    const file = join(dir, `${name}.yaml`);
    const lines = ['site: ttht-an-dong', 'node: gw-p3', 'mqtt: { url: "mqtt://127.0.0.1:1" }', `dataDir: ${join(dir, name)}`, ...extra];
    await writeFile(file, [...lines, 'devices:', ...devices.map((device) => `  - ${device}`), ''].join('\n'));
    return file;
  };

  /** Runs the daemon until it has started its devices; the package names its process resolved, and its stderr. */
  const run = async (configFile: string) => {
    const log = join(dir, `modules-${Date.now()}.log`);
    await writeFile(log, '');
    const child = spawn(
      process.execPath,
      ['--import', pathToFileURL(join(dir, 'register.mjs')).href, bundle, 'run', '--config', configFile],
      {
        cwd: dir,
        env: { ...process.env, LOG_LEVEL: 'info', LOPHOC_MODULE_LOG: log },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const started = new Promise<boolean>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('gateway started')) resolve(true);
      });
      void exit.then(() => resolve(false));
    });
    const ok = await started;
    if (ok) {
      await new Promise((resolve) => setTimeout(resolve, 1000)); // the drivers' first polls and reconnects
      child.kill('SIGTERM');
    }
    const code = await exit;
    const urls = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
    const packages = new Set(urls.map((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1]).filter(Boolean));
    return { started: ok, code, stderr, packages };
  };

  it('with serial line and frame devices, has not loaded zod, yaml, modbus-serial or pino', async () => {
    const file = await config(
      'line',
      [`{ id: projector, profile: epson-escvp21, port: ${ptys[0]!.host} }`, `{ id: reader, profile: rdm6300, port: ${ptys[1]!.host} }`],
      [`privacy: { secretFile: ${join(dir, 'secret')} }`],
    );
    await writeFile(join(dir, 'secret'), 'ab'.repeat(32), { mode: 0o600 });
    const { started, packages, stderr } = await run(file);
    expect(started, stderr).toBe(true);
    const line = stderr.split('\n').find((line) => line.includes('gateway started'));
    expect(JSON.parse(line!)).toMatchObject({ level: 30, name: 'lophoc-agent', site: 'ttht-an-dong', msg: 'gateway started' }); // the log works
    expect(packages).toContain('serialport');
    for (const name of KEPT_OUT) expect(packages, `${name} loaded by the daemon`).not.toContain(name);
  }, 60_000);

  it('loads modbus-serial once a Modbus device is configured, still without zod or yaml', async () => {
    const file = await config('modbus', [`{ id: th-1, profile: xy-md02, port: ${ptys[2]!.host} }`]);
    const { started, packages, stderr } = await run(file);
    expect(started, stderr).toBe(true);
    expect(packages).toContain('modbus-serial');
    expect(packages).not.toContain('zod');
    expect(packages).not.toContain('yaml');
  }, 60_000);

  it('refuses a bad config through the helper with the file and field, exit code 1', async () => {
    const file = await config('bad', [`{ id: th-1, profile: xy-md02, port: ${ptys[2]!.host}, baud: 9600 }`]);
    const { started, code, stderr } = await run(file);
    expect(started).toBe(false);
    expect(code).toBe(1);
    expect(stderr).toBe(`lophoc-agent: ${file}: devices.0: Unrecognized key: "baud"\n`);
  }, 30_000);

  it('refuses a bad profile through the helper with file, line, column and field, exit code 1', async () => {
    const profiles = join(dir, 'profiles');
    await mkdir(profiles, { recursive: true });
    const profile = (await readFile(join(ROOT, 'device-profiles', 'profiles', 'xy-md02.yaml'), 'utf8')).replace(
      /address: 1\b/,
      'address: 70000',
    );
    await writeFile(join(profiles, 'xy-md02.yaml'), profile);
    const line = profile.split('\n').findIndex((text) => text.includes('address: 70000')) + 1;
    expect(line).toBeGreaterThan(0);
    const file = await config('bad-profile', [`{ id: th-1, profile: xy-md02, port: ${ptys[2]!.host} }`], [`profilesDir: ${profiles}`]);
    const { started, code, stderr } = await run(file);
    expect(started).toBe(false);
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`^lophoc-agent: profiles/xy-md02\\.yaml:${line}:\\d+: readings\\.\\d+\\.modbus\\.address: Too big`));
  }, 30_000);
});

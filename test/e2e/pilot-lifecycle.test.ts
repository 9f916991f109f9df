import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loginAs } from '../../ops-center/src/testing/harness.js';
import { freePort, processesMentioning, spawnTs } from '../support/processes.js';

const PILOT = 'scripts/src/pilot.ts';

/** `npm start` as a user runs it: one process, real ports, data in a folder, stopped by a signal. */
describe('the pilot process', () => {
  let dataDir: string;
  let blocker: Server | undefined;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lophoc-pilot-'));
  });
  afterEach(async () => {
    await new Promise<void>((done) => (blocker ? blocker.close(() => done()) : done()));
    blocker = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  const env = async () => ({
    LOPHOC_DATA_DIR: dataDir,
    LOPHOC_BROKER_PORT: String(await freePort()),
    LOPHOC_HTTP_PORT: String(await freePort()),
    LOPHOC_KIOSK_PORT: String(await freePort()),
  });

  it('prints both URLs, serves a live reading, and stops cleanly on SIGINT with no socat left', async () => {
    const vars = await env();
    const pilot = spawnTs(PILOT, [], vars);
    await pilot.waitForOutput(/Press Ctrl-C to stop/);
    expect(pilot.stdout()).toContain(`Console (ops-center): http://127.0.0.1:${vars.LOPHOC_HTTP_PORT}/`);
    expect(pilot.stdout()).toContain(`MQTT broker:          mqtt://127.0.0.1:${vars.LOPHOC_BROKER_PORT}`);
    expect(await processesMentioning(dataDir)).not.toEqual([]); // socat holds the pty links under dataDir
    expect(pilot.stdout()).toContain(`Kiosk (browser mode): http://127.0.0.1:${vars.LOPHOC_KIOSK_PORT}`);
    expect(pilot.stdout()).toContain(`sign in as admin, password in ${join(dataDir, 'admin-password')}`);
    const password = (await readFile(join(dataDir, 'admin-password'), 'utf8')).trim();
    const api = await loginAs(`http://127.0.0.1:${vars.LOPHOC_HTTP_PORT}`, 'admin', password);
    await expect
      .poll(async () => ((await (await api('/api/latest')).json()) as { name: string }[]).map((v) => v.name), { timeout: 15_000 })
      .toEqual(expect.arrayContaining(['humidity', 'temperature', 'co2']));

    pilot.child.kill('SIGINT');
    expect(await pilot.exit).toEqual({ code: 0, signal: null });
    await expect.poll(() => processesMentioning(dataDir)).toEqual([]);
  });

  it('leaves no socat behind even when killed with SIGKILL', async () => {
    const pilot = spawnTs(PILOT, [], await env());
    await pilot.waitForOutput(/Press Ctrl-C to stop/);
    pilot.child.kill('SIGKILL');
    await pilot.exit;
    await expect.poll(() => processesMentioning(dataDir), { timeout: 5000 }).toEqual([]);
  });

  it('refuses a broker port already in use with one line, exit 1, and nothing left running', async () => {
    const vars = await env();
    blocker = createServer();
    await new Promise<void>((done) => blocker!.listen(Number(vars.LOPHOC_BROKER_PORT), '127.0.0.1', done));
    const pilot = spawnTs(PILOT, [], vars);
    expect(await pilot.exit).toEqual({ code: 1, signal: null });
    expect(pilot.stderr().trim()).toBe(
      `lophoc-pilot: broker: port 127.0.0.1:${vars.LOPHOC_BROKER_PORT} is already in use; stop what holds it or choose another port`,
    );
  });

  it('stops the parts already started when a later one fails (HTTP port in use)', async () => {
    const vars = await env();
    blocker = createServer();
    await new Promise<void>((done) => blocker!.listen(Number(vars.LOPHOC_HTTP_PORT), '127.0.0.1', done));
    const pilot = spawnTs(PILOT, [], vars);
    expect(await pilot.exit).toEqual({ code: 1, signal: null });
    expect(pilot.stderr().trim().split('\n')).toEqual([
      `lophoc-pilot: ops-center HTTP: port 127.0.0.1:${vars.LOPHOC_HTTP_PORT} is already in use; stop what holds it or choose another port`,
    ]);
    expect(await processesMentioning(dataDir)).toEqual([]);
  });

  it('refuses a bad port setting by name', async () => {
    const pilot = spawnTs(PILOT, [], { ...(await env()), LOPHOC_HTTP_PORT: 'eighty' });
    expect(await pilot.exit).toEqual({ code: 1, signal: null });
    expect(pilot.stderr().trim()).toBe('lophoc-pilot: LOPHOC_HTTP_PORT must be a port number 0-65535, got eighty');
  });
});

describe('the daemons', () => {
  it('lophoc-agent exits 1 with one line for a config naming a missing port', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lophoc-agent-cli-'));
    const file = join(dir, 'agent.yaml');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      file,
      `site: ttht-an-dong\nnode: gw-p1\nmqtt: { url: "mqtt://127.0.0.1:1" }\ndataDir: ${dir}/data\ndevices:\n  - { id: th-1, profile: xy-md02, port: /dev/ttyUSB-none }\n`,
    );
    const agent = spawnTs('edge-agent/src/main.ts', ['run', '--config', file], {});
    expect(await agent.exit).toEqual({ code: 1, signal: null });
    expect(agent.stderr().trim()).toBe('lophoc-agent: devices.0.port: serial port /dev/ttyUSB-none does not exist (device "th-1")');
    await rm(dir, { recursive: true, force: true });
  });

  it('lophoc-broker exits 1 with one line when its port is taken', async () => {
    const port = await freePort();
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(port, '127.0.0.1', done));
    const broker = spawnTs('broker/src/main.ts', ['--port', String(port)], {});
    expect(await broker.exit).toEqual({ code: 1, signal: null });
    expect(broker.stderr().trim()).toBe(
      `lophoc-broker: broker: port 127.0.0.1:${port} is already in use; stop what holds it or choose another port`,
    );
    await new Promise<void>((done) => blocker.close(() => done()));
  });
});

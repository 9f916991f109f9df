import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CardPseudonymiser } from '@lophoc/edge-agent';
import { openPtyPair, type PtyPair, startEpsonProjector, startXyMd02 } from '@lophoc/simulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, spawnTs } from '../support/processes.js';

const CLI = 'edge-agent/src/main.ts';

/** The technician's `lophoc-agent` commands, run as processes against simulators on pty pairs. */
describe('lophoc-agent technician commands', () => {
  let dir: string;
  let config: string;
  const pairs: PtyPair[] = [];
  let sensor: Awaited<ReturnType<typeof startXyMd02>>;
  let projector: Awaited<ReturnType<typeof startEpsonProjector>>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-cli-'));
    const th = await openPtyPair(dir, 'th');
    const pj = await openPtyPair(dir, 'pj');
    pairs.push(th, pj);
    sensor = await startXyMd02(th.device);
    projector = await startEpsonProjector(pj.device, { warmUpMs: 200 });
    await writeFile(join(dir, 'site.key'), 'ab'.repeat(32), { mode: 0o600 });
    config = join(dir, 'agent.yaml');
    await writeFile(
      config,
      [
        'site: ttht-an-dong',
        'node: gw-p3',
        'mqtt: { url: "mqtt://127.0.0.1:1" }',
        `dataDir: ${join(dir, 'data')}`,
        `privacy: { secretFile: ${join(dir, 'site.key')} }`,
        'devices:',
        `  - { id: th-1, profile: xy-md02, port: ${th.host} }`,
        `  - { id: projector, profile: epson-escvp21, port: ${pj.host} }`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
  });
  afterAll(async () => {
    await sensor?.stop();
    await projector?.stop();
    for (const pair of pairs) await pair.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('test DEVICE reports PASS with a live reading', async () => {
    const run = spawnTs(CLI, ['test', 'th-1', '--config', config], {});
    expect((await run.exit).code).toBe(0);
    expect(run.stdout().trim()).toBe('PASS th-1 (xy-md02): {"temperature":30.5,"humidity":54.6}');
    expect(run.stderr()).toContain('waiting for a reading');
  });

  it('test DEVICE reports FAIL with the reason when the device does not answer', async () => {
    sensor.state.unplugged = true;
    try {
      const run = spawnTs(CLI, ['test', 'th-1', '--config', config], {});
      expect((await run.exit).code).toBe(1);
      expect(run.stdout().trim()).toMatch(/^FAIL th-1 \(xy-md02\): no answer to 1 polls: .*Timed out/);
    } finally {
      sensor.state.unplugged = false;
    }
  }, 30_000);

  it('test DEVICE --command runs a profile command; a bad one fails with the reason', async () => {
    const on = spawnTs(CLI, ['test', 'projector', '--command', 'power_on', '--config', config], {});
    expect((await on.exit).code).toBe(0);
    expect(on.stdout()).toMatch(/^PASS projector power_on: /);
    expect(projector.state.commands).toContain('PWR ON');
    const bad = spawnTs(CLI, ['test', 'projector', '--command', 'set_input', '--params', '{"source":"ZZ"}', '--config', config], {});
    expect((await bad.exit).code).toBe(1);
    expect(bad.stdout()).toMatch(/^FAIL projector set_input: .*source/);
    const unknown = spawnTs(CLI, ['test', 'fan', '--config', config], {});
    expect((await unknown.exit).code).toBe(1);
    expect(unknown.stdout().trim()).toBe('FAIL fan: no such device in the config (devices: th-1, projector)');
  }, 30_000);

  it('card pseudonym turns card ids on stdin into the roster keys, with the site secret', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'card', 'pseudonym', '--config', config], { cwd: ROOT });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stdin.end('67003B51C6\n0003887558\n');
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    const expected = new CardPseudonymiser(Buffer.alloc(32, 0xab)).pseudonym('3887558');
    expect(out.trim().split('\n')).toEqual([expected, expected]);
  });

  it('status says the daemon never ran; unknown commands print the usage', async () => {
    const status = spawnTs(CLI, ['status', '--config', config], { LANG: 'vi_VN.UTF-8' });
    expect((await status.exit).code).toBe(1);
    expect(status.stdout().trim()).toBe(`lophoc-agent chưa từng chạy với thư mục dữ liệu ${join(dir, 'data')}.`);
    const unknown = spawnTs(CLI, ['frobnicate'], {});
    expect((await unknown.exit).code).toBe(1);
    expect(unknown.stderr()).toMatch(/^lophoc-agent: unknown command "frobnicate"\nusage:/);
  });
});

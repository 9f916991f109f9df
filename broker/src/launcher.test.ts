import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const launcher = fileURLToPath(new URL('../bin/lophoc-broker.js', import.meta.url));

describe('broker/bin/lophoc-broker.js', () => {
  it('starts Node with the heap flags of its #! line (less memory per idle connection, docs/broker.md)', async () => {
    const firstLine = (await readFile(launcher, 'utf8')).split('\n', 1)[0] ?? '';
    const flags = firstLine.split(' ').filter((word) => word.startsWith('--'));
    expect(flags).toEqual(expect.arrayContaining([expect.stringMatching(/^--max-semi-space-size=\d+$/)]));
    const data = await mkdtemp(join(tmpdir(), 'lophoc-launcher-'));
    // Run as an executable, as systemd's ExecStart does, so the kernel reads the #! line.
    const child = spawn(launcher, ['serve', '--data', data, '--host', '127.0.0.1', '--port', '0'], {
      env: { ...process.env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      let log = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the broker did not start:\n${log}`)), 20_000);
        child.stderr?.on('data', (chunk: Buffer) => {
          log += chunk.toString();
          if (/mqtt:\/\/127\.0\.0\.1:\d+/.test(log)) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('exit', (code) => reject(new Error(`the broker exited with ${code}:\n${log}`)));
      });
      const commandLine = (await readFile(`/proc/${child.pid}/cmdline`, 'utf8')).split('\0');
      expect(commandLine[0]).toMatch(/(^|\/)node$/);
      for (const flag of flags) expect(commandLine).toContain(flag);
      expect(commandLine.indexOf(flags[0] ?? '')).toBeLessThan(commandLine.findIndex((word) => word.endsWith('lophoc-broker.js')));
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
      await rm(data, { recursive: true, force: true });
    }
  }, 30_000);
});

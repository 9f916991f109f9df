import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '../../bin/lophoc-kiosk-browser.js');

function run(env: Record<string, string>, onLine?: (line: string, stop: () => void) => void) {
  const child = spawn(process.execPath, [BIN], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    onLine?.(stdout, () => child.kill('SIGTERM'));
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr })),
  );
}

describe('lophoc-kiosk-browser', () => {
  it('refuses a missing content API URL with one line and exit 1', async () => {
    const { code, stderr } = await run({ LOPHOC_CONTENT_API_URL: '' });
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      'lophoc-kiosk-browser: LOPHOC_CONTENT_API_URL must be the content API URL, e.g. http://127.0.0.1:8080/api/content/v1',
    );
  });

  it('starts with the content API down, prints its URL, and stops cleanly on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lophoc-kiosk-bin-'));
    try {
      const result = await run(
        { LOPHOC_CONTENT_API_URL: 'http://127.0.0.1:9/api/content/v1', LOPHOC_KIOSK_DATA_DIR: dir, LOPHOC_KIOSK_PORT: '0' },
        (out, stop) => {
          if (out.includes('lophoc-kiosk-browser: http://127.0.0.1:')) stop();
        },
      );
      expect(result.stdout).toMatch(/lophoc-kiosk-browser: http:\/\/127\.0\.0\.1:\d+\//);
      expect(result.code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

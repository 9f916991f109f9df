import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseGatewayConfig } from './config.js';

const deploy = new URL('../deploy/', import.meta.url);

describe('deployment files', () => {
  it('the example config is a valid gateway config', async () => {
    const config = parseGatewayConfig(parse(await readFile(new URL('agent.example.yaml', deploy), 'utf8')), 'agent.example.yaml');
    expect(config.rules?.projector).toBe('projector');
    expect(config.outbox.maxBytes).toBe(256 * 1024 ** 2);
  });

  const analyze = '/usr/bin/systemd-analyze';
  it.skipIf(!existsSync(analyze))('the systemd unit passes systemd-analyze verify (skipped where systemd-analyze is missing)', async () => {
    const unit = new URL('lophoc-agent.service', deploy).pathname;
    const { stderr } = await promisify(execFile)(analyze, ['verify', unit]).catch((error: { stderr: string }) => ({
      stderr: error.stderr,
    }));
    expect(stderr.split('\n').filter((line) => line.includes('lophoc-agent.service'))).toEqual([]);
    const text = await readFile(unit, 'utf8');
    for (const hardening of [
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'Restart=always',
      'StartLimitBurst=10',
      'DevicePolicy=closed',
    ]) {
      expect(text).toContain(hardening);
    }
  });
});

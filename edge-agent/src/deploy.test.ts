import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseGatewayConfig } from './config.js';
import { agentUnitFile, nodeFlagsOfUnit } from './unit-node-flags.js';

const deploy = new URL('../deploy/', import.meta.url);

describe('deployment files', () => {
  it('the example config is a valid gateway config', async () => {
    const config = parseGatewayConfig(parse(await readFile(new URL('agent.example.yaml', deploy), 'utf8')), 'agent.example.yaml');
    expect(config.rules?.projector).toBe('projector');
    expect(config.outbox.maxBytes).toBe(256 * 1024 ** 2);
  });

  it('the unit starts node with flags this node accepts, and the bench reads the same flags', async () => {
    const flags = nodeFlagsOfUnit(await readFile(agentUnitFile, 'utf8'));
    expect(flags).toContain('--v8-pool-size=1');
    // node refuses an unknown or misspelt option with "bad option" and exit code 9
    const { stdout } = await promisify(execFile)(process.execPath, [...flags, '-p', 'process.execArgv.join(" ")']);
    expect(stdout.trim().split(' ').slice(0, flags.length)).toEqual(flags);
    await expect(promisify(execFile)(process.execPath, ['--v8-pool-size-typo=1', '-e', '0'])).rejects.toThrow(/bad option/);
  });

  it('reading the flags refuses a unit that does not run the agent', () => {
    expect(() => nodeFlagsOfUnit('[Service]\nType=simple\n')).toThrow(/no ExecStart=/);
    expect(() => nodeFlagsOfUnit('ExecStart=/usr/bin/python3 agent.py\n')).toThrow(/does not run node/);
    expect(nodeFlagsOfUnit('ExecStart=/usr/bin/node /opt/x/bin/lophoc-agent.js run\n')).toEqual([]);
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

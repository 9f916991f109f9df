import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDuration, runAdminCommand, serveOptions } from './cli.js';
import { Registry } from './registry.js';

let dir: string;
let env: NodeJS.ProcessEnv;
const run = (line: string[], now?: number) => runAdminCommand(line, env, now);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lophoc-cli-'));
  env = { LOPHOC_BROKER_DATA: dir };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('lophoc-broker registry commands', () => {
  it('adds sites, issues a claim token, lists nodes, rotates, revokes and exports for Mosquitto', async () => {
    await run(['site', 'add', '--id', 'hcm', '--kind', 'city', '--name', 'Thành phố Hồ Chí Minh']);
    await run(['site', 'add', '--id', 'cho-lon', '--kind', 'ward', '--name', 'Phường Chợ Lớn', '--parent', 'hcm']);
    expect(
      await run(['site', 'add', '--id', 'ttht-cho-lon', '--kind', 'learning-center', '--name', 'TTHTCĐ Chợ Lớn', '--parent', 'cho-lon']),
    ).toBe('site ttht-cho-lon (learning-center) "TTHTCĐ Chợ Lớn" under cho-lon');
    expect(await run(['site', 'list'])).toContain('cho-lon\tward\thcm\tPhường Chợ Lớn');
    const claim = await run(
      ['claim', '--site', 'ttht-cho-lon', '--node', 'gw-p101', '--kind', 'gateway', '--ttl', '2h'],
      Date.UTC(2026, 0, 1),
    );
    expect(claim).toMatch(/^claim token for ttht-cho-lon\/gw-p101 \(one use, expires 2026-01-01T02:00:00.000Z\):\n[\w-]{32}$/);
    const token = claim.split('\n')[1] as string;
    const registry = Registry.open(join(dir, 'registry.db'));
    const { password } = await registry.claim(token, Date.UTC(2026, 0, 1, 1));
    registry.close();
    expect(await run(['nodes'])).toBe('site\tnode\tkind\troom\tlast seen\tstatus\nttht-cho-lon\tgw-p101\tgateway\t-\tnever\tactive');
    const rotated = await run(['rotate', 'ttht-cho-lon.gw-p101']);
    expect(rotated.split('\n')[1]).not.toBe(password);
    await run(['service', 'add', '--username', 'ops-center', '--role', 'service']);
    expect(await run(['export', 'mosquitto', join(dir, 'mq')])).toBe(
      `wrote 2 accounts to ${join(dir, 'mq', 'passwd')} and ${join(dir, 'mq', 'acl')}`,
    );
    expect(readFileSync(join(dir, 'mq', 'passwd'), 'utf8')).toMatch(
      /^ops-center:\$7\$101\$[A-Za-z0-9+/=]{16}\$[A-Za-z0-9+/=]{88}\nttht-cho-lon\.gw-p101:\$7\$/,
    );
    expect(readFileSync(join(dir, 'mq', 'acl'), 'utf8')).toContain(
      'user ttht-cho-lon.gw-p101\ntopic write lophoc/v1/ttht-cho-lon/gw-p101/state\n',
    );
    expect(await run(['revoke', 'ttht-cho-lon.gw-p101'])).toBe('revoked ttht-cho-lon.gw-p101; its live connections are closed');
    expect(await run(['nodes'])).toContain('\trevoked');
    expect(await run(['export', 'mosquitto', join(dir, 'mq')])).toMatch(/^wrote 1 accounts/);
  });

  it('names what is wrong', async () => {
    await expect(run(['claim', '--site', 'x', '--kind', 'gateway'])).rejects.toThrow('claim: --node is required');
    await expect(run(['claim', '--site', 'x', '--node', 'y', '--kind', 'router'])).rejects.toThrow(
      '--kind must be gateway or kiosk, got "router"',
    );
    await expect(run(['site', 'add', '--id', 'p1', '--kind', 'room', '--name', 'Phòng 1'])).rejects.toThrow(
      'a room needs a parent (school or learning-center)',
    );
    await expect(run(['revoke', 'nobody'])).rejects.toThrow('no account "nobody"');
    await expect(run(['frobnicate'])).rejects.toThrow(/unknown command "frobnicate"/);
    expect(() => parseDuration('1 week')).toThrow('--ttl must look like 30m, 24h or 7d, got "1 week"');
  });
});

describe('lophoc-broker serve options', () => {
  it('turns auth on with the registry in the data dir, SQLite sessions, and the listeners asked for', () => {
    const options = serveOptions(
      [
        '--host',
        '0.0.0.0',
        '--tls-port',
        '8883',
        '--ws-port',
        '8083',
        '--provisioning-port',
        '8884',
        '--public-host',
        'mqtt.quan5.example',
      ],
      env,
    );
    expect(options).toMatchObject({
      host: '0.0.0.0',
      port: 1883,
      registry: join(dir, 'registry.db'),
      storage: { kind: 'sqlite', file: join(dir, 'sessions.db') },
      tls: { port: 8883, certDir: join(dir, 'tls') },
      ws: { port: 8083 },
      provisioning: { port: 8884, publicHost: 'mqtt.quan5.example' },
    });
    expect(serveOptions(['--storage', 'redis://127.0.0.1:6379'], env).storage).toEqual({ kind: 'redis', url: 'redis://127.0.0.1:6379' });
    expect(
      serveOptions(['--city-url', 'mqtts://city.example:8883', '--city-topic', 'lophoc/v1/+/+/state', '--city-prefix', 'q5/'], env)
        .cityUplink,
    ).toEqual({
      upstream: { url: 'mqtts://city.example:8883', username: undefined, password: undefined, clientId: 'lophoc-broker' },
      patterns: ['lophoc/v1/+/+/state'],
      topicPrefix: 'q5/',
      bufferFile: join(dir, 'city-uplink.db'),
    });
    expect(() => serveOptions(['--city-url', 'mqtts://city.example:8883'], env)).toThrow('--city-url needs at least one --city-topic');
    expect(() => serveOptions(['--port', '70000'], env)).toThrow('--port must be 0-65535, got 70000');
    expect(() => serveOptions(['--storage', 'leveldb'], env)).toThrow(/--storage must be sqlite, memory or redis/);
    expect(serveOptions([], env).tcpNoDelay).toBeUndefined();
    expect(serveOptions(['--nagle'], env).tcpNoDelay).toBe(false);
    expect(serveOptions([], { ...env, LOPHOC_BROKER_NAGLE: '1' }).tcpNoDelay).toBe(false);
  });
});

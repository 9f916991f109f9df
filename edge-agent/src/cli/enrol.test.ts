import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProvisioningApp, Registry } from '@lophoc/broker';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EnrolError, enrol } from './enrol.js';

/** Enrolment against the broker's real provisioning endpoint and registry (SQLite). */
describe('lophoc-agent enrol', () => {
  let dir: string;
  let registry: Registry;
  let app: FastifyInstance;
  let server: string;
  let lines: string[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-enrol-'));
    registry = Registry.open(join(dir, 'registry.db'));
    registry.addSite({ id: 'hcm', kind: 'city', name: 'Thành phố Hồ Chí Minh' });
    registry.addSite({ id: 'cho-lon', kind: 'ward', name: 'Phường Chợ Lớn', parent: 'hcm' });
    registry.addSite({
      id: 'ttht-cho-lon',
      kind: 'learning-center',
      name: 'Trung tâm học tập cộng đồng phường Chợ Lớn',
      parent: 'cho-lon',
    });
    registry.addSite({ id: 'p101', kind: 'room', name: 'Phòng 101', parent: 'ttht-cho-lon' });
    app = createProvisioningApp({
      registry,
      log: pino({ level: 'silent' }),
      advert: { mqttUrl: 'mqtt://broker.example:1883', ca: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' },
    });
    server = await app.listen({ port: 0, host: '127.0.0.1' });
    lines = [];
  });
  afterEach(async () => {
    await app.close();
    registry.close();
    await rm(dir, { recursive: true, force: true });
  });

  const run = (token: string, language: 'vi' | 'en' = 'en') =>
    enrol({
      server,
      token,
      configFile: join(dir, 'etc', 'agent.yaml'),
      dataDir: '/var/lib/lophoc/agent',
      language,
      progress: (line) => lines.push(line),
    });

  it('writes the credentials into the config with mode 0600, keeping the configured devices', async () => {
    const file = join(dir, 'etc', 'agent.yaml');
    await mkdir(join(dir, 'etc'));
    await writeFile(file, 'devices:\n  - { id: th-1, profile: xy-md02, port: /dev/ttyUSB0 }\n');
    const { token } = registry.issueClaimToken({ site: 'ttht-cho-lon', node: 'gw-p101', kind: 'gateway', room: 'p101', ttlMs: 60_000 });
    expect(await run(token, 'vi')).toEqual({ site: 'ttht-cho-lon', node: 'gw-p101' });
    expect(((await stat(file)).mode & 0o777).toString(8)).toBe('600');
    const config = parse(await readFile(file, 'utf8'));
    expect(config).toMatchObject({
      site: 'ttht-cho-lon',
      node: 'gw-p101',
      room: 'p101',
      mqtt: { url: 'mqtt://broker.example:1883', username: 'ttht-cho-lon.gw-p101', ca: join(dir, 'etc', 'broker-ca.pem') },
      dataDir: '/var/lib/lophoc/agent',
      devices: [{ id: 'th-1', profile: 'xy-md02', port: '/dev/ttyUSB0' }],
    });
    expect(await registry.authenticate('ttht-cho-lon.gw-p101', config.mqtt.password)).toBeDefined();
    expect(lines).toContain('Đã nhận thông tin đăng nhập cho ttht-cho-lon/gw-p101.');
  });

  it('refuses a used, unknown or expired token with the reason and changes nothing', async () => {
    const { token } = registry.issueClaimToken({ site: 'ttht-cho-lon', node: 'gw-p102', kind: 'gateway', ttlMs: 60_000 });
    await run(token);
    const file = join(dir, 'etc', 'agent.yaml');
    const before = await readFile(file, 'utf8');
    await expect(run(token)).rejects.toThrow(EnrolError);
    await expect(run(token)).rejects.toThrow(/^The server refused the token: .*used/);
    await expect(run('not-a-token')).rejects.toThrow(/refused the token/);
    const expired = registry.issueClaimToken({
      site: 'ttht-cho-lon',
      node: 'gw-p103',
      kind: 'gateway',
      ttlMs: 1,
      now: Date.now() - 10_000,
    });
    await expect(run(expired.token)).rejects.toThrow(/expired/);
    expect(await readFile(file, 'utf8')).toBe(before);
  }, 30_000);

  it('says which server it could not reach', async () => {
    await app.close();
    await expect(run('x')).rejects.toThrow(`Cannot reach the provisioning server ${server}/v1/claim: ECONNREFUSED`);
  });
});

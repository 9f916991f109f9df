import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from './broker.js';
import { type Credentials, Registry } from './registry.js';
import { closed, collect, connect, refusalCode, sendOversizedPublish, subscribeCodes } from './test-clients.js';

const log = pino({ level: 'silent' });
const SITE = 'ttht-cho-quan';
const topic = (node: string, rest: string) => `lophoc/v1/${SITE}/${node}/${rest}`;

let dir: string;
let registry: Registry;
let broker: RunningBroker;
let gw1: Credentials;
let gw2: Credentials;
let ops: Credentials;
let operator: Credentials;
const clients: MqttClient[] = [];

async function client(credentials: Credentials, options: { clientId?: string } = {}) {
  const c = await connect(broker.url, {
    username: credentials.username,
    password: credentials.password,
    clientId: options.clientId ?? credentials.username,
  });
  clients.push(c);
  return c;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lophoc-broker-'));
  registry = Registry.open(join(dir, 'registry.db'));
  registry.addSite({ id: 'hcm', kind: 'city', name: 'Thành phố Hồ Chí Minh' });
  registry.addSite({ id: 'cho-quan', kind: 'ward', name: 'Phường Chợ Quán', parent: 'hcm' });
  registry.addSite({ id: SITE, kind: 'learning-center', name: 'Trung tâm học tập cộng đồng Chợ Quán', parent: 'cho-quan' });
  gw1 = await registry.provisionNode({ site: SITE, node: 'gw-p101', kind: 'gateway' });
  gw2 = await registry.provisionNode({ site: SITE, node: 'gw-p102', kind: 'gateway' });
  ops = await registry.ensureServiceAccount({ username: 'ops-center', role: 'service' });
  operator = await registry.ensureServiceAccount({ username: 'operator-lan', role: 'operator' });
  broker = await startBroker({
    port: 0,
    log,
    registry,
    registryPollMs: 50,
    limits: { failedLoginDelay: { baseMs: 20, maxMs: 200 }, connectionsPerAddress: { max: 1000, windowMs: 10_000 } },
  });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await broker.stop();
  registry.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('authentication', () => {
  it('admits enrolled accounts and refuses wrong passwords, unknown users and borrowed client ids', async () => {
    await client(gw1);
    await client(ops, { clientId: 'lophoc-ops-center' });
    expect(await refusalCode(broker.url, { username: gw1.username, password: 'wrong', clientId: gw1.username })).toBe(4);
    expect(await refusalCode(broker.url, { username: 'nobody', password: 'x', clientId: 'nobody' })).toBe(4);
    expect(await refusalCode(broker.url, { clientId: 'anonymous' })).toBe(4);
    // gw-p102's password with gw-p101's client id; the ops-center with a node's client id.
    expect(await refusalCode(broker.url, { username: gw2.username, password: gw2.password, clientId: gw1.username })).toBe(2);
    expect(await refusalCode(broker.url, { username: ops.username, password: ops.password, clientId: gw1.username })).toBe(2);
  });

  it('answers failed logins from the same address later and later', async () => {
    const timeOne = async () => {
      const started = Date.now();
      await refusalCode(broker.url, { username: gw1.username, password: 'wrong', clientId: gw1.username });
      return Date.now() - started;
    };
    const times = [];
    for (let i = 0; i < 4; i++) times.push(await timeOne());
    expect(times[3]).toBeGreaterThanOrEqual(150); // 20, 40, 80, 160 ms
    expect(times[3]).toBeGreaterThan(times[0] as number);
  });
});

describe('ACL (DESIGN §3)', () => {
  it('a node gets SUBACK 0x80 for #, $SYS, other nodes and its own telemetry; granted for its own cmd and ack', async () => {
    const node = await client(gw1);
    const codes = await subscribeCodes(node, [
      '#',
      '$SYS/#',
      topic('gw-p102', 'cmd'),
      topic('gw-p101', 'state'),
      topic('gw-p101', 'cmd'),
      topic('gw-p101', 'ack'),
    ]);
    expect(codes).toEqual([0x80, 0x80, 0x80, 0x80, 1, 1]);
    expect(node.connected).toBe(true);
  });

  it('the ops-center reads a node and commands it; a node publishing outside its prefix is disconnected', async () => {
    const hub = await client(ops, { clientId: 'lophoc-ops-center' });
    const seen = collect(hub);
    await hub.subscribeAsync('lophoc/v1/#', { qos: 1 });
    const node = await client(gw1);
    const commands = collect(node);
    await node.subscribeAsync(topic('gw-p101', 'cmd'), { qos: 1 });
    await node.publishAsync(topic('gw-p101', 'xy-md02-1/telemetry'), '{"v":1}', { qos: 1 });
    await hub.publishAsync(topic('gw-p101', 'cmd'), '{"v":1,"id":"c1"}', { qos: 1 });
    expect((await commands.waitFor(1))[0]?.topic).toBe(topic('gw-p101', 'cmd'));
    expect((await seen.waitFor(1)).map((m) => m.topic)).toContain(topic('gw-p101', 'xy-md02-1/telemetry'));

    const other = await client(gw2);
    other.publish(topic('gw-p101', 'state'), '{"v":1,"online":false}', { qos: 1 });
    await closed(other);
    const spoofCmd = await client(gw1);
    spoofCmd.publish(topic('gw-p101', 'cmd'), '{}', { qos: 1 });
    await closed(spoofCmd);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen.messages.map((m) => m.topic)).not.toContain(topic('gw-p101', 'state'));
    expect(hub.connected).toBe(true);
  });

  it('an operator reads everything and may not write', async () => {
    const reader = await client(operator, { clientId: 'console-lan' });
    expect((await reader.subscribeAsync('#', { qos: 1 }))[0]?.qos).toBe(1);
    reader.publish(topic('gw-p101', 'cmd'), '{}', { qos: 1 });
    await closed(reader);
  });
});

describe('revocation', () => {
  it('closes the live connection when revoked in-process, and when the CLI revokes through the registry file', async () => {
    const node = await client(gw1);
    broker.revoke(gw1.username);
    await closed(node);
    expect(await refusalCode(broker.url, { username: gw1.username, password: gw1.password, clientId: gw1.username })).toBe(4);

    const second = await client(gw2);
    const cli = Registry.open(join(dir, 'registry.db'));
    await cli.rotate(gw2.username);
    cli.close();
    await closed(second);
  });
});

describe('limits', () => {
  it('closes a connection sending a 10 MB payload or a 200-level topic, and keeps serving the others', async () => {
    const hub = await client(ops, { clientId: 'lophoc-ops-center' });
    await sendOversizedPublish(broker.port, { clientId: gw1.username, ...gw1 }, topic('gw-p101', 'big/telemetry'), 10 * 1024 * 1024);
    const deep = await client(gw1);
    deep.publish(topic('gw-p101', Array.from({ length: 200 }, () => 'x').join('/')), '{}', { qos: 1 });
    await closed(deep);
    expect(hub.connected).toBe(true);
    expect((await hub.subscribeAsync('lophoc/v1/#'))[0]?.qos).toBe(0);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Credentials, exportMosquitto, Registry } from '@lophoc/broker';
import { parseGatewayConfig, type RunningAgent, startAgent } from '@lophoc/edge-agent';
import { type RunningOpsCenter, startOpsCenter } from '@lophoc/ops-center';
import { openPtyPair, type PtyPair, startXyMd02 } from '@lophoc/simulators';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../support/servers/daemon.js';
import { startMosquitto } from '../support/servers/mosquitto.js';

const log = pino({ level: 'silent' });
const SITE = 'ttht-an-dong';
const NODE = 'gw-p204';
const BASE = `lophoc/v1/${SITE}/${NODE}`;

/**
 * DESIGN §7: the edge agent and the ops-center run unchanged against Debian's Mosquitto in place of our broker,
 * with the credentials and ACL `lophoc-broker export mosquitto` writes from the registry.
 */
describe('interop: edge agent and ops-center on Mosquitto with the exported registry', () => {
  let dir: string;
  let mosquitto: Daemon;
  let pty: PtyPair;
  let sensor: Awaited<ReturnType<typeof startXyMd02>>;
  let ops: RunningOpsCenter;
  let agent: RunningAgent;
  let gateway: Credentials;
  let operator: Credentials;
  let tool: Credentials;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-interop-'));
    const registry = Registry.open(join(dir, 'registry.db'));
    registry.addSite({ id: 'hcm', kind: 'city', name: 'Thành phố Hồ Chí Minh' });
    registry.addSite({ id: 'an-dong', kind: 'ward', name: 'Phường An Đông', parent: 'hcm' });
    registry.addSite({ id: SITE, kind: 'school', name: 'Trường Tiểu học An Đông', parent: 'an-dong' });
    const { token } = registry.issueClaimToken({ site: SITE, node: NODE, kind: 'gateway', ttlMs: 60_000 });
    gateway = await registry.claim(token);
    const service = await registry.ensureServiceAccount({ username: 'ops-center', role: 'service' });
    operator = await registry.ensureServiceAccount({ username: 'operator-an-dong', role: 'operator' });
    tool = await registry.ensureServiceAccount({ username: 'ops-tool', role: 'service' });
    const files = await exportMosquitto(registry, join(dir, 'mosquitto'));
    registry.close();
    mosquitto = await startMosquitto({ passwordFile: files.passwordFile, aclFile: files.aclFile });

    ops = await startOpsCenter({
      dataDir: join(dir, 'ops-center'),
      mqttUrl: mosquitto.url,
      mqttUsername: service.username,
      mqttPassword: service.password,
      port: 0,
      log,
    });
    pty = await openPtyPair(dir, 'th');
    sensor = await startXyMd02(pty.device);
    agent = await startAgent(
      parseGatewayConfig({
        site: SITE,
        node: NODE,
        mqtt: { url: mosquitto.url, username: gateway.username, password: gateway.password },
        dataDir: join(dir, 'agent'),
        devices: [{ id: 'th-1', profile: 'xy-md02', port: pty.host }],
      }),
      log,
    );
  }, 30_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await agent?.stop();
    await ops?.stop();
    await sensor?.stop();
    await pty?.close();
    await mosquitto?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('carries the gateway telemetry to the ops-center, whose ack empties the gateway outbox', async () => {
    const observer = await mqtt.connectAsync(mosquitto.url, { ...operator, clientId: 'observer', reconnectPeriod: 0 });
    clients.push(observer);
    const topics: string[] = [];
    observer.on('message', (topic) => topics.push(topic));
    await observer.subscribeAsync('lophoc/v1/#', { qos: 1 });
    await expect.poll(() => topics.includes(`${BASE}/th-1/telemetry`), { timeout: 15_000 }).toBe(true);
    await expect.poll(() => topics.includes(`${BASE}/ack`), { timeout: 15_000 }).toBe(true);
    await expect.poll(() => agent.outbox.depth(), { timeout: 15_000 }).toBe(0);
    expect(topics).toContain(`${BASE}/state`);
    expect(mosquitto.output()).not.toMatch(/denied/i);
  });

  it('enforces the exported ACL: the gateway reads only its own cmd, cannot write its cmd, and a wrong password is refused', async () => {
    const intruder = await mqtt.connectAsync(mosquitto.url, { ...gateway, clientId: `${gateway.username}-probe`, reconnectPeriod: 0 });
    clients.push(intruder);
    const received: string[] = [];
    intruder.on('message', (topic) => received.push(topic));
    // Mosquitto 2.0 grants these SUBSCRIBEs (our broker answers 0x80) but applies the read ACL to every delivery.
    await intruder.subscribeAsync(['#', `lophoc/v1/${SITE}/gw-other/cmd`, `${BASE}/cmd`], { qos: 1 });
    const hub = await mqtt.connectAsync(mosquitto.url, { ...tool, clientId: 'ops-tool', reconnectPeriod: 0 });
    clients.push(hub);
    await hub.publishAsync(`lophoc/v1/${SITE}/gw-other/cmd`, '{"v":1,"id":"other"}', { qos: 1 });
    await hub.publishAsync(`${BASE}/cmd`, '{"v":1,"id":"mine"}', { qos: 1 });
    await expect.poll(() => received.includes(`${BASE}/cmd`)).toBe(true);
    expect(received.filter((topic) => topic !== `${BASE}/cmd` && topic !== `${BASE}/ack`)).toEqual([]);

    const observer = await mqtt.connectAsync(mosquitto.url, { ...operator, clientId: 'observer-2', reconnectPeriod: 0 });
    clients.push(observer);
    const seen: string[] = [];
    observer.on('message', (topic) => seen.push(topic));
    await observer.subscribeAsync(`${BASE}/#`, { qos: 1 });
    await intruder.publishAsync(`${BASE}/cmd`, '{"v":1,"id":"forged"}', { qos: 1 });
    await intruder.publishAsync(`${BASE}/health`, '{"v":1}', { qos: 1 });
    await expect.poll(() => seen.includes(`${BASE}/health`)).toBe(true);
    expect(seen).not.toContain(`${BASE}/cmd`);
    await expect(mqtt.connectAsync(mosquitto.url, { username: gateway.username, password: 'wrong', reconnectPeriod: 0 })).rejects.toThrow(
      /Not authorized|Bad username/i,
    );
  });
});

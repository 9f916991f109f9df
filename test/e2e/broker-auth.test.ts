import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Credentials, Registry, type RunningBroker, startBroker } from '@lophoc/broker';
import { parseGatewayConfig, type RunningAgent, startAgent } from '@lophoc/edge-agent';
import { type RunningOpsCenter, startOpsCenter } from '@lophoc/ops-center';
import { openPtyPair, type PtyPair, startXyMd02 } from '@lophoc/simulators';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const log = pino({ level: 'silent' });
const SITE = 'ttht-an-dong';
const NODE = 'gw-p204';
const BASE = `lophoc/v1/${SITE}/${NODE}`;

/**
 * The pilot's recipe on our broker with authentication and the DESIGN §3 ACL on: registry (places as data, a
 * gateway enrolled by claim token, the ops-center's service account), sessions on SQLite, then the edge agent
 * and the ops-center with their credentials.
 */
describe('broker with auth and ACL: edge agent → broker → ops-center', () => {
  let dir: string;
  let broker: RunningBroker;
  let registry: Registry;
  let pty: PtyPair;
  let sensor: Awaited<ReturnType<typeof startXyMd02>>;
  let ops: RunningOpsCenter;
  let agent: RunningAgent;
  let gateway: Credentials;
  let operator: Credentials;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-interop-'));
    registry = Registry.open(join(dir, 'registry.db'));
    registry.addSite({ id: 'hcm', kind: 'city', name: 'Thành phố Hồ Chí Minh' });
    registry.addSite({ id: 'an-dong', kind: 'ward', name: 'Phường An Đông', parent: 'hcm' });
    registry.addSite({ id: SITE, kind: 'school', name: 'Trường Tiểu học An Đông', parent: 'an-dong' });
    const { token } = registry.issueClaimToken({ site: SITE, node: NODE, kind: 'gateway', ttlMs: 60_000 });
    gateway = await registry.claim(token);
    const service = await registry.ensureServiceAccount({ username: 'ops-center', role: 'service' });
    operator = await registry.ensureServiceAccount({ username: 'operator-an-dong', role: 'operator' });
    broker = await startBroker({ port: 0, log, registry, storage: { kind: 'sqlite', file: join(dir, 'sessions.db') } });

    ops = await startOpsCenter({
      dataDir: join(dir, 'ops-center'),
      mqttUrl: broker.url,
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
        mqtt: { url: broker.url, username: gateway.username, password: gateway.password },
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
    await broker?.stop();
    registry?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('carries the gateway telemetry to the ops-center, whose ack empties the gateway outbox', async () => {
    const observer = await mqtt.connectAsync(broker.url, { ...operator, clientId: 'observer', reconnectPeriod: 0 });
    clients.push(observer);
    const topics: string[] = [];
    observer.on('message', (topic) => topics.push(topic));
    await observer.subscribeAsync('lophoc/v1/#', { qos: 1 });
    await expect.poll(() => topics.includes(`${BASE}/th-1/telemetry`), { timeout: 15_000 }).toBe(true);
    await expect.poll(() => topics.includes(`${BASE}/ack`), { timeout: 15_000 }).toBe(true);
    await expect.poll(() => agent.outbox.depth(), { timeout: 15_000 }).toBe(0);
    expect(topics).toContain(`${BASE}/state`);
    expect(registry.listNodes()).toMatchObject([{ site: SITE, node: NODE, lastSeen: expect.any(Number), revoked: false }]);
  });
});

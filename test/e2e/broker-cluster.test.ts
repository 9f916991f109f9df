import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Credentials, Registry } from '@lophoc/broker';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type Spawned, spawnTs } from '../support/processes.js';
import type { Daemon } from '../support/servers/daemon.js';
import { startRedis } from '../support/servers/redis.js';

const SITE = 'ttht-cho-quan';
const BASE = `lophoc/v1/${SITE}/gw-p101`;

/**
 * DESIGN §7 cluster mode on real processes: two `lophoc-broker` processes share sessions and routing through a
 * throwaway redis-server (mqemitter-redis + aedes-persistence-redis) and one registry file.
 */
describe('broker cluster on Redis', () => {
  let dir: string;
  let redis: Daemon;
  let gateway: Credentials;
  let service: Credentials;
  const brokers: { process: Spawned; url: string }[] = [];
  const clients: MqttClient[] = [];

  async function startNode(id: string) {
    const port = await freePort();
    const child = spawnTs('broker/src/main.ts', ['--data', dir, '--port', String(port), '--storage', redis.url, '--id', id], {
      LOG_LEVEL: 'info',
    });
    const deadline = Date.now() + 15_000;
    while (!/broker listening/.test(child.stdout() + child.stderr())) {
      if (child.child.exitCode !== null || Date.now() > deadline) throw new Error(`broker ${id} did not start: ${child.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const node = { process: child, url: `mqtt://127.0.0.1:${port}` };
    brokers.push(node);
    return node;
  }

  async function client(url: string, credentials: Credentials, options: mqtt.IClientOptions = {}) {
    const c = await mqtt
      .connectAsync(url, { ...credentials, clientId: credentials.username, reconnectPeriod: 0, ...options })
      .catch((error: Error) => {
        const broker = brokers.find((b) => b.url === url);
        const exit = broker?.process.child.exitCode ?? broker?.process.child.signalCode;
        throw new Error(
          `${error.message} (broker ${url} exit=${exit}): ${broker?.process.stderr().slice(-2000)}${broker?.process.stdout().slice(-2000)}`,
        );
      });
    c.on('error', () => {});
    clients.push(c);
    return c;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-cluster-'));
    redis = await startRedis();
    const registry = Registry.open(join(dir, 'registry.db'));
    registry.addSite({ id: 'hcm', kind: 'city', name: 'Thành phố Hồ Chí Minh' });
    registry.addSite({ id: 'cho-quan', kind: 'ward', name: 'Phường Chợ Quán', parent: 'hcm' });
    registry.addSite({ id: SITE, kind: 'learning-center', name: 'Trung tâm học tập cộng đồng Chợ Quán', parent: 'cho-quan' });
    gateway = await registry.provisionNode({ site: SITE, node: 'gw-p101', kind: 'gateway' });
    service = await registry.ensureServiceAccount({ username: 'ops-center', role: 'service' });
    registry.close();
  }, 20_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    for (const broker of brokers) {
      broker.process.child.kill('SIGTERM');
      await broker.process.exit;
    }
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('routes a publish on broker A to a subscriber on broker B', async () => {
    const a = await startNode('district-a');
    const b = await startNode('district-b');
    const hub = await client(b.url, service, { clientId: 'ops-center-live' });
    const seen: string[] = [];
    hub.on('message', (topic, payload) => seen.push(`${topic} ${payload}`));
    await hub.subscribeAsync('lophoc/v1/#', { qos: 1 });
    const node = await client(a.url, gateway);
    await node.publishAsync(`${BASE}/th-1/telemetry`, '{"v":1,"seq":1}', { qos: 1 });
    await expect.poll(() => seen, { timeout: 10_000 }).toContain(`${BASE}/th-1/telemetry {"v":1,"seq":1}`);
  });

  it('gives a persistent session on killed broker A what was queued for it when it reconnects to B', async () => {
    const [a, b] = brokers as [(typeof brokers)[number], (typeof brokers)[number]];
    const hub = await client(a.url, service, { clientId: 'ops-center', clean: false });
    await hub.subscribeAsync(`lophoc/v1/+/+/cmd/result`, { qos: 1 });
    await untilBrokerKnowsSubscriptionsMadeOn(b);
    a.process.child.kill('SIGKILL');
    await a.process.exit;

    const node = await client(b.url, gateway);
    await node.publishAsync(`${BASE}/cmd/result`, '{"v":1,"id":"c-1","ok":true}', { qos: 1 });
    await node.publishAsync(`${BASE}/cmd/result`, '{"v":1,"id":"c-2","ok":true}', { qos: 1 });

    // Listen before CONNACK: the queued messages come right behind it, before connectAsync would return.
    const back = mqtt.connect(b.url, { ...service, clientId: 'ops-center', clean: false, reconnectPeriod: 0 });
    clients.push(back);
    const received: string[] = [];
    back.on('message', (_topic, payload) => received.push(payload.toString()));
    await new Promise<void>((resolve, reject) => {
      back.once('connect', () => resolve());
      back.once('error', reject);
    });
    // QoS 1 is at-least-once [MQTT-4.3.2]: a message queued while the session was restored may come twice.
    await expect
      .poll(() => [...new Set(received)], { timeout: 15_000 })
      .toEqual(['{"v":1,"id":"c-1","ok":true}', '{"v":1,"id":"c-2","ok":true}']);
  }, 40_000);

  it('keeps serving through a Redis crash, and routes across nodes again once it is back', async () => {
    const b = brokers[1] as (typeof brokers)[number];
    const c = await startNode('district-c');
    const hub = await client(b.url, service, { clientId: 'ops-center-redis' });
    const seen: string[] = [];
    hub.on('message', (_topic, payload) => seen.push(payload.toString()));
    await hub.subscribeAsync(`${BASE}/+/telemetry`, { qos: 1 });
    const node = await client(c.url, gateway);
    await node.publishAsync(`${BASE}/th-1/telemetry`, '{"v":1,"seq":1}', { qos: 1 });
    await expect.poll(() => seen).toContain('{"v":1,"seq":1}');

    await redis.kill();
    const logs = () => [b, c].map((broker) => broker.process.stdout() + broker.process.stderr()).join('');
    await expect.poll(logs, { timeout: 10_000 }).toMatch(/storage connection error/);
    // Every route (and session) goes through Redis in cluster mode: the nodes wait for it, they do not die.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect([b.process.child.exitCode, c.process.child.exitCode]).toEqual([null, null]);

    // Redis pub/sub keeps nothing for a subscriber that is away: what crossed nodes during the outage or before
    // both nodes resubscribed may be gone, which is why gateways keep records until the ops-center's `ack`.
    redis = await startRedis({ port: redis.port });
    let seq = 100;
    await expect
      .poll(
        async () => {
          await node.publishAsync(`${BASE}/th-1/telemetry`, `{"v":1,"seq":${++seq}}`, { qos: 0 });
          return seen.some((message) => JSON.parse(message).seq > 100);
        },
        { timeout: 20_000, interval: 250 },
      )
      .toBe(true);
    await node.publishAsync(`${BASE}/th-1/telemetry`, '{"v":1,"seq":1000}', { qos: 1 });
    await expect.poll(() => seen).toContain('{"v":1,"seq":1000}');
  }, 60_000);

  /**
   * aedes-persistence-redis tells the other brokers of a new subscription through the shared bus, and SUBACK only waits
   * for the subscribing broker to hear it back. A probe published on `broker` comes back to it through Redis after
   * that announcement, so once it arrives `broker` can queue for the subscriber while it is away.
   */
  async function untilBrokerKnowsSubscriptionsMadeOn(broker: { url: string }) {
    const probe = await client(broker.url, service, { clientId: 'ops-center-probe' });
    const topic = `${BASE}/ack`; // the service may write a node's ack, and nobody else listens to it here
    await probe.subscribeAsync(topic, { qos: 0 });
    const arrived = new Promise<void>((resolve) => probe.once('message', () => resolve()));
    await probe.publishAsync(topic, '{"v":1,"seq":0}', { qos: 1 });
    await arrived;
    await probe.endAsync();
  }
});

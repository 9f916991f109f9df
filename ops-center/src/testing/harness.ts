import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningBroker, startBroker } from '@lophoc/broker';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { type OpsCenterOptions, type RunningOpsCenter, startOpsCenter } from '../ops-center.js';

export const log = pino({ level: 'silent' });
export const SITE = 'ttht-cho-lon';
export const NODE = 'gw-p101';
export const base = (node = NODE, site = SITE) => `lophoc/v1/${site}/${node}`;

export interface Harness {
  dir: string;
  broker: RunningBroker;
  ops: RunningOpsCenter;
  /** A node's own MQTT connection, as an edge agent would have it. */
  connectNode(node?: string, site?: string): Promise<NodeClient>;
  stop(): Promise<void>;
}

export interface NodeClient {
  client: MqttClient;
  /** `cmd` payloads received, in order. */
  commands: Record<string, unknown>[];
  publish(kind: string, payload: object, retain?: boolean): Promise<void>;
  birth(
    devices: { id: string; profile: string; exposes: { name: string; kind: 'reading' | 'command' | 'event'; unit?: string }[] }[],
    room?: string,
  ): Promise<void>;
  state(online: boolean): Promise<void>;
  end(): Promise<void>;
}

/** A real aedes broker on a loopback port and an ops-center on SQLite in a temp dir. */
export async function startHarness(options: Partial<OpsCenterOptions> = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'lophoc-ops-'));
  const broker = await startBroker({ port: 0, log });
  const ops = await startOpsCenter({
    dataDir: dir,
    mqttUrl: broker.url,
    port: 0,
    log,
    consoleDir: join(dir, 'no-console'),
    tickMs: 60_000, // tests call ops.tick() themselves
    ...options,
  });
  const nodes: NodeClient[] = [];
  return {
    dir,
    broker,
    ops,
    async connectNode(node = NODE, site = SITE) {
      const client = await mqtt.connectAsync(broker.url, { clientId: `${site}.${node}` });
      const commands: Record<string, unknown>[] = [];
      client.on('message', (topic, payload) => {
        if (topic.endsWith('/cmd')) commands.push(JSON.parse(payload.toString()) as Record<string, unknown>);
      });
      await client.subscribeAsync(`${base(node, site)}/cmd`, { qos: 1 });
      const publish = async (kind: string, payload: object, retain = false) => {
        await client.publishAsync(`${base(node, site)}/${kind}`, JSON.stringify({ v: 1, ...payload }), { qos: 1, retain });
      };
      const handle: NodeClient = {
        client,
        commands,
        publish,
        birth: (devices, room) =>
          publish('birth', { ts: Date.now(), kind: 'gateway', version: '0.1.0', ...(room ? { room } : {}), devices }, true),
        state: (online) => publish('state', { online, ts: Date.now(), version: '0.1.0' }, true),
        end: () => client.endAsync(),
      };
      nodes.push(handle);
      return handle;
    },
    async stop() {
      for (const node of nodes) await node.client.endAsync(true);
      await ops.stop();
      await broker.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Logs in through the API and returns a fetch bound to the session cookie. */
export async function loginAs(
  url: string,
  username: string,
  password: string,
): Promise<(path: string, init?: RequestInit) => Promise<Response>> {
  const response = await fetch(`${url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw new Error(`login as ${username} failed: ${response.status} ${await response.text()}`);
  const cookie = response.headers.get('set-cookie')!.split(';')[0]!;
  return (path, init = {}) =>
    fetch(`${url}${path}`, {
      ...init,
      headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.headers as Record<string, string>), cookie },
    });
}

/** Polls until `check` holds (for hooks, where expect.poll is not allowed). */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

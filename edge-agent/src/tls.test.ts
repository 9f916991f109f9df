import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningBroker, startBroker } from '@lophoc/broker';
import { openPtyPair, type PtyPair, startXyMd02 } from '@lophoc/simulators';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent } from './agent.js';
import { parseGatewayConfig } from './config.js';

const log = pino({ level: 'silent' });

/** TLS with a pinned CA (issue #4): the agent trusts only the CA file named in its config. */
describe('gateway over TLS to the broker', () => {
  let dir: string;
  let broker: RunningBroker;
  let pty: PtyPair;
  let sensor: Awaited<ReturnType<typeof startXyMd02>>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-tls-'));
    broker = await startBroker({ port: 0, log, tls: { port: 0, certDir: join(dir, 'tls') } });
    pty = await openPtyPair(dir, 'th');
    sensor = await startXyMd02(pty.device);
  });
  afterAll(async () => {
    await sensor?.stop();
    await pty?.close();
    await broker?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const config = (ca: string) =>
    parseGatewayConfig({
      site: 'ttht-cho-quan',
      node: 'gw-tls',
      mqtt: { url: broker.tlsUrl!.replace('localhost', '127.0.0.1'), ca },
      dataDir: join(dir, `agent-${Math.random().toString(36).slice(2)}`),
      devices: [{ id: 'th-1', profile: 'xy-md02', port: pty.host }],
    });

  it('connects and delivers with the broker CA pinned', async () => {
    const caFile = join(dir, 'broker-ca.pem');
    await writeFile(caFile, broker.certificate!);
    const observer = await mqtt.connectAsync(broker.url, { clientId: 'observer-tls' });
    const seen: string[] = [];
    observer.on('message', (topic) => seen.push(topic));
    await observer.subscribeAsync('lophoc/v1/ttht-cho-quan/gw-tls/#', { qos: 1 });
    const agent = await startAgent(config(caFile), log);
    await expect.poll(() => seen, { timeout: 10_000 }).toContain('lophoc/v1/ttht-cho-quan/gw-tls/th-1/telemetry');
    expect(agent.uplink.connected).toBe(true);
    await agent.stop();
    await observer.endAsync();
  });

  it('refuses a broker whose certificate does not chain to the pinned CA', async () => {
    const other = await startBroker({ port: 0, log, tls: { port: 0, certDir: join(dir, 'other-tls') } });
    const wrongCa = join(dir, 'other-ca.pem');
    await writeFile(wrongCa, other.certificate!);
    await other.stop();
    const agent = await startAgent(config(wrongCa), log);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(agent.uplink.connected).toBe(false);
    expect(agent.uplink.stats.connects).toBe(0);
    await agent.stop();
  });

  it('names an unreadable CA file', async () => {
    await expect(startAgent(config(join(dir, 'missing.pem')), log)).rejects.toThrow(
      `mqtt.ca: cannot read ${join(dir, 'missing.pem')} (ENOENT)`,
    );
  });
});

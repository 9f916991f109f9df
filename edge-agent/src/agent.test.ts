import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '@lophoc/broker';
import { openPtyPair, type PtyPair, startXyMd02 } from '@lophoc/simulators';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAgent } from './agent.js';
import { parseGatewayConfig } from './config.js';

const log = pino({ level: 'silent' });

describe('edge agent', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-agent-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const config = (overrides: Record<string, unknown> = {}) =>
    parseGatewayConfig({
      site: 'ttht-cho-quan',
      node: 'gw-p305',
      mqtt: { url: 'mqtt://127.0.0.1:1' },
      dataDir: join(dir, 'agent'),
      devices: [{ id: 'th-1', profile: 'xy-md02', port: join(dir, 'ttyUSB9') }],
      ...overrides,
    });

  it('refuses a port that does not exist, naming the field, and leaves no outbox behind', async () => {
    await expect(startAgent(config(), log)).rejects.toThrow(
      `devices.0.port: serial port ${join(dir, 'ttyUSB9')} does not exist (device "th-1")`,
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses an unknown profile, listing the known ones', async () => {
    const bad = config({ devices: [{ id: 'th-1', profile: 'xy-md03', port: '/dev/null' }] });
    await expect(startAgent(bad, log)).rejects.toThrow(/devices.0.profile: unknown profile "xy-md03" \(known: .*xy-md02/);
  });

  it('takes its profiles from profilesDir when the config names one', async () => {
    const profiles = join(dir, 'profiles');
    await mkdir(profiles);
    await writeFile(
      join(profiles, 'bench-line.yaml'),
      'id: bench-line\nvendor: LopHoc\nmodel: test\ncategory: sensor\ntransport: { serial: { baudRate: 9600 } }\ncodec: { kind: line, terminator: "\\n" }\nevents:\n  - { name: reading, parse: { regex: "^T=(.*)$" } }\n',
    );
    await expect(startAgent(config({ profilesDir: profiles }), log)).rejects.toThrow(
      'devices.0.profile: unknown profile "xy-md02" (known: bench-line)',
    );
  });

  describe('with a simulated sensor and a broker', () => {
    let pty: PtyPair;
    let sim: Awaited<ReturnType<typeof startXyMd02>>;
    let broker: Awaited<ReturnType<typeof startBroker>>;
    beforeEach(async () => {
      pty = await openPtyPair(dir, 'th');
      sim = await startXyMd02(pty.device);
      broker = await startBroker({ port: 0, log });
    });
    afterEach(async () => {
      await broker.stop();
      await sim.stop();
      await pty.close();
    });

    it('publishes retained state, birth and availability, then telemetry with increasing seq', async () => {
      const agent = await startAgent(
        config({ mqtt: { url: broker.url }, devices: [{ id: 'th-1', profile: 'xy-md02', port: pty.host }] }),
        log,
      );
      const client = await mqtt.connectAsync(broker.url, { clientId: 'observer' });
      const seen = new Map<string, unknown[]>();
      client.on('message', (topic, payload) => seen.set(topic, [...(seen.get(topic) ?? []), JSON.parse(payload.toString())]));
      await client.subscribeAsync('lophoc/v1/#', { qos: 1 });
      const base = 'lophoc/v1/ttht-cho-quan/gw-p305';
      await expect.poll(() => seen.get(`${base}/th-1/telemetry`)?.length ?? 0, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
      expect(seen.get(`${base}/state`)?.[0]).toMatchObject({ v: 1, online: true });
      expect(seen.get(`${base}/birth`)?.[0]).toMatchObject({
        kind: 'gateway',
        devices: [
          { id: 'th-1', profile: 'xy-md02', exposes: expect.arrayContaining([{ name: 'temperature', kind: 'reading', unit: '°C' }]) },
        ],
      });
      expect(seen.get(`${base}/th-1/availability`)?.[0]).toMatchObject({ online: true });
      expect(seen.get(`${base}/th-1/telemetry`)?.[0]).toMatchObject({ v: 1, seq: 1, values: { temperature: 30.5, humidity: 54.6 } });
      // No hub acknowledged it, so it is still in the outbox.
      expect(agent.outbox.depth()).toBeGreaterThanOrEqual(1);

      await agent.stop();
      await expect.poll(() => (seen.get(`${base}/state`)?.at(-1) as { online?: boolean })?.online).toBe(false);
      await client.endAsync();
    });

    it('packs a backlog into arrays of up to mqtt.recordsPerMessage records, every seq once and in order', async () => {
      // The shipped XY-MD02 profile, polled every 200 ms instead of 5 s, so a backlog builds up quickly.
      const profiles = join(dir, 'profiles');
      await mkdir(profiles);
      const shipped = await readFile(new URL('../../device-profiles/profiles/xy-md02.yaml', import.meta.url), 'utf8');
      await writeFile(join(profiles, 'xy-md02.yaml'), shipped.replaceAll('intervalMs: 5000', 'intervalMs: 200'));
      const port = await new Promise<number>((resolve) => {
        const probe = createServer().listen(0, '127.0.0.1', () => {
          const { port } = probe.address() as { port: number };
          probe.close(() => resolve(port));
        });
      });
      const agent = await startAgent(
        config({
          mqtt: { url: `mqtt://127.0.0.1:${port}`, recordsPerMessage: 4, maxPublishRate: 10_000 },
          profilesDir: profiles,
          devices: [{ id: 'th-1', profile: 'xy-md02', port: pty.host }],
        }),
        log,
      );
      await expect.poll(() => agent.outbox.depth(), { timeout: 15_000 }).toBeGreaterThanOrEqual(10);
      const late = await startBroker({ port, log });
      const client = await mqtt.connectAsync(late.url, { clientId: 'observer-3' });
      const messages: unknown[] = [];
      client.on('message', (_topic, payload) => messages.push(JSON.parse(payload.toString())));
      await client.subscribeAsync('lophoc/v1/ttht-cho-quan/gw-p305/th-1/telemetry', { qos: 1 });
      await expect.poll(() => messages.flat().length, { timeout: 15_000 }).toBeGreaterThanOrEqual(10);
      await agent.stop();
      await client.endAsync();
      await late.stop();
      expect(messages.some((message) => Array.isArray(message) && message.length > 1)).toBe(true);
      expect(messages.every((message) => !Array.isArray(message) || (message.length >= 1 && message.length <= 4))).toBe(true);
      const seqs = (messages.flat() as { seq: number }[]).map((record) => record.seq);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, index) => seqs[0]! + index));
    }, 60_000);

    it('reports the device offline with the reason after the configured misses, and online again', async () => {
      sim.state.unplugged = true;
      const agent = await startAgent(
        config({ mqtt: { url: broker.url }, offlineAfterMisses: 1, devices: [{ id: 'th-1', profile: 'xy-md02', port: pty.host }] }),
        log,
      );
      const client = await mqtt.connectAsync(broker.url, { clientId: 'observer-2' });
      const availability: { online: boolean; reason?: string }[] = [];
      client.on('message', (_, payload) => availability.push(JSON.parse(payload.toString())));
      await client.subscribeAsync('lophoc/v1/ttht-cho-quan/gw-p305/th-1/availability', { qos: 1 });
      await expect.poll(() => availability.at(-1)?.online, { timeout: 15_000 }).toBe(false);
      expect(availability.at(-1)?.reason).toMatch(/no answer to 1 polls: input register 1 at unit 1 on .*th.host: Timed out/);
      sim.state.unplugged = false;
      await expect.poll(() => availability.at(-1)?.online, { timeout: 15_000 }).toBe(true);
      await agent.stop();
      await client.endAsync();
    }, 40_000);
  });
});

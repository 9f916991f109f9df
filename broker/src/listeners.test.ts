import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startBroker } from './broker.js';
import { collect, connect, refusalCode } from './test-clients.js';

const log = pino({ level: 'silent' });
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lophoc-listeners-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('listeners', () => {
  it('serves MQTT over TCP, TLS (development certificate generated once, then reused) and WebSocket to the same topics', async () => {
    const certDir = join(dir, 'tls');
    const broker = await startBroker({ port: 0, tls: { port: 0, certDir }, ws: { port: 0 }, log });
    try {
      expect(broker.certificate).toBe(readFileSync(join(certDir, 'broker.crt'), 'utf8'));
      const viaTls = await connect(broker.tlsUrl ?? '', { ca: broker.certificate, servername: 'localhost', clientId: 'tls-reader' });
      const viaWs = await connect(broker.wsUrl ?? '', { clientId: 'ws-reader' });
      const tlsSeen = collect(viaTls);
      const wsSeen = collect(viaWs);
      await viaTls.subscribeAsync('lophoc/v1/#', { qos: 1 });
      await viaWs.subscribeAsync('lophoc/v1/#', { qos: 1 });
      const viaTcp = await connect(broker.url, { clientId: 'tcp-writer' });
      await viaTcp.publishAsync('lophoc/v1/s/n/health', '{"v":1}', { qos: 1 });
      expect((await tlsSeen.waitFor(1))[0]?.payload.toString()).toBe('{"v":1}');
      expect((await wsSeen.waitFor(1))[0]?.topic).toBe('lophoc/v1/s/n/health');
      // A client that does not trust the certificate is refused by TLS itself.
      await expect(connect(broker.tlsUrl ?? '', { clientId: 'untrusting', rejectUnauthorized: true })).rejects.toThrow(/self[- ]signed/);
      await Promise.all([viaTls, viaWs, viaTcp].map((c) => c.endAsync()));
    } finally {
      await broker.stop();
    }
    const again = await startBroker({ port: 0, tls: { port: 0, certDir }, log });
    expect(again.certificate).toBe(readFileSync(join(certDir, 'broker.crt'), 'utf8'));
    await again.stop();
  });

  it('refuses to listen beyond loopback without a registry', async () => {
    await expect(startBroker({ host: '0.0.0.0', port: 0, log })).rejects.toThrow(/refusing to listen on 0.0.0.0 without a registry/);
  });

  it('refuses a flood of CONNECTs from one address beyond the rate, and serves again once the window passed', async () => {
    const broker = await startBroker({ port: 0, log, limits: { connectionsPerAddress: { max: 5, windowMs: 500 } } });
    try {
      const codes = [];
      for (let i = 0; i < 8; i++) codes.push(await refusalCode(broker.url, { clientId: `flood-${i}` }));
      expect(codes.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
      expect(codes.slice(5).every((code) => code !== 0)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 550));
      expect(await refusalCode(broker.url, { clientId: 'after-the-flood' })).toBe(0);
    } finally {
      await broker.stop();
    }
  });
});

describe('durability on SQLite', () => {
  it('keeps retained messages and QoS 1 messages queued for an offline persistent session across a restart', async () => {
    const storage = { kind: 'sqlite' as const, file: join(dir, 'sessions.db') };
    let broker = await startBroker({ port: 0, log, storage });
    const hub = await connect(broker.url, { clientId: 'lophoc-ops-center', clean: false });
    await hub.subscribeAsync('lophoc/v1/+/+/cmd/result', { qos: 1 });
    await hub.endAsync();
    const node = await connect(broker.url, { clientId: 's.n' });
    await node.publishAsync('lophoc/v1/s/n/state', '{"v":1,"online":true}', { qos: 1, retain: true });
    await node.publishAsync('lophoc/v1/s/n/cmd/result', '{"v":1,"id":"c1","ok":true}', { qos: 1 });
    await node.endAsync();
    await broker.stop();

    broker = await startBroker({ port: 0, log, storage });
    try {
      const back = await connect(broker.url, { clientId: 'lophoc-ops-center', clean: false });
      const queued = collect(back);
      expect((await queued.waitFor(1))[0]?.payload.toString()).toBe('{"v":1,"id":"c1","ok":true}');
      const fresh = await connect(broker.url, { clientId: 'console' });
      const retained = collect(fresh);
      await fresh.subscribeAsync('lophoc/v1/+/+/state', { qos: 1 });
      const [state] = await retained.waitFor(1);
      expect(state?.retain).toBe(true);
      expect(state?.payload.toString()).toBe('{"v":1,"online":true}');
      await Promise.all([back.endAsync(), fresh.endAsync()]);
    } finally {
      await broker.stop();
    }
  });
});

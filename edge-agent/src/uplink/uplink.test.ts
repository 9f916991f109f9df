import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '@lophoc/broker';
import { mergeRanges } from '@lophoc/protocol';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox, Priority } from './outbox.js';
import { Uplink } from './uplink.js';

const log = pino({ level: 'silent' });
const base = 'lophoc/v1/ttht-binh-thanh/gw-p2';

/** The uplink's drain on a real aedes broker with a hub that acknowledges what it chooses to. */
describe('Uplink drain', () => {
  let dir: string;
  let broker: Awaited<ReturnType<typeof startBroker>>;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-uplink-'));
    broker = await startBroker({ port: 0, log });
  });
  afterEach(async () => {
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('sends again, after the ack timeout, exactly the records whose ack never came', async () => {
    const outbox = new Outbox(join(dir, 'outbox.db'));
    for (let i = 0; i < 300; i++) {
      outbox.append(`${base}/th-1/telemetry`, Priority.telemetry, (seq) => ({ v: 1, ts: Date.now(), seq, values: { temperature: i } }));
    }
    const hub = await mqtt.connectAsync(broker.url, { clientId: 'hub' });
    const deliveries = new Map<number, number>();
    hub.on('message', (_, payload) => {
      const parsed = JSON.parse(payload.toString()) as { seq: number } | { seq: number }[];
      const seqs = (Array.isArray(parsed) ? parsed : [parsed]).map((record) => record.seq);
      for (const seq of seqs) deliveries.set(seq, (deliveries.get(seq) ?? 0) + 1);
      // The first delivery of every seq divisible by 7 is "lost" on the way to the store: no ack for it.
      const acked = seqs.filter((seq) => seq % 7 !== 0 || deliveries.get(seq)! > 1);
      if (acked.length) hub.publish(`${base}/ack`, JSON.stringify({ v: 1, ts: Date.now(), ranges: mergeRanges(acked) }), { qos: 1 });
    });
    await hub.subscribeAsync(`${base}/+/telemetry`, { qos: 1 });
    const uplink = new Uplink({
      url: broker.url,
      site: 'ttht-binh-thanh',
      node: 'gw-p2',
      version: 'test',
      outbox,
      log,
      birth: () => ({ v: 1, ts: Date.now(), kind: 'gateway', version: 'test', devices: [] }),
      ackTimeoutMs: 1000,
      maxPublishRate: 100_000,
      batchSize: 50,
      inFlightWindow: 4,
      recordsPerMessage: 10,
    });
    uplink.start();
    await expect.poll(() => outbox.depth(), { timeout: 10_000, interval: 100 }).toBe(0);
    await uplink.stop();
    await hub.endAsync();
    outbox.close();
    expect([...deliveries.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    // Unacknowledged seqs went out twice, the others once: the resend took only what was overdue and still held.
    const twice = [...deliveries].filter(([, n]) => n > 1).map(([seq]) => seq);
    expect(twice).toEqual(Array.from({ length: 42 }, (_, i) => (i + 1) * 7));
    expect(Math.max(...deliveries.values())).toBe(2);
  }, 20_000);
});

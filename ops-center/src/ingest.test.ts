import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningBroker, startBroker } from '@lophoc/broker';
import { decodeMessage, MAX_PAYLOAD_BYTES } from '@lophoc/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningOpsCenter, startOpsCenter } from './ops-center.js';

const log = pino({ level: 'silent' });
const base = 'lophoc/v1/ttht-cho-lon/gw-p101';
const telemetry = (seq: number, temperature: number) =>
  JSON.stringify({ v: 1, ts: Date.UTC(2026, 10, 28, 8, 0, seq), seq, values: { temperature } });

describe('ops-center ingest and HTTP API on a real broker and SQLite', () => {
  let dir: string;
  let broker: RunningBroker;
  let ops: RunningOpsCenter;
  let node: MqttClient;
  let acks: { ranges: [number, number][] }[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-ops-'));
    broker = await startBroker({ port: 0, log });
    ops = await startOpsCenter({ dataDir: dir, mqttUrl: broker.url, port: 0, log, consoleDir: join(dir, 'no-console') });
    node = await mqtt.connectAsync(broker.url, { clientId: 'ttht-cho-lon.gw-p101' });
    acks = [];
    // Through the protocol's own decoder: the ingest builds ack payloads without it, they must still pass it.
    node.on('message', (topic, payload) => {
      const ack = decodeMessage(topic, payload);
      if (ack.kind === 'ack') acks.push(ack.payload);
    });
    await node.subscribeAsync(`${base}/ack`, { qos: 1 });
  });
  afterEach(async () => {
    await node.endAsync();
    await ops.stop();
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores each (node, seq) once and acknowledges every stored seq, duplicates included', async () => {
    const acked = () =>
      acks.flatMap((ack) => ack.ranges.flatMap(([from, to]) => Array.from({ length: to - from + 1 }, (_, i) => from + i)));
    await node.publishAsync(`${base}/th-1/telemetry`, telemetry(1, 30.5), { qos: 1 });
    await node.publishAsync(`${base}/th-1/telemetry`, telemetry(2, 30.6), { qos: 1 });
    await expect.poll(() => acked().sort()).toEqual([1, 2]);
    // The node did not get that ack (say, it was offline) and sends seq 2 again: stored once, acknowledged again.
    await node.publishAsync(`${base}/th-1/telemetry`, telemetry(2, 30.6), { qos: 1 });
    await expect.poll(() => acked().sort()).toEqual([1, 2, 2]);
    expect(ops.ingest.stats).toMatchObject({ stored: 2, duplicates: 1, malformed: 0 });
    const series = await ops.store.series({ site: 'ttht-cho-lon', node: 'gw-p101', device: 'th-1', name: 'temperature' });
    expect(series.map(([, v]) => v)).toEqual([30.5, 30.6]);
  });

  it('counts and skips malformed messages without stopping ingest', async () => {
    const garbage: [string, string | Buffer][] = [
      [`${base}/th-1/telemetry`, '{"v":1,"ts":'],
      [`${base}/th-1/telemetry`, JSON.stringify({ v: 1, ts: 1, seq: 1, values: { temperature: 1 } })],
      [`${base}/th-1/telemetry`, Buffer.from([0xff, 0xfe, 0x00])],
      [`${base}/Bad_Device/telemetry`, telemetry(9, 1)],
      [`${base}/th-1/metrics`, telemetry(9, 1)],
    ];
    for (const [topic, payload] of garbage) await node.publishAsync(topic, payload, { qos: 1 });
    await node.publishAsync(`${base}/th-1/telemetry`, telemetry(3, 29.9), { qos: 1 });
    await expect.poll(() => ops.ingest.stats.stored).toBe(1);
    // the unknown device-level topic "metrics" is outside the subscriptions, so the broker never delivers it
    expect(ops.ingest.stats.malformed).toBe(4);
    expect(ops.ingest.stats.malformedByCode).toEqual({ 'bad-json': 2, 'bad-payload': 1, 'bad-id': 1 });
    const health = (await (await fetch(`${ops.url}/api/health`)).json()) as { ingest: { malformed: number } };
    expect(health.ingest.malformed).toBe(4);
    expect(await (await fetch(`${ops.url}/api/latest`)).json()).toEqual([
      { site: 'ttht-cho-lon', node: 'gw-p101', device: 'th-1', name: 'temperature', value: 29.9, ts: Date.UTC(2026, 10, 28, 8, 0, 3) },
    ]);
  });

  it('refuses an oversized payload by its size, before parsing it, and stores the next record', async () => {
    const huge = JSON.stringify({
      v: 1,
      ts: Date.UTC(2026, 10, 28),
      seq: 5,
      values: { temperature: 1 },
      pad: 'x'.repeat(MAX_PAYLOAD_BYTES),
    });
    await node.publishAsync(`${base}/th-1/telemetry`, huge, { qos: 1 });
    await node.publishAsync(`${base}/th-1/telemetry`, telemetry(6, 30.1), { qos: 1 });
    await expect.poll(() => ops.ingest.stats.stored).toBe(1);
    expect(ops.ingest.stats.malformedByCode).toEqual({ 'too-large': 1 });
    await expect.poll(() => acks.flatMap((ack) => ack.ranges)).toEqual([[6, 6]]); // the refused record is not acknowledged
  });

  it('answers bad series queries with 400 naming the parameter', async () => {
    const response = await fetch(`${ops.url}/api/series?site=ttht-cho-lon&node=gw-p101&device=TH&name=temperature`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'query parameter "device" must be a valid id' });
    const time = await fetch(`${ops.url}/api/series?site=a&node=b&device=c&name=temperature&from=yesterday`);
    expect(time.status).toBe(400);
    expect(await time.json()).toEqual({ error: 'query parameter "from" must be ms since epoch' });
  });

  it('keeps the data of a node it has no birth for, and lists that node without a room', async () => {
    // No state, no birth: the broker let it publish (its ACL decides that); the ops-center must not drop its data.
    await node.publishAsync(`${base}/th-1/telemetry`, telemetry(7, 29.5), { qos: 1 });
    await expect.poll(() => ops.ingest.stats.stored).toBe(1);
    const series = await ops.store.series({ site: 'ttht-cho-lon', node: 'gw-p101', device: 'th-1', name: 'temperature' });
    expect(series.map(([, v]) => v)).toEqual([29.5]);
    const nodes = (await (await fetch(`${ops.url}/api/nodes`)).json()) as Record<string, unknown>[];
    expect(nodes).toEqual([expect.objectContaining({ site: 'ttht-cho-lon', node: 'gw-p101', lastSeen: expect.any(Number) })]);
    expect(nodes[0]?.room).toBeUndefined();
  });

  it('keeps node state, birth and device availability for the fleet view', async () => {
    await node.publishAsync(`${base}/state`, JSON.stringify({ v: 1, online: true, ts: Date.now(), version: '0.1.0' }), {
      qos: 1,
      retain: true,
    });
    await node.publishAsync(
      `${base}/birth`,
      JSON.stringify({
        v: 1,
        ts: Date.now(),
        kind: 'gateway',
        version: '0.1.0',
        room: 'Phòng 101',
        devices: [{ id: 'th-1', profile: 'xy-md02', exposes: [] }],
      }),
      { qos: 1, retain: true },
    );
    await node.publishAsync(`${base}/th-1/availability`, JSON.stringify({ v: 1, online: false, ts: Date.now(), reason: 'no answer' }), {
      qos: 1,
      retain: true,
    });
    await expect
      .poll(async () => (await fetch(`${ops.url}/api/nodes`)).json())
      .toEqual([
        expect.objectContaining({
          site: 'ttht-cho-lon',
          node: 'gw-p101',
          online: true,
          room: 'Phòng 101',
          devices: [{ device: 'th-1', profile: 'xy-md02', online: false, reason: 'no answer', since: expect.any(Number) }],
        }),
      ]);
  });

  it('says the console is not built rather than failing obscurely', async () => {
    const response = await fetch(`${ops.url}/`);
    expect(response.status).toBe(503);
    expect(await response.text()).toMatch(/npm run build/);
  });
});

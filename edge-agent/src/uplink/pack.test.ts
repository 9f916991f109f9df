import { telemetryPayload } from '@lophoc/protocol';
import { describe, expect, it } from 'vitest';
import type { OutboxRecord } from './outbox.js';
import { packMessages } from './uplink.js';

const telemetry = (seq: number, device: string): OutboxRecord => ({
  seq,
  priority: 0,
  topic: `lophoc/v1/s/n/${device}/telemetry`,
  payload: JSON.stringify({ v: 1, ts: 1_700_000_000_000, seq, values: { temperature: 30 + seq / 10 } }),
});
const event = (seq: number): OutboxRecord => ({
  seq,
  priority: 5,
  topic: 'lophoc/v1/s/n/reader/event',
  payload: JSON.stringify({ v: 1, ts: 1_700_000_000_000, seq, type: 'card', data: {} }),
});

describe('packMessages', () => {
  it('packs telemetry of one device into arrays the protocol accepts, leaves events alone, and drops no record', () => {
    const records = [event(1), telemetry(2, 'th-1'), telemetry(3, 'th-2'), telemetry(4, 'th-1'), event(5), telemetry(6, 'th-1')];
    const messages = packMessages(records, 2);
    expect(messages.map((m) => [m.topic.split('/')[4], m.records])).toEqual([
      ['reader', 1],
      ['th-1', 2],
      ['th-2', 1],
      ['reader', 1],
      ['th-1', 1],
    ]);
    const seqs = messages.flatMap((m) => {
      const parsed = JSON.parse(m.payload) as { seq: number } | { seq: number }[];
      if (m.topic.endsWith('/telemetry')) telemetryPayload.parse(parsed);
      return Array.isArray(parsed) ? parsed.map((r) => r.seq) : [parsed.seq];
    });
    expect(seqs.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(JSON.parse(messages[1]!.payload)).toHaveLength(2);
    expect(JSON.parse(messages[2]!.payload)).toMatchObject({ seq: 3 }); // a lone record stays an object
  });

  it('sends one message per record when packing is off', () => {
    const records = [telemetry(1, 'th-1'), telemetry(2, 'th-1')];
    expect(packMessages(records, 1).map((m) => m.payload)).toEqual(records.map((r) => r.payload));
  });

  it('starts a new message before a packed payload grows past 64 KiB', () => {
    const big = (seq: number): OutboxRecord => ({ ...telemetry(seq, 'th-1'), payload: JSON.stringify({ seq, pad: 'x'.repeat(30_000) }) });
    const messages = packMessages([big(1), big(2), big(3)], 1000);
    expect(messages.map((m) => m.records)).toEqual([2, 1]);
    expect(Math.max(...messages.map((m) => Buffer.byteLength(m.payload)))).toBeLessThan(64 * 1024);
  });
});

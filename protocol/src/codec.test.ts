import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, MAX_PAYLOAD_BYTES } from './codec.js';
import { mergeRanges, rangesContain } from './ranges.js';

const ts = Date.UTC(2026, 10, 28, 8, 0, 0);
const site = 'ttht-an-dong';
const node = 'gw-p204';
const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('codec', () => {
  it('round-trips a telemetry record and a batch', () => {
    const one = { v: 1 as const, ts, seq: 7, values: { temperature: 30.5, humidity: 54.6 } };
    const encoded = encodeMessage({ kind: 'telemetry', site, node, device: 'th-1' }, one);
    expect(encoded.topic).toBe('lophoc/v1/ttht-an-dong/gw-p204/th-1/telemetry');
    expect(decodeMessage(encoded.topic, encoded.payload)).toEqual({
      kind: 'telemetry',
      topic: { kind: 'telemetry', site, node, device: 'th-1' },
      payload: one,
    });
    const batch = [one, { ...one, seq: 8 }];
    expect(decodeMessage(encoded.topic, bytes(batch)).payload).toEqual(batch);
  });

  it('round-trips every node-level payload', () => {
    const samples = [
      [
        { kind: 'state', site, node },
        { v: 1, online: true, ts, version: '0.1.0' },
      ],
      [
        { kind: 'birth', site, node },
        {
          v: 1,
          ts,
          kind: 'gateway',
          version: '0.1.0',
          devices: [{ id: 'th-1', profile: 'xy-md02', exposes: [{ name: 'temperature', kind: 'reading', unit: '°C' }] }],
        },
      ],
      [
        { kind: 'health', site, node },
        { v: 1, ts, uptimeS: 12.5, rssBytes: 1024, outboxDepth: 0, rates: { published: 1.5 } },
      ],
      [
        { kind: 'cmd', site, node },
        { v: 1, id: 'c-1', device: 'projector', method: 'power', params: { on: true }, expiresAt: ts + 60_000 },
      ],
      [
        { kind: 'cmd-result', site, node },
        { v: 1, id: 'c-1', ok: false, error: 'ERR', ts },
      ],
      [
        { kind: 'ack', site, node },
        {
          v: 1,
          ts,
          ranges: [
            [1, 5],
            [9, 9],
          ],
        },
      ],
      [
        { kind: 'event', site, node, device: 'reader' },
        { v: 1, ts, seq: 3, type: 'card.tap', data: { card: 'a1b2' } },
      ],
      [
        { kind: 'availability', site, node, device: 'reader' },
        { v: 1, ts, online: false, reason: 'port /dev/ttyUSB0 disappeared' },
      ],
      [
        { kind: 'outbox', outbox: 'rating', site, node },
        { v: 1, ts, seq: 4, key: 'rating-0001', data: { stars: 5 } },
      ],
    ] as const;
    for (const [topic, payload] of samples) {
      // biome-ignore lint/suspicious/noExplicitAny: the table mixes every topic kind
      const encoded = encodeMessage(topic as any, payload as any);
      expect(decodeMessage(encoded.topic, encoded.payload)).toEqual({ kind: topic.kind, topic, payload });
    }
  });

  it.each([
    ['not json', Buffer.from('{"v":1,'), /th-1\/telemetry: payload is not JSON/],
    ['missing version', bytes({ ts, seq: 1, values: { t: 1 } }), /v: Invalid input: expected 1/],
    ['wrong version', bytes({ v: 2, ts, seq: 1, values: { t: 1 } }), /v: Invalid input: expected 1/],
    ['seconds instead of ms', bytes({ v: 1, ts: 1_764_316_800, seq: 1, values: { t: 1 } }), /ts: Too small/],
    ['negative seq', bytes({ v: 1, ts, seq: -1, values: { t: 1 } }), /seq: Too small/],
    ['string value', bytes({ v: 1, ts, seq: 1, values: { t: '30.5' } }), /values.t: Invalid input: expected number/],
    ['empty values', bytes({ v: 1, ts, seq: 1, values: {} }), /values: must hold at least one value/],
    ['unknown field', bytes({ v: 1, ts, seq: 1, values: { t: 1 }, extra: true }), /Unrecognized key: "extra"/],
    ['empty batch', bytes([]), /payload/],
  ])('refuses a malformed telemetry payload: %s', (_, payload, message) => {
    expect(() => decodeMessage('lophoc/v1/s/n/th-1/telemetry', payload)).toThrow(message);
  });

  it('refuses an ack range that runs backwards', () => {
    expect(() => decodeMessage('lophoc/v1/s/n/ack', bytes({ v: 1, ts, ranges: [[5, 1]] }))).toThrow(
      /ranges.0: range start must not exceed its end/,
    );
  });

  it('refuses an oversized payload before parsing it', () => {
    const big = Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20);
    expect(() => decodeMessage('lophoc/v1/s/n/th-1/telemetry', big)).toThrow(/exceeds 262144/);
  });

  it('refuses to encode an invalid payload', () => {
    // biome-ignore lint/suspicious/noExplicitAny: deliberately wrong payload
    expect(() => encodeMessage({ kind: 'state', site, node }, { v: 1, online: 'yes', ts, version: '1' } as any)).toThrow(
      /lophoc\/v1\/ttht-an-dong\/gw-p204\/state: online/,
    );
  });
});

describe('seq ranges', () => {
  it('merges numbers and ranges into the fewest ranges', () => {
    expect(mergeRanges([5, 1, 2, 3, [7, 9], 8, 10, 12])).toEqual([
      [1, 3],
      [5, 5],
      [7, 10],
      [12, 12],
    ]);
    expect(mergeRanges([])).toEqual([]);
  });
  it('answers membership', () => {
    expect(rangesContain([[1, 3]], 2)).toBe(true);
    expect(rangesContain([[1, 3]], 4)).toBe(false);
  });
});

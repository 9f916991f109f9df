import { decodeMessage, type Message } from '@lophoc/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeIngested } from './decode.js';

const outcome = (decode: () => Message) => {
  try {
    return { ok: decode() };
  } catch (error) {
    return { error: (error as Error).message };
  }
};
const same = (topic: string, payload: Buffer) =>
  expect(outcome(() => decodeIngested(topic, payload))).toEqual(outcome(() => decodeMessage(topic, payload)));

const topics = fc.oneof(
  fc.constant('lophoc/v1/ttht-cho-lon/gw-p101/th-1/telemetry'),
  fc.constantFrom(
    'lophoc/v1/ttht-cho-lon/gw-p101/state/telemetry',
    'lophoc/v1/ttht-cho-lon/gw-p101/outbox/telemetry',
    'lophoc/v1/Ttht/gw-p101/th-1/telemetry',
    'lophoc/v1/ttht-cho-lon/gw-p101/th-1/event',
    'lophoc/v2/ttht-cho-lon/gw-p101/th-1/telemetry',
  ),
);
/** Mostly valid, each field sometimes just off: the two decoders must agree at every edge. */
const often = <T, U>(valid: fc.Arbitrary<T>, off: fc.Arbitrary<U>) =>
  fc.oneof({ arbitrary: valid, weight: 4 }, { arbitrary: off, weight: 1 });
const almostNumber = fc.oneof(
  fc.integer({ min: 946_684_799_990, max: 946_684_800_010 }),
  fc.integer({ min: 4_102_444_799_990, max: 4_102_444_800_010 }),
  fc.integer({ min: -3, max: 3 }),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, 1.5, '5', null),
);
const readingNames = fc.constantFrom('temperature', 'co2_ppm', 'a'.repeat(63));
const values = often(
  fc.dictionary(readingNames, fc.double({ noNaN: true, noDefaultInfinity: true }), { minKeys: 1, maxKeys: 3 }),
  fc.dictionary(
    fc.oneof(readingNames, fc.constantFrom('Temp', '_x', '__proto__', 'a'.repeat(64), '9x'), fc.string()),
    fc.oneof(fc.double(), fc.constant('1'), fc.constant(null)),
    { maxKeys: 3 },
  ),
);
const validRecord = fc.record({
  v: often(fc.constant(1), fc.constantFrom(2, '1', null)),
  ts: often(fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 }), almostNumber),
  seq: often(fc.nat(), almostNumber),
  values,
});
const record = often(
  validRecord,
  fc.oneof(
    validRecord.chain((r) => fc.constantFrom('v', 'ts', 'seq', 'values').map((key) => ({ ...r, [key]: undefined }))),
    validRecord.chain((r) => fc.anything().map((extra) => ({ ...r, extra }))),
  ),
);

describe('the ingest decoder decides exactly as the protocol decoder', () => {
  it('for valid telemetry records and batches, and the usual Vietnamese-named sites', () => {
    const ts = Date.UTC(2026, 10, 28, 8);
    const one = { v: 1, ts, seq: 7, values: { temperature: 24.5, co2_ppm: 812 } };
    same('lophoc/v1/ttht-cho-lon/gw-p101/th-1/telemetry', Buffer.from(JSON.stringify(one)));
    same('lophoc/v1/ttht-cho-lon/gw-p101/th-1/telemetry', Buffer.from(JSON.stringify([one, { ...one, seq: 8 }])));
    expect(decodeIngested('lophoc/v1/ttht-cho-lon/gw-p101/th-1/telemetry', Buffer.from(JSON.stringify(one)))).toEqual({
      kind: 'telemetry',
      topic: { kind: 'telemetry', site: 'ttht-cho-lon', node: 'gw-p101', device: 'th-1' },
      payload: one,
    });
  });

  it('refuses what the protocol refuses with its message naming the field', () => {
    const topic = 'lophoc/v1/ttht-cho-lon/gw-p101/th-1/telemetry';
    const bad = { v: 1, ts: Date.UTC(2026, 10, 28, 8), seq: -1, values: { temperature: 24.5 } };
    expect(() => decodeIngested(topic, Buffer.from(JSON.stringify(bad)))).toThrow(/seq/);
    same(topic, Buffer.from('{"v":1,'));
  });

  it('for random near-miss records, batches, topics and raw bytes', () => {
    fc.assert(
      fc.property(topics, fc.oneof(record, fc.array(record, { maxLength: 3 }), fc.anything()), (topic, payload) => {
        same(topic, Buffer.from(JSON.stringify(payload) ?? 'undefined'));
      }),
      { numRuns: 3000 },
    );
  });
});

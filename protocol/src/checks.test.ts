import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { checkPayload, PayloadIssue } from './checks.js';
import { validatePayload as validateLite } from './lite.js';
import { payloadSchemas } from './payloads.js';
import { TOPIC_ROOT, type TopicKind } from './topics.js';

/*
 * The hand-written checks (checks.ts, behind @lophoc/protocol/lite) against the zod schemas they copy: on valid
 * payloads of every kind and on mutations of them (a value replaced by one of another type or out of range, a
 * field removed, a key added, an array emptied or grown past its limit), both accept or both refuse, and a refusal
 * names a field zod names too.
 */

const ts = fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 });
const seq = fc.maxSafeNat();
const deviceId = fc
  .stringMatching(/^[a-z0-9][a-z0-9-]{0,12}$/)
  .filter((id) => !['cmd', 'outbox', 'state', 'birth', 'health', 'ack'].includes(id));
const readingName = fc.stringMatching(/^[a-z][a-z0-9_]{0,12}$/);
const text = (minLength: number, maxLength: number) => fc.string({ minLength, maxLength, unit: 'grapheme' });
const data = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
const number = fc.double({ noNaN: true, noDefaultInfinity: true });
const nonNegative = fc.double({ min: 0, noNaN: true, noDefaultInfinity: true });
const nat = fc.nat({ max: 2 ** 40 });
const telemetryRecord = fc.record({ v: fc.constant(1), ts, seq, values: fc.dictionary(readingName, number, { minKeys: 1, maxKeys: 4 }) });
const range = fc.tuple(seq, seq).map(([a, b]) => (a <= b ? [a, b] : [b, a]));

const VALID: { [K in TopicKind]: fc.Arbitrary<unknown> } = {
  state: fc.record({ v: fc.constant(1), online: fc.boolean(), ts, version: text(1, 64) }),
  birth: fc.record(
    {
      v: fc.constant(1),
      ts,
      kind: fc.constantFrom('gateway', 'kiosk'),
      version: text(1, 64),
      room: text(0, 120),
      devices: fc.array(
        fc.record(
          {
            id: deviceId,
            profile: text(1, 120),
            name: text(0, 120),
            exposes: fc.array(
              fc.record(
                { name: readingName, kind: fc.constantFrom('reading', 'event', 'command'), unit: text(0, 16), description: text(0, 200) },
                { requiredKeys: ['name', 'kind'] },
              ),
              { maxLength: 3 },
            ),
          },
          { requiredKeys: ['id', 'profile', 'exposes'] },
        ),
        { maxLength: 3 },
      ),
    },
    { requiredKeys: ['v', 'ts', 'kind', 'version', 'devices'] },
  ),
  health: fc.record(
    {
      v: fc.constant(1),
      ts,
      uptimeS: nonNegative,
      rssBytes: nat,
      outboxDepth: nat,
      rates: fc.dictionary(fc.string({ maxLength: 8 }), nonNegative, { maxKeys: 3 }),
      devices: fc.dictionary(deviceId, fc.record({ available: fc.boolean(), reason: text(0, 200) }, { requiredKeys: ['available'] }), {
        maxKeys: 3,
      }),
    },
    { requiredKeys: ['v', 'ts', 'uptimeS', 'rssBytes', 'outboxDepth', 'rates'] },
  ),
  cmd: fc.record({
    v: fc.constant(1),
    id: text(1, 64),
    device: deviceId,
    method: fc.stringMatching(/^[a-z][a-z0-9_-]{0,12}$/),
    params: data,
    expiresAt: ts,
  }),
  'cmd-result': fc.record(
    { v: fc.constant(1), id: text(1, 64), ok: fc.boolean(), result: fc.jsonValue({ maxDepth: 2 }), error: text(0, 500), ts },
    { requiredKeys: ['v', 'id', 'ok', 'ts'] },
  ),
  ack: fc.record({ v: fc.constant(1), ts, ranges: fc.array(range, { minLength: 1, maxLength: 5 }) }),
  telemetry: fc.oneof(telemetryRecord, fc.array(telemetryRecord, { minLength: 1, maxLength: 3 })),
  event: fc.record({ v: fc.constant(1), ts, seq, type: fc.stringMatching(/^[a-z][a-z0-9_.-]{0,12}$/), data }),
  availability: fc.record({ v: fc.constant(1), online: fc.boolean(), ts, reason: text(0, 500) }, { requiredKeys: ['v', 'online', 'ts'] }),
  outbox: fc.record({ v: fc.constant(1), ts, seq, key: text(8, 128), data }),
};
const KINDS = Object.keys(VALID) as TopicKind[];

/** Values that break a field: other types, boundaries of the ranges above, what JSON cannot carry. */
const replacement = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    null,
    undefined,
    0,
    -1,
    0.5,
    1,
    2,
    -0.000001,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    2 ** 53,
    946_684_799_999,
    4_102_444_800_001,
    1_764_316_800,
    '',
    'x',
    'X',
    'cmd',
    'a'.repeat(65),
    'a'.repeat(501),
    '1',
    true,
    [],
    {},
    [1],
    [5, 1],
    [1, 2, 3],
    'reading',
    'kiosk',
  ),
);

type Json = unknown;
type Step = string | number;

/** Every path in a JSON tree, the root first. */
function paths(value: Json, at: Step[] = []): Step[][] {
  const found: Step[][] = [at];
  if (Array.isArray(value)) for (const [index, item] of value.entries()) found.push(...paths(item, [...at, index]));
  else if (value && typeof value === 'object') for (const [key, item] of Object.entries(value)) found.push(...paths(item, [...at, key]));
  return found;
}

function mutate(value: Json, path: Step[], how: number, replace: unknown): Json {
  if (path.length === 0) {
    switch (how % 6) {
      case 0:
        return replace;
      case 1:
        return Array.isArray(value) ? [] : value && typeof value === 'object' ? { ...value, extra: replace } : replace;
      case 2:
        return Array.isArray(value)
          ? Array.from({ length: value.length > 0 && value.length < 3 ? 1001 : 10_001 }, () => value[0])
          : replace;
      case 3:
        return typeof value === 'string' ? value.repeat(200) : typeof value === 'number' ? -value - 1 : replace;
      case 4:
        return typeof value === 'number'
          ? value + 0.5
          : value && typeof value === 'object'
            ? JSON.parse(`{"__proto__": 1, "v": 1}`)
            : replace;
      default:
        return typeof value === 'number' ? value * 1e6 : replace;
    }
  }
  const [step, ...rest] = path as [Step, ...Step[]];
  if (Array.isArray(value)) return value.map((item, index) => (index === step ? mutate(item, rest, how, replace) : item));
  const object = value as Record<string, Json>;
  if (rest.length === 0 && how % 7 === 6) {
    const { [step]: _removed, ...others } = object;
    return others;
  }
  return { ...object, [step]: mutate(object[step], rest, how, replace) };
}

/** Every path zod names in its issues, through the branches of a union. */
function zodPaths(issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[] = []): string[] {
  return issues.flatMap((issue) => {
    const here = [...prefix, ...issue.path];
    const own = [here.map(String).join('.')];
    if (issue.code === 'invalid_union') return [...own, ...issue.errors.flatMap((branch) => zodPaths(branch, here))];
    if (issue.code === 'invalid_key') return [...own, ...zodPaths(issue.issues, here)];
    return own;
  });
}

function compare(kind: TopicKind, payload: unknown): void {
  const reference = payloadSchemas[kind].safeParse(payload);
  let issue: PayloadIssue | undefined;
  try {
    checkPayload(kind, payload);
  } catch (error) {
    if (!(error instanceof PayloadIssue)) throw error;
    issue = error;
  }
  const label = `${kind} ${JSON.stringify(payload)?.slice(0, 300)}`;
  expect(issue === undefined, `${label}: zod ${reference.success ? 'accepts' : 'refuses'}, lite: ${issue?.message ?? 'accepts'}`).toBe(
    reference.success,
  );
  if (issue && !reference.success) {
    const field = issue.path.join('.') || '(payload)';
    const named = zodPaths(reference.error.issues).map((path) => path || '(payload)');
    expect(named, `${label}: lite names ${field}`).toContain(field);
    expect(() => validateLite(kind, payload, 'p')).toThrow(`p: ${field}: ${issue.message}`);
  }
}

describe('@lophoc/protocol/lite payload checks', () => {
  it.each(KINDS)('accept every valid %s payload the zod schema accepts', (kind) => {
    fc.assert(
      fc.property(VALID[kind], (payload) => compare(kind, payload)),
      { numRuns: 300 },
    );
  });

  it.each(KINDS)('accept and refuse mutated %s payloads exactly as the zod schema does, naming the field', (kind) => {
    fc.assert(
      fc.property(VALID[kind], fc.nat(), fc.nat(), replacement, (payload, where, how, replace) => {
        const all = paths(payload);
        compare(kind, mutate(payload, all[where % all.length]!, how, replace));
      }),
      { numRuns: 1500 },
    );
  });

  it('decodes the messages the gateway receives and refuses a bad one naming topic and field', async () => {
    const { decodeMessage } = await import('./lite.js');
    const topic = `${TOPIC_ROOT}/s/n/ack`;
    const ack = { v: 1, ts: 1_764_316_800_000, ranges: [[1, 5]] };
    expect(decodeMessage(topic, Buffer.from(JSON.stringify(ack)))).toEqual({
      kind: 'ack',
      topic: { kind: 'ack', site: 's', node: 'n' },
      payload: ack,
    });
    expect(() => decodeMessage(topic, Buffer.from(JSON.stringify({ ...ack, ranges: [[5, 1]] })))).toThrow(
      'lophoc/v1/s/n/ack: ranges.0: range start must not exceed its end',
    );
    const cmd = { v: 1, id: 'c-1', device: 'projector', method: 'power', params: { on: 'yes' }, expiresAt: 'soon' };
    expect(() => decodeMessage(`${TOPIC_ROOT}/s/n/cmd`, Buffer.from(JSON.stringify(cmd)))).toThrow(
      'lophoc/v1/s/n/cmd: expiresAt: Invalid input: expected number, received string',
    );
  });
});

import { ID_PATTERN, RESERVED_DEVICE_IDS } from './ids.js';
import type { PayloadOf } from './payloads.js';
import type { TopicKind } from './topics.js';

/*
 * The payload schemas of payloads.ts written out by hand, without zod, for processes that must not load it (the
 * gateway daemon: zod costs ~8 MiB of its idle memory). They accept exactly what the zod schemas accept
 * (checks.test.ts compares them on generated payloads) and name the first wrong field; the messages follow zod's
 * wording but are not guaranteed to be identical. The zod schemas stay the reference: change both together.
 */

type Path = (string | number)[];

/** The first problem found: where (path from the payload's root) and what. */
export class PayloadIssue {
  constructor(
    readonly path: Path,
    readonly message: string,
  ) {}
}

type Check = (value: unknown, path: Path) => void;

const fail = (path: Path, message: string): never => {
  throw new PayloadIssue(path, message);
};

function received(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : String(value);
  return typeof value;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** zod's test for records: an object whose constructor, if any, looks like Object's. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (!isObject(value)) return false;
  const ctor = (value as { constructor?: unknown }).constructor;
  if (ctor === undefined || typeof ctor !== 'function') return true;
  const prototype = (ctor as { prototype?: unknown }).prototype;
  return isObject(prototype) && Object.hasOwn(prototype, 'isPrototypeOf');
}

/** Length in Unicode code points, as zod measures strings (a lone surrogate counts as one). */
function codePoints(value: string): number {
  let count = value.length;
  for (let i = 0; i < value.length - 1; i++) {
    if ((value.charCodeAt(i) & 0xfc00) === 0xd800 && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      count--;
      i++;
    }
  }
  return count;
}

const string =
  (options: { min?: number; max?: number; pattern?: [RegExp, string]; refine?: [(value: string) => boolean, string] } = {}): Check =>
  (value, path) => {
    if (typeof value !== 'string') return fail(path, `Invalid input: expected string, received ${received(value)}`);
    const length =
      (options.min !== undefined && value.length < 2 * options.min) || (options.max !== undefined && value.length > options.max)
        ? codePoints(value)
        : value.length;
    if (options.min !== undefined && length < options.min) fail(path, `Too small: expected string to have >=${options.min} characters`);
    if (options.max !== undefined && length > options.max) fail(path, `Too big: expected string to have <=${options.max} characters`);
    if (options.pattern && !options.pattern[0].test(value)) fail(path, options.pattern[1]);
    if (options.refine && !options.refine[0](value)) fail(path, options.refine[1]);
  };

const number =
  (options: { int?: boolean; min?: number; max?: number } = {}): Check =>
  (value, path) => {
    if (typeof value !== 'number' || !Number.isFinite(value))
      return fail(path, `Invalid input: expected number, received ${received(value)}`);
    if (options.int && !Number.isInteger(value)) fail(path, 'Invalid input: expected int, received number');
    // zod's int() is a safe integer: within ±(2^53 - 1)
    const min = options.int ? Math.max(options.min ?? -Infinity, Number.MIN_SAFE_INTEGER) : options.min;
    const max = options.int ? Math.min(options.max ?? Infinity, Number.MAX_SAFE_INTEGER) : options.max;
    if (min !== undefined && value < min) fail(path, `Too small: expected number to be >=${min}`);
    if (max !== undefined && value > max) fail(path, `Too big: expected number to be <=${max}`);
  };

const boolean: Check = (value, path) => {
  if (typeof value !== 'boolean') fail(path, `Invalid input: expected boolean, received ${received(value)}`);
};

const unknown: Check = () => undefined;

const literal =
  (expected: number): Check =>
  (value, path) => {
    if (value !== expected) fail(path, `Invalid input: expected ${expected}`);
  };

const oneOf =
  (options: readonly string[]): Check =>
  (value, path) => {
    if (!options.includes(value as string))
      fail(path, `Invalid option: expected one of ${options.map((option) => JSON.stringify(option)).join('|')}`);
  };

const array =
  (item: Check, options: { min?: number; max?: number } = {}): Check =>
  (value, path) => {
    if (!Array.isArray(value)) return fail(path, `Invalid input: expected array, received ${received(value)}`);
    if (options.min !== undefined && value.length < options.min) fail(path, `Too small: expected array to have >=${options.min} items`);
    if (options.max !== undefined && value.length > options.max) fail(path, `Too big: expected array to have <=${options.max} items`);
    for (const [index, element] of value.entries()) item(element, [...path, index]);
  };

/** A seq range: `[from, to]` of seqs, from ≤ to. */
const range =
  (item: Check): Check =>
  (value, path) => {
    if (!Array.isArray(value)) return fail(path, `Invalid input: expected tuple, received ${received(value)}`);
    if (value.length < 2) fail(path, 'Too small: expected array to have >=2 items');
    if (value.length > 2) fail(path, 'Too big: expected array to have <=2 items');
    item(value[0], [...path, 0]);
    item(value[1], [...path, 1]);
    if ((value[0] as number) > (value[1] as number)) fail(path, 'range start must not exceed its end');
  };

interface Field {
  check: Check;
  optional?: boolean;
}
const optional = (check: Check): Field => ({ check, optional: true });

/** zod's strictObject: every field checked in order, an absent or undefined optional field skipped, other keys refused. */
const strictObject =
  (shape: Record<string, Check | Field>): Check =>
  (value, path) => {
    if (!isObject(value)) return fail(path, `Invalid input: expected object, received ${received(value)}`);
    for (const [key, field] of Object.entries(shape)) {
      const { check, optional: isOptional } = typeof field === 'function' ? { check: field, optional: false } : field;
      if (isOptional && value[key] === undefined) continue;
      check(value[key], [...path, key]);
    }
    const unrecognized: string[] = [];
    for (const key in value) if (!Object.hasOwn(shape, key)) unrecognized.push(key);
    if (unrecognized.length > 0)
      fail(path, `Unrecognized key${unrecognized.length > 1 ? 's' : ''}: ${unrecognized.map((key) => JSON.stringify(key)).join(', ')}`);
  };

/** zod's record: own enumerable keys, `__proto__` ignored (zod leaves it out of its output). */
function recordKeys(value: Record<string, unknown>): string[] {
  return Object.keys(value).filter((key) => key !== '__proto__');
}

const record =
  (key: Check, item: Check, refine?: [(keys: string[]) => boolean, string]): Check =>
  (value, path) => {
    if (!isPlainObject(value)) return fail(path, `Invalid input: expected record, received ${received(value)}`);
    const keys = recordKeys(value);
    for (const name of keys) {
      try {
        key(name, [...path, name]);
      } catch (error) {
        if (error instanceof PayloadIssue) fail([...path, name], `Invalid key in record: ${error.message}`);
        throw error;
      }
      item(value[name], [...path, name]);
    }
    if (refine && !refine[0](keys)) fail(path, refine[1]);
  };

const anyString = string();
const v = literal(1);
const timestamp = number({ int: true, min: 946_684_800_000, max: 4_102_444_800_000 });
const seq = number({ int: true, min: 0 });
const deviceId = string({
  pattern: [ID_PATTERN, 'must match [a-z0-9][a-z0-9-]{0,62}'],
  refine: [(id) => !RESERVED_DEVICE_IDS.has(id), 'is a reserved id'],
});
const readingName = string({ pattern: [/^[a-z][a-z0-9_]{0,62}$/, 'must be snake_case, starting with a letter'] });
const version = string({ min: 1, max: 64 });
const data = record(anyString, unknown);

const telemetryRecord = strictObject({
  v,
  ts: timestamp,
  seq,
  values: record(readingName, number(), [(keys) => keys.length > 0, 'must hold at least one value']),
});
const telemetryBatch = array(telemetryRecord, { min: 1, max: 1000 });

const CHECKS: Record<TopicKind, Check> = {
  state: strictObject({ v, online: boolean, ts: timestamp, version }),
  birth: strictObject({
    v,
    ts: timestamp,
    kind: oneOf(['gateway', 'kiosk']),
    version,
    room: optional(string({ max: 120 })),
    devices: array(
      strictObject({
        id: deviceId,
        profile: string({ min: 1, max: 120 }),
        name: optional(string({ max: 120 })),
        exposes: array(
          strictObject({
            name: readingName,
            kind: oneOf(['reading', 'event', 'command']),
            unit: optional(string({ max: 16 })),
            description: optional(string({ max: 200 })),
          }),
        ),
      }),
      { max: 1000 },
    ),
  }),
  health: strictObject({
    v,
    ts: timestamp,
    uptimeS: number({ min: 0 }),
    rssBytes: number({ int: true, min: 0 }),
    outboxDepth: number({ int: true, min: 0 }),
    rates: record(anyString, number({ min: 0 })),
    devices: optional(record(deviceId, strictObject({ available: boolean, reason: optional(string({ max: 200 })) }))),
  }),
  cmd: strictObject({
    v,
    id: string({ min: 1, max: 64 }),
    device: deviceId,
    method: string({ pattern: [/^[a-z][a-z0-9_-]{0,62}$/, 'must be a lowercase method name'] }),
    params: data,
    expiresAt: timestamp,
  }),
  'cmd-result': strictObject({
    v,
    id: string({ min: 1, max: 64 }),
    ok: boolean,
    result: optional(unknown),
    error: optional(string({ max: 500 })),
    ts: timestamp,
  }),
  ack: strictObject({ v, ts: timestamp, ranges: array(range(seq), { min: 1, max: 10_000 }) }),
  // A union: a batch when an array, else one record (zod reports the branch that got furthest; so does this).
  telemetry: (value, path) => (Array.isArray(value) ? telemetryBatch(value, path) : telemetryRecord(value, path)),
  event: strictObject({
    v,
    ts: timestamp,
    seq,
    type: string({ pattern: [/^[a-z][a-z0-9_.-]{0,62}$/, 'must be a lowercase event type'] }),
    data,
  }),
  availability: strictObject({ v, online: boolean, ts: timestamp, reason: optional(string({ max: 500 })) }),
  outbox: strictObject({ v, ts: timestamp, seq, key: string({ min: 8, max: 128 }), data }),
};

/** Checks a payload for a topic kind; throws a PayloadIssue naming the first wrong field. */
export function checkPayload<K extends TopicKind>(kind: K, payload: unknown): PayloadOf<K> {
  CHECKS[kind](payload, []);
  return payload as PayloadOf<K>;
}

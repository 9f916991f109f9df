import { z } from 'zod';
import { ID_PATTERN, RESERVED_DEVICE_IDS } from './ids.js';
import type { TopicKind } from './topics.js';

/** DESIGN §3: every payload carries the contract version. */
const v = z.literal(1);
/** Milliseconds since the Unix epoch, UTC. Bounded to years 2000..2100 to catch seconds-vs-ms mistakes. */
export const timestamp = z.number().int().min(946_684_800_000).max(4_102_444_800_000);
/** Per-node sequence number; survives restarts (DESIGN §5). */
export const seq = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const deviceId = z
  .string()
  .regex(ID_PATTERN, 'must match [a-z0-9][a-z0-9-]{0,62}')
  .refine((id) => !RESERVED_DEVICE_IDS.has(id), 'is a reserved id');
const readingName = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'must be snake_case, starting with a letter');

export const statePayload = z.strictObject({ v, online: z.boolean(), ts: timestamp, version: z.string().min(1).max(64) });

export const exposeSchema = z.strictObject({
  name: readingName,
  kind: z.enum(['reading', 'event', 'command']),
  unit: z.string().max(16).optional(),
  description: z.string().max(200).optional(),
});

export const birthPayload = z.strictObject({
  v,
  ts: timestamp,
  kind: z.enum(['gateway', 'kiosk']),
  version: z.string().min(1).max(64),
  room: z.string().max(120).optional(),
  devices: z
    .array(
      z.strictObject({
        id: deviceId,
        profile: z.string().min(1).max(120),
        name: z.string().max(120).optional(),
        exposes: z.array(exposeSchema),
      }),
    )
    .max(1000),
});

export const telemetryRecord = z.strictObject({
  v,
  ts: timestamp,
  seq,
  values: z.record(readingName, z.number().finite()).refine((values) => Object.keys(values).length > 0, 'must hold at least one value'),
});
/** A single record or a batch (DESIGN §3: "batches allowed: array"). */
export const telemetryPayload = z.union([telemetryRecord, z.array(telemetryRecord).min(1).max(1000)]);

export const eventPayload = z.strictObject({
  v,
  ts: timestamp,
  seq,
  type: z.string().regex(/^[a-z][a-z0-9_.-]{0,62}$/, 'must be a lowercase event type'),
  data: z.record(z.string(), z.unknown()),
});

export const availabilityPayload = z.strictObject({
  v,
  online: z.boolean(),
  ts: timestamp,
  reason: z.string().max(500).optional(),
});

export const healthPayload = z.strictObject({
  v,
  ts: timestamp,
  uptimeS: z.number().nonnegative(),
  rssBytes: z.number().int().nonnegative(),
  outboxDepth: z.number().int().nonnegative(),
  rates: z.record(z.string(), z.number().nonnegative()),
  /** Optional: the node's own peripherals (a kiosk's printer and scanner), available or not and why. */
  devices: z.record(deviceId, z.strictObject({ available: z.boolean(), reason: z.string().max(200).optional() })).optional(),
});

export const cmdPayload = z.strictObject({
  v,
  id: z.string().min(1).max(64),
  device: deviceId,
  method: z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'must be a lowercase method name'),
  params: z.record(z.string(), z.unknown()),
  expiresAt: timestamp,
});

export const cmdResultPayload = z.strictObject({
  v,
  id: z.string().min(1).max(64),
  ok: z.boolean(),
  result: z.unknown().optional(),
  error: z.string().max(500).optional(),
  ts: timestamp,
});

/** Inclusive `[from, to]` ranges of `seq` the hub has stored. */
export const ackPayload = z.strictObject({
  v,
  ts: timestamp,
  ranges: z
    .array(z.tuple([seq, seq]).refine(([from, to]) => from <= to, 'range start must not exceed its end'))
    .min(1)
    .max(10_000),
});

export const outboxPayload = z.strictObject({
  v,
  ts: timestamp,
  seq,
  key: z.string().min(8).max(128),
  data: z.record(z.string(), z.unknown()),
});

export const payloadSchemas = {
  state: statePayload,
  birth: birthPayload,
  health: healthPayload,
  cmd: cmdPayload,
  'cmd-result': cmdResultPayload,
  ack: ackPayload,
  telemetry: telemetryPayload,
  event: eventPayload,
  availability: availabilityPayload,
  outbox: outboxPayload,
} as const satisfies Record<TopicKind, z.ZodType>;

export type PayloadOf<K extends TopicKind> = z.infer<(typeof payloadSchemas)[K]>;
export type StatePayload = PayloadOf<'state'>;
export type BirthPayload = PayloadOf<'birth'>;
export type TelemetryRecord = z.infer<typeof telemetryRecord>;
export type TelemetryPayload = PayloadOf<'telemetry'>;
export type EventPayload = PayloadOf<'event'>;
export type AvailabilityPayload = PayloadOf<'availability'>;
export type HealthPayload = PayloadOf<'health'>;
export type CmdPayload = PayloadOf<'cmd'>;
export type CmdResultPayload = PayloadOf<'cmd-result'>;
export type AckPayload = PayloadOf<'ack'>;
export type OutboxPayload = PayloadOf<'outbox'>;

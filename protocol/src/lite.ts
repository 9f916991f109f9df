/**
 * `@lophoc/protocol/lite`: the contract of index.ts without zod, for processes that must stay small (the gateway
 * daemon). Payloads are checked by the hand-written checks.ts, which accept exactly what the zod schemas accept;
 * the zod schema objects themselves are exported only by the main entry. Same functions, same errors (codes, topic
 * and field named), the wording of a payload refusal may differ slightly from zod's.
 */
import { checkPayload, PayloadIssue } from './checks.js';
import { ProtocolError } from './errors.js';
import { messageCodec } from './message.js';
import type { PayloadOf } from './payloads.js';
import type { TopicKind } from './topics.js';

export { ProtocolError, type ProtocolErrorCode } from './errors.js';
export { assertId, ID_PATTERN, type IdKind, isValidId, RESERVED_DEVICE_IDS } from './ids.js';
export { MAX_PAYLOAD_BYTES, type Message } from './message.js';
export type {
  AckPayload,
  AvailabilityPayload,
  BirthPayload,
  CmdPayload,
  CmdResultPayload,
  EventPayload,
  HealthPayload,
  OutboxPayload,
  PayloadOf,
  StatePayload,
  TelemetryPayload,
  TelemetryRecord,
} from './payloads.js';
export { mergeRanges, rangesContain, type SeqRange } from './ranges.js';
export * from './topics.js';

/** Validates a payload for a topic kind; throws a ProtocolError naming the topic and the field. */
export function validatePayload<K extends TopicKind>(kind: K, payload: unknown, where: string = kind): PayloadOf<K> {
  try {
    return checkPayload(kind, payload);
  } catch (error) {
    if (!(error instanceof PayloadIssue)) throw error;
    throw new ProtocolError('bad-payload', `${where}: ${error.path.length ? error.path.join('.') : '(payload)'}: ${error.message}`);
  }
}

export const { encodeMessage, decodeMessage } = messageCodec(validatePayload);

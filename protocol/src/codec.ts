import type { z } from 'zod';
import { ProtocolError } from './errors.js';
import { type PayloadOf, payloadSchemas } from './payloads.js';
import { buildTopic, parseTopic, type Topic, type TopicKind } from './topics.js';

/** Larger payloads are refused before parsing; the broker enforces its own packet limit too. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

/** A decoded message; `kind` repeats `topic.kind` at the top so a `switch` narrows the payload too. */
export type Message = { [K in TopicKind]: { kind: K; topic: Extract<Topic, { kind: K }>; payload: PayloadOf<K> } }[TopicKind];

/**
 * A union failure (telemetry is a record or a batch) says only "Invalid input"; report the branch that
 * got furthest instead, so the message names the actual field.
 */
function flattenUnion(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
    const depth = (branch: z.core.$ZodIssue[]) => Math.max(...branch.map((i) => i.path.length));
    const best = issue.errors.reduce((a, b) => (depth(b) > depth(a) ? b : a));
    return flattenUnion(best.map((i) => ({ ...i, path: [...issue.path, ...i.path] })));
  });
}

function describeIssues(error: z.ZodError): string {
  return flattenUnion(error.issues)
    .slice(0, 3)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(payload)'}: ${issue.message}`)
    .join('; ');
}

/** Validates a payload for a topic kind; throws a ProtocolError naming the topic and the field. */
export function validatePayload<K extends TopicKind>(kind: K, payload: unknown, where: string = kind): PayloadOf<K> {
  const result = payloadSchemas[kind].safeParse(payload);
  if (!result.success) {
    throw new ProtocolError('bad-payload', `${where}: ${describeIssues(result.error)}`);
  }
  return result.data as PayloadOf<K>;
}

/** Topic string and UTF-8 JSON bytes for a message, after validating both. */
export function encodeMessage<K extends TopicKind>(
  topic: Extract<Topic, { kind: K }>,
  payload: PayloadOf<K>,
): { topic: string; payload: Buffer } {
  const name = buildTopic(topic);
  const valid = validatePayload(topic.kind as K, payload, name);
  return { topic: name, payload: Buffer.from(JSON.stringify(valid), 'utf8') };
}

/** Parses and validates a received message; every refusal names the topic and what was wrong. */
export function decodeMessage(topicName: string, bytes: Uint8Array): Message {
  const topic = parseTopic(topicName);
  if (bytes.byteLength > MAX_PAYLOAD_BYTES) {
    throw new ProtocolError('too-large', `${topicName}: payload of ${bytes.byteLength} bytes exceeds ${MAX_PAYLOAD_BYTES}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (error) {
    throw new ProtocolError('bad-json', `${topicName}: payload is not JSON (${(error as Error).message})`);
  }
  return { kind: topic.kind, topic, payload: validatePayload(topic.kind, json, topicName) } as Message;
}

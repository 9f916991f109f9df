import type { z } from 'zod';
import { ProtocolError } from './errors.js';
import { MAX_PAYLOAD_BYTES, type Message, messageCodec } from './message.js';
import { type PayloadOf, payloadSchemas } from './payloads.js';
import type { TopicKind } from './topics.js';

export { MAX_PAYLOAD_BYTES, type Message };

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

export const { encodeMessage, decodeMessage } = messageCodec(validatePayload);

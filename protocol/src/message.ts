import { ProtocolError } from './errors.js';
import type { PayloadOf } from './payloads.js';
import { buildTopic, parseTopic, type Topic, type TopicKind } from './topics.js';

/** Larger payloads are refused before parsing; the broker enforces its own packet limit too. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

/** A decoded message; `kind` repeats `topic.kind` at the top so a `switch` narrows the payload too. */
export type Message = { [K in TopicKind]: { kind: K; topic: Extract<Topic, { kind: K }>; payload: PayloadOf<K> } }[TopicKind];

/** Validates a payload for a topic kind; throws a ProtocolError naming `where` and the field. */
export type PayloadValidator = <K extends TopicKind>(kind: K, payload: unknown, where?: string) => PayloadOf<K>;

/** encodeMessage and decodeMessage around a payload validator (zod in codec.ts, hand-written in lite.ts). */
export function messageCodec(validatePayload: PayloadValidator) {
  /** Topic string and UTF-8 JSON bytes for a message, after validating both. */
  function encodeMessage<K extends TopicKind>(
    topic: Extract<Topic, { kind: K }>,
    payload: PayloadOf<K>,
  ): { topic: string; payload: Buffer } {
    const name = buildTopic(topic);
    const valid = validatePayload(topic.kind as K, payload, name);
    return { topic: name, payload: Buffer.from(JSON.stringify(valid), 'utf8') };
  }

  /** Parses and validates a received message; every refusal names the topic and what was wrong. */
  function decodeMessage(topicName: string, bytes: Uint8Array): Message {
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

  return { encodeMessage, decodeMessage };
}

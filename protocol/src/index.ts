/** The MQTT contract of DESIGN §3: ids, topics, payload schemas and the codec that joins them. */

export { decodeMessage, encodeMessage, MAX_PAYLOAD_BYTES, type Message, validatePayload } from './codec.js';
export { ProtocolError, type ProtocolErrorCode } from './errors.js';
export { assertId, ID_PATTERN, type IdKind, isValidId, RESERVED_DEVICE_IDS } from './ids.js';
export * from './payloads.js';
export { mergeRanges, rangesContain, type SeqRange } from './ranges.js';
export * from './topics.js';

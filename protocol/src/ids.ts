import { ProtocolError } from './errors.js';

/** DESIGN §3: site, node and device ids all match this pattern. */
export const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * Device ids that would make a topic ambiguous with the node-level topics
 * (`{node}/cmd/result`, `{node}/outbox/{kind}`), so a device may not take them.
 */
export const RESERVED_DEVICE_IDS: ReadonlySet<string> = new Set(['cmd', 'outbox', 'state', 'birth', 'health', 'ack']);

export type IdKind = 'site' | 'node' | 'device';

export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

/** Throws a ProtocolError naming which id was wrong and why. */
export function assertId(kind: IdKind, value: unknown): string {
  if (typeof value !== 'string') {
    throw new ProtocolError('bad-id', `${kind} id must be a string, got ${typeof value}`);
  }
  if (!ID_PATTERN.test(value)) {
    throw new ProtocolError(
      'bad-id',
      `${kind} id ${JSON.stringify(value)} is invalid: use 1-63 characters of a-z, 0-9 and '-', starting with a letter or digit`,
    );
  }
  if (kind === 'device' && RESERVED_DEVICE_IDS.has(value)) {
    throw new ProtocolError('bad-id', `device id ${JSON.stringify(value)} is reserved for node-level topics`);
  }
  return value;
}

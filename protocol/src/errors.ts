/** Why a topic, id or payload was refused. `code` is stable for counters; `message` is for people. */
export type ProtocolErrorCode = 'bad-id' | 'unknown-topic' | 'bad-json' | 'bad-payload' | 'too-large';

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
  ) {
    super(message);
  }
}

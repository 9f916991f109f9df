import { EventEmitter } from 'node:events';

export interface LinkEvents {
  data: [chunk: Buffer];
  /** The link is usable (again). */
  up: [];
  /** The link went away; it keeps trying to come back until stopped. */
  down: [reason: string];
}

/**
 * A byte stream to one device or bus that repairs itself: serial port, TCP connection. Drivers write requests and
 * listen for data; `up`/`down` drive availability (DESIGN §5).
 */
export abstract class ByteLink extends EventEmitter<LinkEvents> {
  abstract readonly name: string;
  abstract readonly isUp: boolean;
  /** Why it is down, when it is. */
  abstract readonly downReason: string | undefined;
  abstract start(): void;
  abstract write(bytes: Buffer | string): void;
  abstract stop(): Promise<void>;
}

export class LinkDownError extends Error {
  override readonly name = 'LinkDownError';
}

/** Where a device's readings, events and availability go (the agent routes them to the outbox and uplink). */
export interface DeviceSink {
  telemetry(device: string, values: Record<string, number>, ts: number): void;
  availability(device: string, online: boolean, reason?: string): void;
  /** Something the device reported: a card tap, a power change (DESIGN §3 `event`). */
  event(device: string, type: string, data: Record<string, unknown>, ts: number): void;
}

export interface CommandResult {
  /** The device's reply, as text (line codecs), hex (frame codecs) or the written value (Modbus). */
  reply?: string;
  [key: string]: unknown;
}

export type CommandErrorCode = 'unknown-command' | 'bad-params' | 'unavailable' | 'timeout' | 'refused';

/** A command that was not carried out; `code` tells the operator (and #4's cmd/result) why. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly code: CommandErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One installed device, driven through its profile. `start()` begins polling and listening, `stop()` removes every
 * timer and listener. `execute` runs one of the profile's commands with validated parameters and resolves when the
 * device gave the expected reply; it rejects with a CommandError otherwise.
 */
export interface DeviceDriver {
  readonly device: string;
  start(): void;
  stop(): Promise<void>;
  execute(command: string, params?: Record<string, unknown>): Promise<CommandResult>;
}

import type { Command, ModbusWrite } from '@lophoc/device-profiles';
import type { Logger } from '@lophoc/scripts/logger';
import { AvailabilityTracker } from '../drivers/availability.js';
import { CommandError, type CommandResult, type DeviceDriver, type DeviceSink } from '../drivers/driver.js';
import { validateParams } from '../drivers/params.js';
import { schedulePolls } from '../drivers/poll-schedule.js';
import { decodeRegisters, registerCount } from '../modbus/register-value.js';
import { type ModbusReadingSpec, planReads } from '../modbus/request-plan.js';
import type { ModbusRtuBus } from '../modbus/rtu-bus.js';

export type { DeviceSink } from '../drivers/driver.js';

export interface ModbusPollerOptions {
  device: string;
  unitId: number;
  timeoutMs: number;
  retries: number;
  /** Readings grouped by poll interval; each group is read together. */
  groups: { intervalMs: number; jitterMs?: number; readings: ModbusReadingSpec[] }[];
  commands?: Command[];
  offlineAfterMisses: number;
  bus: ModbusRtuBus;
  sink: DeviceSink;
  log: Logger;
  random?: () => number;
}

/**
 * Polls one Modbus device: each group of readings on its own interval (plus jitter), contiguous registers in one
 * request, retries before a poll counts as missed, and availability after `offlineAfterMisses` misses (DESIGN §5),
 * or at once when the bus's port disappears. Each retry queues again behind the other devices of the bus, so a
 * silent device never holds the bus for more than one timeout at a time. Commands write a register or coil.
 */
export class ModbusPoller implements DeviceDriver {
  readonly device: string;
  private readonly availability: AvailabilityTracker;
  private stopPolls: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly options: ModbusPollerOptions) {
    this.device = options.device;
    this.availability = new AvailabilityTracker(options.device, options.sink, options.offlineAfterMisses);
  }

  start(): void {
    const groups = this.options.groups.map((group) => ({ ...group, plan: planReads(group.readings) }));
    this.options.bus.on('down', this.onDown);
    this.stopPolls = schedulePolls(groups, (group) => this.poll(group.plan), this.options.random);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopPolls?.();
    this.options.bus.off('down', this.onDown);
  }

  async execute(name: string, params: Record<string, unknown> = {}): Promise<CommandResult> {
    const command = this.options.commands?.find((c) => c.name === name);
    if (!command) throw new CommandError('unknown-command', `${this.device} has no command "${name}"`);
    const write = command.request as ModbusWrite;
    const values = validateParams(command, params);
    const value = write.value ?? Number(Object.values(values)[0]);
    const words = encodeWrite(write, value);
    try {
      await this.options.bus.write({
        unitId: this.options.unitId,
        function: write.function,
        address: write.address,
        words,
        timeoutMs: command.timeoutMs,
      });
    } catch (error) {
      const message = (error as Error).message;
      throw new CommandError(/timed out/i.test(message) ? 'timeout' : 'refused', `${this.device}: "${name}": ${message}`);
    }
    return { written: value };
  }

  private readonly onDown = (reason: string) => this.availability.lost(reason);

  private async poll(plan: ReturnType<typeof planReads>): Promise<void> {
    const { bus, unitId, timeoutMs, sink, device } = this.options;
    const values: Record<string, number> = {};
    let failure: string | undefined;
    const ts = Date.now();
    for (const request of plan) {
      try {
        const words = await this.withRetries(() =>
          bus.read({ unitId, function: request.function, address: request.address, count: request.count, timeoutMs }),
        );
        for (const reading of request.readings) {
          const size = registerCount(reading.layout.type);
          values[reading.name] = decodeRegisters(words.slice(reading.index, reading.index + size), reading.layout);
        }
      } catch (error) {
        failure = `${request.function} register ${request.address} at unit ${unitId} on ${bus.path}: ${(error as Error).message}`;
      }
    }
    if (this.stopped) return;
    if (Object.keys(values).length > 0) sink.telemetry(device, values, ts);
    if (failure === undefined) {
      this.availability.answered();
      return;
    }
    this.options.log.debug({ device, reason: failure }, 'poll missed');
    if (this.availability.missed(failure)) this.options.log.warn({ device, reason: failure }, 'device offline');
  }

  private async withRetries<T>(attempt: () => Promise<T>): Promise<T> {
    let lastError: unknown;
    for (let i = 0; i <= this.options.retries; i++) {
      if (this.stopped) break;
      try {
        return await attempt();
      } catch (error) {
        lastError = error;
        if (!this.options.bus.isOpen) break; // the port is gone: retrying now cannot help
      }
    }
    throw lastError ?? new Error('stopped');
  }
}

/** raw = (value − offset) / scale, as the words of the register type (inverse of decodeRegisters). */
export function encodeWrite(write: ModbusWrite, value: number): number[] {
  const raw = Math.round((value - write.offset) / write.scale);
  const bytes = Buffer.alloc(4);
  switch (write.type) {
    case 'int16':
    case 'uint16':
      return [raw & 0xffff];
    case 'int32':
      bytes.writeInt32BE(raw);
      break;
    case 'uint32':
      bytes.writeUInt32BE(raw >>> 0);
      break;
    case 'float32':
      bytes.writeFloatBE((value - write.offset) / write.scale);
      break;
  }
  const words = [bytes.readUInt16BE(0), bytes.readUInt16BE(2)];
  return write.wordOrder === 'little' ? words.reverse() : words;
}

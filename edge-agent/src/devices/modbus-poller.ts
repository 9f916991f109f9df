import type { Logger } from 'pino';
import { decodeRegisters } from '../modbus/register-value.js';
import { type ModbusReadingSpec, planReads } from '../modbus/request-plan.js';
import type { ModbusRtuBus } from '../modbus/rtu-bus.js';

/** Where a device's readings and availability go (the agent routes them to the outbox and uplink). */
export interface DeviceSink {
  telemetry(device: string, values: Record<string, number>, ts: number): void;
  availability(device: string, online: boolean, reason?: string): void;
}

export interface ModbusPollerOptions {
  device: string;
  unitId: number;
  timeoutMs: number;
  retries: number;
  /** Readings grouped by poll interval; each group is read together. */
  groups: { intervalMs: number; readings: ModbusReadingSpec[] }[];
  offlineAfterMisses: number;
  bus: ModbusRtuBus;
  sink: DeviceSink;
  log: Logger;
}

/**
 * Polls one Modbus device: each group of readings on its own interval, contiguous registers in one request,
 * retries before a poll counts as missed, and availability after `offlineAfterMisses` misses (DESIGN §5).
 */
export class ModbusPoller {
  private readonly timers: NodeJS.Timeout[] = [];
  private misses = 0;
  private online: boolean | undefined;
  private stopped = false;

  constructor(private readonly options: ModbusPollerOptions) {}

  start(): void {
    for (const group of this.options.groups) {
      const plan = planReads(group.readings);
      const tick = () => void this.poll(plan);
      tick();
      this.timers.push(setInterval(tick, group.intervalMs));
    }
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
  }

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
          const size = reading.layout.type === 'int16' || reading.layout.type === 'uint16' ? 1 : 2;
          values[reading.name] = decodeRegisters(words.slice(reading.index, reading.index + size), reading.layout);
        }
      } catch (error) {
        failure = `${request.function} register ${request.address} at unit ${unitId} on ${bus.path}: ${(error as Error).message}`;
      }
    }
    if (this.stopped) return;
    if (Object.keys(values).length > 0) sink.telemetry(device, values, ts);
    if (failure === undefined) {
      this.misses = 0;
      if (this.online !== true) {
        this.online = true;
        sink.availability(device, true);
      }
      return;
    }
    this.misses++;
    this.options.log.debug({ device, misses: this.misses, reason: failure }, 'poll missed');
    if (this.misses >= this.options.offlineAfterMisses && this.online !== false) {
      this.online = false;
      this.options.log.warn({ device, reason: failure }, 'device offline');
      sink.availability(device, false, `no answer to ${this.misses} polls: ${failure}`);
    }
  }

  private async withRetries<T>(attempt: () => Promise<T>): Promise<T> {
    let lastError: unknown;
    for (let i = 0; i <= this.options.retries; i++) {
      if (this.stopped) break;
      try {
        return await attempt();
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError ?? new Error('stopped');
  }
}

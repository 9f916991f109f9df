import type { DeviceSink } from '../drivers/driver.js';

/** A DeviceSink that keeps everything, for tests. */
export class RecordingSink implements DeviceSink {
  readonly telemetries: { device: string; values: Record<string, number>; ts: number }[] = [];
  readonly availabilities: { device: string; online: boolean; reason?: string }[] = [];
  readonly events: { device: string; type: string; data: Record<string, unknown>; ts: number }[] = [];

  telemetry(device: string, values: Record<string, number>, ts: number): void {
    this.telemetries.push({ device, values, ts });
  }
  availability(device: string, online: boolean, reason?: string): void {
    this.availabilities.push({ device, online, ...(reason === undefined ? {} : { reason }) });
  }
  event(device: string, type: string, data: Record<string, unknown>, ts: number): void {
    this.events.push({ device, type, data, ts });
  }

  values(device: string, name: string): number[] {
    return this.telemetries.filter((t) => t.device === device && name in t.values).map((t) => t.values[name]!);
  }
  lastAvailability(device: string): { online: boolean; reason?: string } | undefined {
    return this.availabilities.filter((a) => a.device === device).at(-1);
  }
}

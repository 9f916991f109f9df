import { EventEmitter } from 'node:events';
import type { PrinterProblem } from '../shared/kiosk-api.js';
import { PrinterError } from './receipt-printer.js';

/** Whether a peripheral can be used now, and if not why (health `devices`, DESIGN §3 availability). */
export interface DeviceAvailability {
  available: boolean;
  reason?: string;
}

/** The kiosk's peripherals by device id; `change` fires only when a device's availability or reason changes. */
export class DeviceAvailabilities extends EventEmitter<{ change: [device: string, state: DeviceAvailability] }> {
  private readonly states = new Map<string, DeviceAvailability>();

  set(device: string, state: DeviceAvailability): void {
    const previous = this.states.get(device);
    if (previous && previous.available === state.available && previous.reason === state.reason) return;
    this.states.set(device, state);
    this.emit('change', device, state);
  }

  snapshot(): Record<string, DeviceAvailability> {
    return Object.fromEntries(this.states);
  }
}

type Paper = 'ok' | 'near-end' | 'out';

export function paperAvailability(paper: Paper): DeviceAvailability {
  if (paper === 'out') return { available: false, reason: 'paper-out' };
  return paper === 'near-end' ? { available: true, reason: 'paper-near-end' } : { available: true };
}

export function problemAvailability(problem: Exclude<PrinterProblem, 'failed'>): DeviceAvailability {
  return { available: false, reason: problem };
}

interface WatchedPrinter {
  print(job: Buffer): Promise<{ paper: 'ok' | 'near-end' }>;
  status(): Promise<Paper>;
}

/**
 * The receipt printer as the kiosk uses it, keeping its availability current: every job and a periodic probe of
 * the cover and paper sensor (DLE EOT 2 and 4, between jobs) update `device` in `states`, so health shows an open
 * or empty printer before the next citizen finds out.
 */
export class PrinterWatch {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly printer: WatchedPrinter,
    private readonly states: DeviceAvailabilities,
    private readonly device = 'printer',
  ) {}

  async print(job: Buffer): Promise<{ paper: 'ok' | 'near-end' }> {
    try {
      const result = await this.printer.print(job);
      this.states.set(this.device, paperAvailability(result.paper));
      return result;
    } catch (error) {
      this.record(error);
      throw error;
    }
  }

  async probe(): Promise<DeviceAvailability> {
    try {
      this.states.set(this.device, paperAvailability(await this.printer.status()));
    } catch (error) {
      this.record(error);
    }
    return this.states.snapshot()[this.device] as DeviceAvailability;
  }

  start(intervalMs = 60_000): void {
    void this.probe();
    this.timer = setInterval(() => void this.probe(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private record(error: unknown): void {
    if (error instanceof PrinterError) this.states.set(this.device, problemAvailability(error.problem));
  }
}

import { EventEmitter } from 'node:events';
import { Backoff, type BackoffOptions } from './backoff.js';

/**
 * What the agent needs of a HID device: node-hid's `HID` object has this surface (`data` events with one input
 * report each, `error` when the device goes away, `close()`). Tests feed recorded reports through the same surface.
 */
export interface HidReportSource {
  on(event: 'data', listener: (report: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeAllListeners(): unknown;
  close(): void;
}

/** One HID device as node-hid lists it (the fields the agent uses). */
export interface HidDeviceInfo {
  path?: string;
  vendorId: number;
  productId: number;
  product?: string;
  manufacturer?: string;
  serialNumber?: string;
  usagePage?: number;
  usage?: number;
}

/** How to find and open HID devices; `nodeHid()` is the real one, tests pass recorded devices. */
export interface HidBackend {
  list(): Promise<HidDeviceInfo[]>;
  open(path: string): Promise<HidReportSource>;
}

/** node-hid, loaded on first use so a gateway without HID devices never loads the native module. */
export function nodeHid(): HidBackend {
  const load = async () => (await import('node-hid')).default;
  return {
    async list() {
      const hid = await load();
      return (await hid.devicesAsync()).map((device) => ({ ...device, vendorId: device.vendorId, productId: device.productId }));
    },
    async open(path) {
      const hid = await load();
      return new hid.HID(path);
    },
  };
}

/** Which device to open: a fixed hidraw path, or the first one with this USB id (and usage, for multi-interface readers). */
export interface HidMatch {
  path?: string;
  vendorId?: number;
  productId?: number;
  usagePage?: number;
  usage?: number;
}

export interface HidLinkEvents {
  report: [report: Buffer];
  up: [];
  down: [reason: string];
}

/** A HID device that may be unplugged and plugged back: looks it up again with backoff while it is missing. */
export class HidLink extends EventEmitter<HidLinkEvents> {
  private source: HidReportSource | undefined;
  private reason: string | undefined = 'not opened yet';
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  private started = false;
  private readonly backoff: Backoff;

  constructor(
    readonly name: string,
    private readonly match: HidMatch,
    private readonly backend: HidBackend,
    backoff: BackoffOptions = {},
  ) {
    super();
    if (!match.path && (match.vendorId === undefined || match.productId === undefined)) {
      throw new TypeError(`HID device ${name}: give a path or a vendorId and productId`);
    }
    this.backoff = new Backoff(backoff);
  }

  get isUp(): boolean {
    return this.source !== undefined;
  }

  get downReason(): string | undefined {
    return this.reason;
  }

  /** Opens the device and keeps looking for it while it is missing; does nothing when already started. */
  start(): void {
    if (this.started) return;
    this.started = true;
    void this.open();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.source?.removeAllListeners();
    this.source?.close();
    this.source = undefined;
    this.removeAllListeners();
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    try {
      const path = this.match.path ?? (await this.find());
      const source = await this.backend.open(path);
      if (this.stopped) return source.close();
      this.source = source;
      this.reason = undefined;
      this.backoff.reset();
      source.on('data', (report) => this.emit('report', report));
      source.on('error', (error) => this.lost(`${this.name}: ${error.message} (unplugged?)`, source));
      this.emit('up');
    } catch (error) {
      this.lost(`${this.name}: ${(error as Error).message}`);
    }
  }

  private async find(): Promise<string> {
    const { vendorId, productId, usagePage, usage } = this.match;
    const found = (await this.backend.list()).find(
      (device) =>
        device.vendorId === vendorId &&
        device.productId === productId &&
        (usagePage === undefined || device.usagePage === undefined || device.usagePage === usagePage) &&
        (usage === undefined || device.usage === undefined || device.usage === usage),
    );
    const id = `${hex4(vendorId!)}:${hex4(productId!)}`;
    if (!found?.path) throw new Error(`no HID device ${id} is plugged in`);
    return found.path;
  }

  private lost(reason: string, source?: HidReportSource): void {
    if (this.stopped || (source && source !== this.source)) return;
    if (source) {
      source.removeAllListeners();
      source.close();
      this.source = undefined;
    }
    const report = this.reason !== reason;
    this.reason = reason;
    if (report) this.emit('down', reason);
    this.retry = setTimeout(() => void this.open(), this.backoff.next());
  }
}

export function hex4(value: number): string {
  return value.toString(16).padStart(4, '0');
}

import type { HidKeyboardCodec, Profile } from '@lophoc/device-profiles';
import type { Logger } from '@lophoc/scripts/logger';
import { HidKeyboardDecoder } from '../codecs/hid-keyboard.js';
import { extractLineValue } from '../codecs/line-parse.js';
import type { HidLink } from '../transports/hid-source.js';
import { AvailabilityTracker } from './availability.js';
import { CommandError, type CommandResult, type DeviceDriver, type DeviceSink } from './driver.js';

export interface HidKeyboardDriverOptions {
  device: string;
  profile: Profile & { codec: HidKeyboardCodec };
  link: HidLink;
  sink: DeviceSink;
  log: Logger;
  now?: () => number;
}

/**
 * A keyboard-wedge card reader or scanner: reports → scans (HidKeyboardDecoder) → the first event whose regex
 * matches the scan. A scan no event accepts is counted and dropped. Online while the device is plugged in.
 */
export class HidKeyboardDriver implements DeviceDriver {
  readonly device: string;
  readonly decoder: HidKeyboardDecoder;
  /** Scans that matched no event of the profile. */
  unmatched = 0;
  private readonly availability: AvailabilityTracker;
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly options: HidKeyboardDriverOptions) {
    this.device = options.device;
    this.decoder = new HidKeyboardDecoder(options.profile.codec);
    this.availability = new AvailabilityTracker(options.device, options.sink, 1);
    this.now = options.now ?? Date.now;
  }

  start(): void {
    const { link } = this.options;
    link.on('report', this.onReport);
    link.on('up', this.onUp);
    link.on('down', this.onDown);
    link.start();
    if (link.isUp) this.availability.answered();
    // Without a terminator key, a pause ends the scan: look for one a little after each burst gap.
    if (this.options.profile.codec.terminator === 'none') {
      this.flushTimer = setInterval(() => {
        const scan = this.decoder.flush(this.now());
        if (scan !== undefined) this.deliver(scan);
      }, this.options.profile.codec.burstGapMs);
    }
  }

  async stop(): Promise<void> {
    if (this.flushTimer) clearInterval(this.flushTimer);
    const { link } = this.options;
    link.off('report', this.onReport);
    link.off('up', this.onUp);
    link.off('down', this.onDown);
  }

  async execute(name: string): Promise<CommandResult> {
    throw new CommandError('unknown-command', `${this.device} only types; it has no command "${name}"`);
  }

  private readonly onReport = (report: Buffer) => {
    for (const scan of this.decoder.push(report, this.now())) this.deliver(scan);
  };

  private deliver(scan: string): void {
    for (const event of this.options.profile.events) {
      const parse = event.parse;
      const value = parse && ('regex' in parse || 'keyValue' in parse) ? extractLineValue(scan, parse) : scan;
      if (value === undefined) continue;
      this.options.sink.event(this.device, event.name, { value }, this.now());
      return;
    }
    this.unmatched++;
    this.options.log.debug({ device: this.device, length: scan.length }, 'scan matched no event');
  }

  private readonly onUp = () => this.availability.answered();
  private readonly onDown = (reason: string) => this.availability.lost(reason);
}

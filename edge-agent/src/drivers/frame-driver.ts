import type { FrameProfile, FrameReading } from '@lophoc/device-profiles';
import { hexToBytes, isFrameParse } from '@lophoc/device-profiles/fields';
import type { Logger } from '@lophoc/scripts/logger';
import { FrameDecoder } from '../codecs/frame-decoder.js';
import { FieldError, readFrameField } from '../codecs/frame-fields.js';
import type { ByteLink } from '../transports/link.js';
import { AvailabilityTracker } from './availability.js';
import { CommandError, type CommandResult, type DeviceDriver, type DeviceSink } from './driver.js';
import { EventDebounce } from './event-debounce.js';
import { profileCommand, validateParams } from './params.js';
import { schedulePolls } from './poll-schedule.js';
import { RequestChannel, RequestTimeoutError } from './request-channel.js';

export interface FrameDriverOptions {
  device: string;
  profile: FrameProfile;
  link: ByteLink;
  sink: DeviceSink;
  log: Logger;
  offlineAfterMisses: number;
  readTimeoutMs?: number;
  retries?: number;
  random?: () => number;
}

/**
 * Drives a binary-frame device (RDM6300, MH-Z19, …) from its profile. Frames are cut and checked by the FrameDecoder;
 * a frame that arrives while a request waits is its reply, any other is parsed into the profile's events.
 * Output-only devices (card readers) are online while their port is open: silence is normal for them.
 */
export class FrameDriver implements DeviceDriver {
  readonly device: string;
  readonly decoder: FrameDecoder;
  private readonly channel = new RequestChannel<Buffer>();
  private readonly availability: AvailabilityTracker;
  private readonly debounce = new EventDebounce();
  private stopPolls: (() => void) | undefined;

  constructor(private readonly options: FrameDriverOptions) {
    this.device = options.device;
    this.decoder = new FrameDecoder(options.profile.codec);
    this.availability = new AvailabilityTracker(options.device, options.sink, options.offlineAfterMisses);
  }

  get repeats(): number {
    return this.debounce.repeats;
  }

  start(): void {
    const { link, profile } = this.options;
    link.on('data', this.onData);
    link.on('up', this.onUp);
    link.on('down', this.onDown);
    link.start();
    if (link.isUp && profile.readings.length === 0) this.availability.answered();
    this.stopPolls = schedulePolls(profile.readings, (reading) => this.poll(reading), this.options.random);
  }

  async stop(): Promise<void> {
    this.stopPolls?.();
    const { link } = this.options;
    link.off('data', this.onData);
    link.off('up', this.onUp);
    link.off('down', this.onDown);
    this.channel.failAll(new CommandError('unavailable', `driver of ${this.device} stopped`));
  }

  async execute(name: string, params: Record<string, unknown> = {}): Promise<CommandResult> {
    const command = profileCommand(this.options.profile, this.device, name);
    if (typeof command.request !== 'string') throw new CommandError('refused', `command "${name}" is not a frame`);
    validateParams(command, params);
    const reply = await this.exchange(command.request, command.timeoutMs).catch((error: Error) => {
      if (error instanceof RequestTimeoutError) throw new CommandError('timeout', `${this.device}: "${name}" got ${error.message}`);
      throw error instanceof CommandError ? error : new CommandError('unavailable', `${this.device}: ${error.message}`);
    });
    const text = reply.toString('hex').toUpperCase();
    if (command.reply && !new RegExp(command.reply.expect).test(text)) {
      throw new CommandError('refused', `${this.device}: "${name}" got an unexpected reply ${text}`);
    }
    return { reply: text };
  }

  private exchange(requestHex: string, timeoutMs: number): Promise<Buffer> {
    const bytes = Buffer.from(hexToBytes(requestHex));
    return this.channel
      .request(
        () => this.options.link.write(bytes),
        (frames) => frames.length > 0,
        timeoutMs,
      )
      .then((frames) => frames[0]!);
  }

  private async poll(reading: FrameReading): Promise<void> {
    const retries = this.options.retries ?? 1;
    let lastError: Error | undefined;
    for (let attempt = 0; attempt <= retries; attempt++) {
      try {
        const frame = await this.exchange(reading.request, this.options.readTimeoutMs ?? 1000);
        this.availability.answered();
        const value = readFrameField(frame, reading.parse);
        if (typeof value === 'number' && Number.isFinite(value))
          this.options.sink.telemetry(this.device, { [reading.name]: value }, Date.now());
        return;
      } catch (error) {
        if (error instanceof FieldError) {
          this.decoder.stats.errors++;
          return;
        }
        lastError = error as Error;
        if (!(error instanceof RequestTimeoutError)) break;
      }
    }
    if (lastError) this.availability.missed(`frame ${reading.request} to ${this.options.link.name}: ${lastError.message}`);
  }

  private readonly onData = (chunk: Buffer) => {
    for (const frame of this.decoder.push(chunk)) {
      if (this.channel.offer(frame)) continue;
      this.unsolicited(frame);
    }
  };

  private unsolicited(frame: Buffer): void {
    const now = Date.now();
    for (const event of this.options.profile.events) {
      if (!event.parse || !isFrameParse(event.parse)) continue;
      try {
        const value = readFrameField(frame, event.parse);
        if (this.debounce.accept(event.name, String(value), event.debounceMs, now)) {
          this.options.sink.event(this.device, event.name, { value }, now);
        }
      } catch (error) {
        if (!(error instanceof FieldError)) throw error;
        this.decoder.stats.errors++;
      }
    }
  }

  private readonly onUp = () => {
    this.decoder.reset();
    if (this.options.profile.readings.length === 0) this.availability.answered();
  };

  private readonly onDown = (reason: string) => {
    this.channel.failAll(new CommandError('unavailable', reason));
    this.availability.lost(reason);
  };
}

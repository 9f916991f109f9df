import type { LineProfile, LineReading, PolledLineReading } from '@lophoc/device-profiles';
import type { Logger } from '@lophoc/scripts/logger';
import { LineDecoder, type LineToken } from '../codecs/line-decoder.js';
import { extractLineValue, toReadingValue } from '../codecs/line-parse.js';
import type { ByteLink } from '../transports/link.js';
import { AvailabilityTracker } from './availability.js';
import { CommandError, type CommandResult, type DeviceDriver, type DeviceSink } from './driver.js';
import { profileCommand, renderTemplate, validateParams } from './params.js';
import { parseGreeting, pjlinkDigest } from './pjlink-auth.js';
import { schedulePolls } from './poll-schedule.js';
import { RequestChannel, RequestTimeoutError } from './request-channel.js';

export interface LineDriverOptions {
  device: string;
  profile: LineProfile;
  link: ByteLink;
  sink: DeviceSink;
  log: Logger;
  offlineAfterMisses: number;
  /** Time allowed for a reading's reply. */
  readTimeoutMs?: number;
  /** Tries after a reading timed out, before the poll counts as missed. */
  retries?: number;
  /** PJLink password, for profiles with `auth: pjlink`. */
  password?: string;
  random?: () => number;
}

/**
 * Drives a text-line device (Epson ESC/VP21 on RS-232, PJLink on TCP, …) from its profile: polls readings, matches
 * replies to requests (one in flight; a reply ends at the prompt, or is one line without a prompt), turns changes
 * of a reading that has an event of the same name into events, takes streamed readings (no request) and events
 * from unsolicited lines, and runs commands with validated parameters and the expected reply.
 */
export class LineDriver implements DeviceDriver {
  readonly device: string;
  readonly decoder: LineDecoder;
  private readonly channel = new RequestChannel<LineToken>();
  private readonly availability: AvailabilityTracker;
  private readonly last = new Map<string, number>();
  /** Readings without a request: the device sends them unasked, and their parse selects the lines. */
  private readonly streamed: LineReading[];
  private readonly polled: PolledLineReading[];
  /** Readings whose changes are events too: an event without a parse that has the reading's name. */
  private readonly changeEvents: ReadonlySet<string>;
  private stopPolls: (() => void) | undefined;
  /** PJLink: the connection's greeting has been read (and the digest to prefix, once). */
  private greeted: Promise<void> = Promise.resolve();
  private greet: (() => void) | undefined;
  private digest: string | undefined;
  private authError: string | undefined;

  constructor(private readonly options: LineDriverOptions) {
    this.device = options.device;
    this.decoder = new LineDecoder(options.profile.codec);
    this.availability = new AvailabilityTracker(options.device, options.sink, options.offlineAfterMisses);
    this.streamed = options.profile.readings.filter((reading) => reading.request === undefined);
    this.polled = options.profile.readings.filter((reading): reading is PolledLineReading => reading.request !== undefined);
    this.changeEvents = new Set(options.profile.events.filter((event) => !event.parse).map((event) => event.name));
    if (options.profile.codec.auth === 'pjlink') this.awaitGreeting();
  }

  start(): void {
    const { link } = this.options;
    link.on('data', this.onData);
    link.on('up', this.onUp);
    link.on('down', this.onDown);
    link.start();
    if (!link.isUp && link.downReason && link.downReason !== 'not opened yet' && link.downReason !== 'not connected yet') {
      this.availability.lost(link.downReason);
    }
    this.stopPolls = schedulePolls(this.polled, (reading) => this.poll(reading), this.options.random);
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
    if (typeof command.request !== 'string') throw new CommandError('refused', `command "${name}" is not a line request`);
    const values = validateParams(command, params);
    const reply = await this.exchange(renderTemplate(command.request, values), command.timeoutMs).catch((error: Error) => {
      if (error instanceof RequestTimeoutError) throw new CommandError('timeout', `${this.device}: "${name}" got ${error.message}`);
      throw error instanceof CommandError ? error : new CommandError('unavailable', `${this.device}: ${error.message}`);
    });
    this.availability.answered();
    if (command.reply && !new RegExp(command.reply.expect).test(reply)) {
      throw new CommandError('refused', `${this.device}: "${name}" was refused: ${JSON.stringify(reply)}`);
    }
    return { reply };
  }

  /** Sends one request and resolves with the reply text (lines with their terminators, then the prompt). */
  private async exchange(request: string, timeoutMs: number): Promise<string> {
    const { link, profile } = this.options;
    const { terminator, prompt } = profile.codec;
    const deadline = Date.now() + timeoutMs;
    // Only a PJLink connection not greeted yet (or refused) waits; the reply then gets what is left of the timeout.
    const waits = this.greet !== undefined || this.authError !== undefined;
    if (waits) await this.waitForGreeting(timeoutMs);
    // Some devices echo each command before answering (BenQ RS-232): the echo is not the reply.
    const echo = request.replace(/[\r\n]/g, '').replace(/\s+$/, '');
    const isEcho = (token: LineToken) =>
      token.kind === 'line' && (token.text.trim() === echo || `${token.text.trim()}${terminator}` === echo);
    const tokens = await this.channel.request(
      () => {
        const prefix = this.digest ?? '';
        this.digest = undefined;
        link.write(prefix + request);
      },
      (received) => (prompt ? received.at(-1)?.kind === 'prompt' : received.some((token) => !isEcho(token))),
      waits ? Math.max(1, deadline - Date.now()) : timeoutMs,
    );
    return tokens
      .filter((token) => !isEcho(token))
      .map((token) => (token.kind === 'prompt' ? (prompt ?? '') : prompt ? token.text + terminator : token.text.trim()))
      .join('');
  }

  private async poll(reading: PolledLineReading): Promise<void> {
    const retries = this.options.retries ?? 1;
    let lastError: Error | undefined;
    for (let attempt = 0; attempt <= retries; attempt++) {
      try {
        const reply = await this.exchange(reading.request, this.options.readTimeoutMs ?? 2000);
        this.availability.answered();
        this.record(reading, reply);
        return;
      } catch (error) {
        lastError = error as Error;
        if (!(error instanceof RequestTimeoutError)) break;
      }
    }
    if (lastError) this.availability.missed(`"${printable(reading.request)}" to ${this.options.link.name}: ${lastError.message}`);
  }

  /** A reply that does not carry the value (ERR, ERR3, garbage) is no reading: it is counted, never guessed. */
  private record(reading: LineReading, reply: string): void {
    const raw = extractLineValue(reply, reading.parse);
    const value = raw === undefined ? undefined : toReadingValue(raw, reading.map);
    if (value === undefined) {
      this.decoder.stats.errors++;
      this.options.log.debug({ device: this.device, reading: reading.name, reply: printable(reply) }, 'reply without a value');
      return;
    }
    this.apply(reading.name, value);
  }

  /**
   * A value the device announced by itself (PJLink class 2 `%2POWR=1`): recorded like a polled one, so the change
   * event is sent once, whichever comes first.
   */
  notified(name: string, raw: string): void {
    const reading = this.options.profile.readings.find((r) => r.name === name);
    const value = reading ? toReadingValue(raw, reading.map) : undefined;
    if (value !== undefined) this.apply(name, value);
  }

  private apply(name: string, value: number): void {
    const ts = Date.now();
    this.options.sink.telemetry(this.device, { [name]: value }, ts);
    if (!this.changeEvents.has(name)) return;
    const previous = this.last.get(name);
    this.last.set(name, value);
    if (previous !== value) {
      this.options.sink.event(this.device, name, previous === undefined ? { value } : { value, previous }, ts);
    }
  }

  private readonly onData = (chunk: Buffer) => {
    for (const token of this.decoder.push(chunk)) {
      if (token.kind === 'line' && this.options.profile.codec.auth === 'pjlink' && this.handleGreeting(token.text)) continue;
      if (this.channel.offer(token)) continue;
      if (token.kind === 'line') this.unsolicited(token.text);
    }
  };

  private unsolicited(text: string): void {
    for (const reading of this.streamed) {
      const raw = extractLineValue(text, reading.parse);
      if (raw === undefined) continue;
      const value = toReadingValue(raw, reading.map);
      if (value === undefined) {
        this.decoder.stats.errors++;
        this.options.log.debug({ device: this.device, reading: reading.name, line: printable(text) }, 'line without a value');
        return;
      }
      this.availability.answered();
      this.apply(reading.name, value);
      return;
    }
    for (const event of this.options.profile.events) {
      if (!event.parse || !('regex' in event.parse || 'keyValue' in event.parse)) continue;
      const value = extractLineValue(text, event.parse);
      if (value !== undefined) {
        this.options.sink.event(this.device, event.name, { value }, Date.now());
        return;
      }
    }
    this.options.log.debug({ device: this.device, line: printable(text) }, 'unsolicited line');
  }

  private readonly onUp = () => {
    this.decoder.reset();
    if (this.options.profile.codec.auth === 'pjlink') this.awaitGreeting();
  };

  private readonly onDown = (reason: string) => {
    this.channel.failAll(new CommandError('unavailable', reason));
    this.availability.lost(reason);
  };

  private awaitGreeting(): void {
    this.digest = undefined;
    if (this.greet) return; // requests already wait for the greeting of this connection
    this.greeted = new Promise((resolve) => {
      this.greet = resolve;
    });
  }

  private async waitForGreeting(timeoutMs: number): Promise<void> {
    if (this.authError) throw new CommandError('unavailable', this.authError);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RequestTimeoutError(`no PJLink greeting within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.greeted, timeout]);
    } finally {
      clearTimeout(timer);
    }
    if (this.authError) throw new CommandError('unavailable', this.authError);
  }

  private handleGreeting(line: string): boolean {
    const greeting = parseGreeting(line);
    if (!greeting) return false;
    if (greeting.kind === 'refused') {
      this.refused();
      return true;
    }
    if (greeting.kind === 'auth') {
      if (this.options.password === undefined) {
        this.authError = `${this.options.link.name} asks for a PJLink password; set password in the device config`;
        this.availability.lost(this.authError);
      } else {
        this.authError = undefined;
        this.digest = pjlinkDigest(greeting.random, this.options.password);
      }
    }
    const greet = this.greet;
    this.greet = undefined;
    greet?.();
    return true;
  }

  private refused(): void {
    this.authError = `${this.options.link.name} refused the PJLink password (PJLINK ERRA)`;
    this.channel.failAll(new CommandError('unavailable', this.authError));
    this.availability.lost(this.authError);
  }
}

function printable(text: string): string {
  return text
    .replace(/\r/g, '\\r')
    .replace(/\n/g, '\\n')
    .replace(/[^\x20-\x7e]/g, '?');
}

import { close as closeFd, constants, open as openFd } from 'node:fs';
import { access } from 'node:fs/promises';
import { ReadStream } from 'node:tty';
import { SerialPort } from 'serialport';
import { Backoff, type BackoffOptions } from './backoff.js';
import { ByteLink, LinkDownError } from './link.js';

/** Default `readGapMs` (gateway config `serialReadGapMs`): half the outbox's default 20 ms write delay. */
export const SERIAL_READ_GAP_MS = 10;
const READ_BUFFER_BYTES = 4096;

export interface SerialSettings {
  baudRate: number;
  dataBits: 5 | 6 | 7 | 8;
  parity: 'none' | 'even' | 'odd';
  stopBits: 1 | 2;
}

/**
 * A serial port that survives unplugging: when the port closes or errors (USB adapter pulled, pty gone) it reports
 * `down` with the reason and reopens the same path with backoff until it is back.
 */
export class SerialLink extends ByteLink {
  private port: SerialPort | undefined;
  private reader: ReadStream | undefined;
  private reason: string | undefined = 'not opened yet';
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  private started = false;
  private readonly backoff: Backoff;

  private presence: NodeJS.Timeout | undefined;
  private resumeTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly name: string,
    private readonly settings: SerialSettings,
    backoff: BackoffOptions = {},
    /** How often to check that the device node still exists (see `watchPresence`). */
    private readonly presenceCheckMs = 1000,
    /**
     * After a chunk is read, the tty is left alone this long, so what the device sends meanwhile is read in one go
     * (0: read every chunk at once). See `openReader`.
     */
    private readonly readGapMs = SERIAL_READ_GAP_MS,
  ) {
    super();
    this.backoff = new Backoff(backoff);
  }

  get isUp(): boolean {
    return this.port?.isOpen === true && this.reason === undefined;
  }

  get downReason(): string | undefined {
    return this.reason;
  }

  /** Opens the port and keeps it open; does nothing when already started (e.g. by `openNow`). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.open();
  }

  /** Opens once, for start-up checks: rejects with the reason instead of retrying. */
  async openNow(): Promise<void> {
    this.started = true;
    await new Promise<void>((resolve, reject) => {
      const up = () => {
        this.off('down', down);
        resolve();
      };
      const down = (reason: string) => {
        this.off('up', up);
        reject(new Error(reason));
      };
      this.once('up', up);
      this.once('down', down);
      this.open();
    });
  }

  write(bytes: Buffer | string): void {
    if (!this.port || !this.isUp) throw new LinkDownError(`serial port ${this.name} is down: ${this.reason}`);
    this.port.write(bytes);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    if (this.presence) clearInterval(this.presence);
    const port = this.port;
    this.port = undefined;
    this.closeReader();
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    this.removeAllListeners();
  }

  private open(): void {
    if (this.stopped) return;
    const port = new SerialPort({ path: this.name, ...this.settings, autoOpen: false });
    port.open((error) => {
      if (this.stopped) {
        if (!error) port.close();
        return;
      }
      if (error) return this.lost(`cannot open ${this.name}: ${error.message}`);
      this.openReader((reader) => {
        if (this.stopped) {
          reader?.destroy();
          port.close();
          return;
        }
        this.port = port;
        this.reader = reader;
        this.reason = undefined;
        this.backoff.reset();
        if (reader) {
          reader.resume();
          reader.on('error', (e) => this.lost(`${this.name}: ${e.message}`, port));
          reader.on('end', () => this.lost(`${this.name} closed (unplugged?)`, port));
        } else {
          port.on('data', (chunk: Buffer) => this.emit('data', chunk));
        }
        port.on('error', (e) => this.lost(`${this.name}: ${e.message}`, port));
        port.on('close', () => this.lost(`${this.name} closed (unplugged?)`, port));
        this.watchPresence(port);
        this.emit('up');
      });
    });
  }

  /**
   * Reads through a second descriptor of the same tty, watched by the event loop (libuv's tty stream), while the
   * SerialPort keeps the settings and the writes. serialport reads through the thread pool and fails a read with
   * EAGAIN (an Error with a stack) before waiting for each chunk: profiled under the devices benchmark that was
   * about 90 µs of CPU per chunk, this about 25. Anything that is not a tty keeps serialport's reads.
   *
   * Reads go into one buffer of the link's (`onread`: no stream buffering, no allocation per read), copied out per
   * chunk. After each read the tty is not watched for `readGapMs`: a device sending a line every few ms (or a
   * 9600-baud reply trickling in) is read in one go instead of one wake-up per chunk, at the cost of at most that
   * much latency; a quiet port is read as soon as its first byte arrives.
   */
  private openReader(done: (reader: ReadStream | undefined) => void): void {
    openFd(this.name, constants.O_RDONLY | constants.O_NOCTTY | constants.O_NONBLOCK, (error, fd) => {
      if (error) return done(undefined);
      try {
        const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
        const reader: ReadStream = new ReadStream(fd, {
          onread: {
            buffer,
            callback: (bytes: number) => {
              if (this.reader !== reader) return;
              this.emit('data', Buffer.from(buffer.subarray(0, bytes)));
              if (this.readGapMs > 0 && this.reader === reader && !this.resumeTimer) {
                reader.pause();
                this.resumeTimer = setTimeout(() => {
                  this.resumeTimer = undefined;
                  if (this.reader === reader && !reader.destroyed) reader.resume();
                }, this.readGapMs);
              }
            },
          },
        } as ConstructorParameters<typeof ReadStream>[1]);
        done(reader);
      } catch {
        closeFd(fd, () => undefined); // not a tty: serialport reads
        done(undefined);
      }
    });
  }

  private closeReader(): void {
    clearTimeout(this.resumeTimer);
    this.resumeTimer = undefined;
    const reader = this.reader;
    this.reader = undefined;
    if (!reader) return;
    reader.removeAllListeners('data');
    reader.on('error', () => undefined);
    reader.destroy();
  }

  /**
   * A pty whose other end vanished, or some USB-serial drivers, leave a read pending forever instead of failing it;
   * the device node disappearing (/dev/ttyUSB0, a by-id link, a pty link) is the sure sign of an unplug.
   */
  private watchPresence(port: SerialPort): void {
    if (this.presence) clearInterval(this.presence);
    this.presence = setInterval(() => {
      access(this.name).catch(() => this.lost(`${this.name} disappeared (unplugged?)`, port));
    }, this.presenceCheckMs);
    this.presence.unref();
  }

  private lost(reason: string, port?: SerialPort): void {
    if (this.stopped || (port && port !== this.port)) return;
    if (port && this.presence) {
      clearInterval(this.presence);
      this.presence = undefined;
    }
    const wasUp = this.reason === undefined;
    const first = this.reason === 'not opened yet';
    this.reason = reason;
    if (port) {
      this.port = undefined;
      this.closeReader();
      port.removeAllListeners('data');
      if (port.isOpen) port.close(() => undefined);
    }
    if (wasUp || first) this.emit('down', reason);
    if (this.retry) clearTimeout(this.retry);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.open();
    }, this.backoff.next());
  }
}

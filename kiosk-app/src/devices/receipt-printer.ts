import { SerialPort } from 'serialport';
import type { PrinterProblem as AnyPrinterProblem } from '../shared/kiosk-api.js';
import { commands, parseOfflineCause, parsePaperStatus } from './escpos.js';

/** What the driver tells apart; the citizen's sentence for each is the renderer's (src/renderer/i18n.ts). */
export type PrinterProblem = Exclude<AnyPrinterProblem, 'failed'>;

/** `message` is for the technician's journal. */
export class PrinterError extends Error {
  constructor(
    readonly problem: PrinterProblem,
    message: string,
  ) {
    super(message);
    this.name = 'PrinterError';
  }
}

export interface ReceiptPrinterOptions {
  path: string;
  baudRate?: number;
  /** How long the printer gets to answer each DLE EOT before it is reported not responding. */
  statusTimeoutMs?: number;
}

/**
 * An ESC/POS printer on a serial port (USB printers show up as /dev/usb/lp0 or a CDC /dev/ttyACM0). Before each
 * job it asks why the printer would be offline (DLE EOT 2: cover open) and the paper sensor (DLE EOT 4), so an
 * open or empty printer is reported, not silently fed a receipt. Real-time status is answered even offline.
 */
export class ReceiptPrinter {
  /** Status requests and jobs one at a time: two DLE EOT answers must not cross. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly port: SerialPort,
    private readonly path: string,
    private readonly statusTimeoutMs: number,
  ) {}

  static async open(options: ReceiptPrinterOptions): Promise<ReceiptPrinter> {
    const printer = ReceiptPrinter.detached(options);
    try {
      await new Promise<void>((resolve, reject) => printer.port.open((error) => (error ? reject(error) : resolve())));
    } catch (error) {
      throw new PrinterError('unplugged', `receipt printer at ${options.path} cannot be opened: ${(error as Error).message}`);
    }
    return printer;
  }

  /** A printer not opened yet (absent at start): each job or status request tries to open it. */
  static detached(options: ReceiptPrinterOptions): ReceiptPrinter {
    const { path, baudRate = 9600, statusTimeoutMs = 1000 } = options;
    if (!Number.isInteger(baudRate) || baudRate <= 0)
      throw new TypeError(`receipt printer baudRate must be a positive integer, got ${baudRate}`);
    const port = new SerialPort({ path, baudRate, autoOpen: false });
    port.on('error', () => undefined);
    return new ReceiptPrinter(port, path, statusTimeoutMs);
  }

  /**
   * The paper sensor now, after checking the cover (health probes it between jobs). A cover left open rejects with
   * a PrinterError `cover-open`: the printer cannot print whatever its paper says.
   */
  status(): Promise<'ok' | 'near-end' | 'out'> {
    return this.serial(() => this.askStatus());
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** A printer unplugged and plugged back in comes back under the same path: try to open it again. */
  private async reopen(): Promise<void> {
    try {
      await new Promise<void>((resolve, reject) => this.port.open((error) => (error ? reject(error) : resolve())));
    } catch (error) {
      throw new PrinterError('unplugged', `receipt printer at ${this.path} is not connected: ${(error as Error).message}`);
    }
  }

  private async askStatus(): Promise<'ok' | 'near-end' | 'out'> {
    if (this.closed) throw new PrinterError('unplugged', `receipt printer at ${this.path} is closed`);
    if (!this.port.isOpen) await this.reopen();
    const cause = await this.ask(commands.offlineCauseStatus(), 'DLE EOT 2', parseOfflineCause);
    if (cause.coverOpen) throw new PrinterError('cover-open', `receipt printer at ${this.path} has its cover open`);
    return this.ask(commands.paperStatus(), 'DLE EOT 4', parsePaperStatus);
  }

  /** Sends one real-time status request and parses the byte that answers it. */
  private async ask<T>(request: Buffer, name: string, parse: (byte: number) => T): Promise<T> {
    const reply = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.port.off('data', onData);
        reject(new PrinterError('no-response', `receipt printer at ${this.path} did not answer ${name} within ${this.statusTimeoutMs} ms`));
      }, this.statusTimeoutMs);
      const onData = (chunk: Buffer) => {
        clearTimeout(timer);
        this.port.off('data', onData);
        resolve(chunk[chunk.length - 1] as number);
      };
      this.port.on('data', onData);
    });
    await this.write(request);
    const byte = await reply;
    try {
      return parse(byte);
    } catch (error) {
      throw new PrinterError('no-response', `receipt printer at ${this.path}: ${(error as Error).message}`);
    }
  }

  /** Prints one job; refuses with a PrinterError when the cover is open, the paper is out or the printer does not answer. */
  print(job: Buffer): Promise<{ paper: 'ok' | 'near-end' }> {
    return this.serial(async () => {
      const paper = await this.askStatus();
      if (paper === 'out') throw new PrinterError('paper-out', `receipt printer at ${this.path} is out of paper`);
      await this.write(job);
      return { paper };
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.port.isOpen) await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }

  private write(bytes: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.port.write(bytes, (error) => {
        if (error) return reject(new PrinterError('unplugged', `receipt printer at ${this.path}: ${error.message}`));
        this.port.drain((drainError) =>
          drainError ? reject(new PrinterError('unplugged', `receipt printer at ${this.path}: ${drainError.message}`)) : resolve(),
        );
      });
    });
  }
}

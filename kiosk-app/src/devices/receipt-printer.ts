import { SerialPort } from 'serialport';
import { commands, parsePaperStatus } from './escpos.js';

export type PrinterProblem = 'paper-out' | 'no-response' | 'unplugged';

/** What the citizen is told; the technician reads `message`. */
const CITIZEN_MESSAGES: Record<PrinterProblem, string> = {
  'paper-out': 'Máy in đã hết giấy. Vui lòng chụp lại mã biên nhận trên màn hình.',
  'no-response': 'Máy in đang gặp sự cố. Vui lòng chụp lại mã biên nhận trên màn hình.',
  unplugged: 'Máy in chưa sẵn sàng. Vui lòng chụp lại mã biên nhận trên màn hình.',
};

export class PrinterError extends Error {
  readonly citizenMessage: string;
  constructor(
    readonly problem: PrinterProblem,
    message: string,
  ) {
    super(message);
    this.name = 'PrinterError';
    this.citizenMessage = CITIZEN_MESSAGES[problem];
  }
}

export interface ReceiptPrinterOptions {
  path: string;
  baudRate?: number;
  /** How long the printer gets to answer DLE EOT before it is reported not responding. */
  statusTimeoutMs?: number;
}

/**
 * An ESC/POS printer on a serial port (USB printers show up as /dev/usb/lp0 or a CDC /dev/ttyACM0). Before each
 * job it asks the paper sensor (DLE EOT 4), so an empty printer is reported, not silently fed a receipt.
 */
export class ReceiptPrinter {
  private constructor(
    private readonly port: SerialPort,
    private readonly path: string,
    private readonly statusTimeoutMs: number,
  ) {}

  static async open(options: ReceiptPrinterOptions): Promise<ReceiptPrinter> {
    const { path, baudRate = 9600, statusTimeoutMs = 1000 } = options;
    if (!Number.isInteger(baudRate) || baudRate <= 0)
      throw new TypeError(`receipt printer baudRate must be a positive integer, got ${baudRate}`);
    const port = new SerialPort({ path, baudRate, autoOpen: false });
    try {
      await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    } catch (error) {
      throw new PrinterError('unplugged', `receipt printer at ${path} cannot be opened: ${(error as Error).message}`);
    }
    port.on('error', () => undefined);
    return new ReceiptPrinter(port, path, statusTimeoutMs);
  }

  async paperStatus(): Promise<'ok' | 'near-end' | 'out'> {
    if (!this.port.isOpen) throw new PrinterError('unplugged', `receipt printer at ${this.path} is closed`);
    const reply = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.port.off('data', onData);
        reject(
          new PrinterError('no-response', `receipt printer at ${this.path} did not answer DLE EOT 4 within ${this.statusTimeoutMs} ms`),
        );
      }, this.statusTimeoutMs);
      const onData = (chunk: Buffer) => {
        clearTimeout(timer);
        this.port.off('data', onData);
        resolve(chunk[chunk.length - 1] as number);
      };
      this.port.on('data', onData);
    });
    await this.write(commands.paperStatus());
    const byte = await reply;
    try {
      return parsePaperStatus(byte);
    } catch (error) {
      throw new PrinterError('no-response', `receipt printer at ${this.path}: ${(error as Error).message}`);
    }
  }

  /** Prints one job; refuses with a PrinterError when the paper is out or the printer does not answer. */
  async print(job: Buffer): Promise<{ paper: 'ok' | 'near-end' }> {
    const paper = await this.paperStatus();
    if (paper === 'out') throw new PrinterError('paper-out', `receipt printer at ${this.path} is out of paper`);
    await this.write(job);
    return { paper };
  }

  async close(): Promise<void> {
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

import { EventEmitter } from 'node:events';
import { SerialPort } from 'serialport';
import { classifyScan, type ScanEvent, unreadableScan } from '../core/scan.js';
import type { KioskNotice } from '../shared/kiosk-api.js';

export type ScannerEvent =
  | { type: 'scan'; scan: ScanEvent }
  | { type: 'garbage'; reason: string }
  | { type: 'disconnected'; reason: string };

/**
 * Where a scanner's events go, the same in Electron (IPC) and browser mode (server-sent events): a scan to the
 * page, garbage to the page as a notice (the citizen is asked to try again), a lost port to the journal only.
 */
export function routeScannerEvent(
  event: ScannerEvent,
  to: { scan(scan: ScanEvent): void; notice(notice: KioskNotice): void; problem(event: Exclude<ScannerEvent, { type: 'scan' }>): void },
): void {
  if (event.type === 'scan') {
    to.scan(event.scan);
    return;
  }
  to.problem(event);
  if (event.type === 'garbage') to.notice({ kind: 'scan-unreadable' });
}

export interface ScanLineDecoderOptions {
  /** Longer than this without a terminator is garbage (a CCCD QR is ~150 bytes). */
  maxBytes?: number;
  now?: () => Date;
}

/**
 * Frames what a serial (USB CDC) QR/barcode scanner sends: one code per line, terminated by CR, LF or CRLF
 * (the factory suffix of Honeywell, Zebra and Newland scanners). Each line must be valid UTF-8 (CCCD QR codes
 * carry Vietnamese names) without control characters; anything else is reported as garbage, never passed on.
 * The raw text is classified at once and dropped: it may be personal data.
 */
export class ScanLineDecoder {
  private buffer: number[] = [];
  private overflowing = false;
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true });

  constructor(private readonly options: ScanLineDecoderOptions = {}) {}

  push(chunk: Uint8Array): ScannerEvent[] {
    const { maxBytes = 2048 } = this.options;
    const events: ScannerEvent[] = [];
    for (const byte of chunk) {
      if (byte === 0x0d || byte === 0x0a) {
        if (this.overflowing) events.push({ type: 'garbage', reason: `line longer than ${maxBytes} bytes` });
        else if (this.buffer.length > 0) events.push(this.line(Uint8Array.from(this.buffer)));
        this.buffer = [];
        this.overflowing = false;
        continue;
      }
      if (this.overflowing) continue;
      this.buffer.push(byte);
      if (this.buffer.length > maxBytes) {
        this.buffer = [];
        this.overflowing = true;
      }
    }
    return events;
  }

  private line(bytes: Uint8Array): ScannerEvent {
    let text: string;
    try {
      text = this.utf8.decode(bytes);
    } catch {
      return { type: 'garbage', reason: 'not valid UTF-8' };
    }
    const unreadable = unreadableScan(text);
    if (unreadable) return { type: 'garbage', reason: unreadable };
    return { type: 'scan', scan: classifyScan(text.normalize('NFC'), this.options.now?.()) };
  }
}

export interface SerialQrScannerOptions extends ScanLineDecoderOptions {
  path: string;
  baudRate?: number;
}

/** A serial QR scanner read in main; `on('event')` delivers typed ScannerEvents. */
export class SerialQrScanner extends EventEmitter<{ event: [ScannerEvent] }> {
  private constructor(private readonly port: SerialPort) {
    super();
  }

  static async open(options: SerialQrScannerOptions): Promise<SerialQrScanner> {
    const { path, baudRate = 9600 } = options;
    const port = new SerialPort({ path, baudRate, autoOpen: false });
    try {
      await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    } catch (error) {
      throw new Error(`QR scanner at ${path} cannot be opened: ${(error as Error).message}`);
    }
    const scanner = new SerialQrScanner(port);
    const decoder = new ScanLineDecoder(options);
    port.on('data', (chunk: Buffer) => {
      for (const event of decoder.push(chunk)) scanner.emit('event', event);
    });
    port.on('error', (error: Error) => scanner.emit('event', { type: 'disconnected', reason: `QR scanner at ${path}: ${error.message}` }));
    port.on('close', () => scanner.emit('event', { type: 'disconnected', reason: `QR scanner at ${path} closed` }));
    return scanner;
  }

  async close(): Promise<void> {
    this.port.removeAllListeners('close');
    if (this.port.isOpen) await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }
}

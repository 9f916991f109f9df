import { EventEmitter } from 'node:events';
import { BOOT_KEYBOARD, charOfKey } from '@lophoc/device-profiles/boot-keyboard';
import type { ScannerEvent } from './qr-scanner.js';
import { ScanLineDecoder } from './qr-scanner.js';

/** What node-hid's `HID` object (and the simulators' RecordedHidDevice) offers. */
export interface HidReportSource {
  on(event: 'data', listener: (report: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  close(): void;
}

const { shiftModifiers: SHIFT, enter: ENTER } = BOOT_KEYBOARD;

/**
 * A QR scanner in USB HID keyboard mode, read in main through node-hid (so its keystrokes never reach a form
 * field). Boot reports `[modifiers, 0, k1..k6]` are turned into text, Enter ends a code, and each code goes through
 * the same checks as the serial mode. A keyboard cannot type Vietnamese: a CCCD QR read in HID mode loses its
 * diacritics, so the serial (CDC) mode is the one to configure for CCCD prefill; HID is fine for receipt codes.
 */
export class HidQrScanner extends EventEmitter<{ event: [ScannerEvent] }> {
  private pressed = new Set<number>();
  private readonly lines = new ScanLineDecoder();
  private unknownKeys = 0;

  constructor(private readonly device: HidReportSource) {
    super();
    device.on('data', (report) => this.push(report));
    device.on('error', (error) => this.emit('event', { type: 'disconnected', reason: `HID QR scanner: ${error.message}` }));
  }

  private push(report: Buffer): void {
    const boot = report.length === 9 ? report.subarray(1) : report;
    if (boot.length < 3) return;
    const shift = ((boot[0] as number) & SHIFT) !== 0;
    const keys = new Set([...boot.subarray(2)].filter((usage) => usage > 0x03));
    for (const usage of keys) {
      if (this.pressed.has(usage)) continue;
      if (usage === ENTER) {
        const events = this.lines.push(Buffer.from('\r'));
        const garbage: ScannerEvent = { type: 'garbage', reason: `${this.unknownKeys} key(s) outside the US layout` };
        for (const event of this.unknownKeys > 0 ? [garbage] : events) this.emit('event', event);
        this.unknownKeys = 0;
        continue;
      }
      const char = charOfKey(usage, shift);
      if (char !== undefined) this.lines.push(Buffer.from(char, 'ascii'));
      else this.unknownKeys += 1;
    }
    this.pressed = keys;
  }

  close(): void {
    this.device.close();
  }
}

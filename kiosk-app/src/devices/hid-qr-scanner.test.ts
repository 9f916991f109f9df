import { RecordedHidDevice, recordTyping } from '@lophoc/simulators';
import { describe, expect, it } from 'vitest';
import { HidQrScanner } from './hid-qr-scanner.js';
import type { ScannerEvent } from './qr-scanner.js';

describe('QR scanner in HID keyboard mode', () => {
  it('turns typed reports into typed scan events, and reports garbage and unplugging', async () => {
    const device = new RecordedHidDevice();
    const scanner = new HidQrScanner(device);
    const events: ScannerEvent[] = [];
    scanner.on('event', (event) => events.push(event));
    await device.play(recordTyping('000.25.30.H29-261120-0007\n', { keyMs: 1 }));
    await device.play(recordTyping('hello\n', { keyMs: 1 }));
    // A key outside the US layout (usage 0x64, the ISO "\\|" key) inside a code: garbage, not a half code.
    await device.play([
      { atMs: 0, report: Buffer.from([0, 0, 0x04, 0, 0, 0, 0, 0]) },
      { atMs: 1, report: Buffer.alloc(8) },
      { atMs: 2, report: Buffer.from([0, 0, 0x64, 0, 0, 0, 0, 0]) },
      { atMs: 3, report: Buffer.alloc(8) },
      { atMs: 4, report: Buffer.from([0, 0, 0x28, 0, 0, 0, 0, 0]) },
      { atMs: 5, report: Buffer.alloc(8) },
    ]);
    await device.play(recordTyping('000.25.30.H29-261120-0008\n', { keyMs: 1 }));
    device.unplug();
    expect(events).toEqual([
      { type: 'scan', scan: { kind: 'receipt', code: '000.25.30.H29-261120-0007' } },
      { type: 'scan', scan: { kind: 'unknown' } },
      { type: 'garbage', reason: '1 key(s) outside the US layout' },
      { type: 'scan', scan: { kind: 'receipt', code: '000.25.30.H29-261120-0008' } },
      { type: 'disconnected', reason: 'HID QR scanner: could not read from HID device' },
    ]);
  });
});

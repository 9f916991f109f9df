import { describe, expect, it } from 'vitest';
import { browserDeviceSettings } from './device-settings.js';

describe('lophoc-kiosk-browser printer and scanner settings', () => {
  it('takes the environment, and flags over it', () => {
    expect(browserDeviceSettings([], {})).toEqual({});
    expect(
      browserDeviceSettings([], {
        LOPHOC_KIOSK_PRINTER: '/dev/serial/by-id/usb-printer',
        LOPHOC_KIOSK_PRINTER_ENCODING: 'ascii',
        LOPHOC_KIOSK_SCANNER: '/dev/ttyACM0',
        LOPHOC_KIOSK_SCANNER_BAUD: '115200',
      }),
    ).toEqual({
      printer: { path: '/dev/serial/by-id/usb-printer', baudRate: 9600, encoding: 'ascii', codeTable: 52 },
      scanner: { path: '/dev/ttyACM0', baudRate: 115200 },
    });
    expect(
      browserDeviceSettings(['--printer=/dev/ttyUSB1', '--printer-code-table', '30', '--scanner', 'hid:0C2E:0b61'], {
        LOPHOC_KIOSK_PRINTER: '/dev/ttyUSB0',
      }),
    ).toEqual({
      printer: { path: '/dev/ttyUSB1', baudRate: 9600, encoding: 'windows-1258', codeTable: 30 },
      scanner: { hid: { vendorId: 0x0c2e, productId: 0x0b61 } },
    });
  });

  it('names the wrong setting', () => {
    const bad =
      (args: string[], env: Record<string, string> = {}) =>
      () =>
        browserDeviceSettings(args, env);
    expect(bad(['--printer=/dev/ttyUSB0', '--printer-encoding=utf8'])).toThrow(/^--printer-encoding: .*windows-1258.*ascii/);
    expect(bad([], { LOPHOC_KIOSK_PRINTER: '/dev/ttyUSB0', LOPHOC_KIOSK_PRINTER_BAUD: 'fast' })).toThrow(
      'LOPHOC_KIOSK_PRINTER_BAUD must be a whole number, got fast',
    );
    expect(bad(['--printer=/dev/ttyUSB0', '--printer-code-table=300'])).toThrow(/^--printer-code-table: /);
    expect(bad(['--scanner=hid:xyz'])).toThrow(
      '--scanner must be a serial port path or hid:VENDOR:PRODUCT in hex (e.g. hid:0c2e:0b61), got hid:xyz',
    );
    expect(bad(['--scanner=hid:0c2e:0b61', '--scanner-baud=9600'])).toThrow(
      '--scanner-baud applies to a serial scanner, not hid:0c2e:0b61',
    );
    expect(bad(['--scanner-baud=9600'])).toThrow('--scanner-baud is set but no scanner is (--scanner or LOPHOC_KIOSK_SCANNER)');
    expect(bad(['--printer'])).toThrow('--printer needs a value');
    expect(bad(['--camera=/dev/video0'])).toThrow(/^unknown argument --camera=\/dev\/video0 \(known: --printer, /);
  });
});

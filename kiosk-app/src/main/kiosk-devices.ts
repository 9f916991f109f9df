import type { BirthPayload } from '@lophoc/protocol';
import type { Logger } from 'pino';
import { type DeviceAvailabilities, PrinterWatch } from '../devices/availability.js';
import { EnrolmentPrinting } from '../devices/enrolment-printing.js';
import { HidQrScanner, type HidReportSource } from '../devices/hid-qr-scanner.js';
import { type ScannerEvent, SerialQrScanner } from '../devices/qr-scanner.js';
import { ReceiptPrinter } from '../devices/receipt-printer.js';
import { ReopeningScanner, type ReopenOptions, type ScannerSource } from '../devices/reopening-scanner.js';
import type { KioskConfig } from './config.js';

/** Device ids of the kiosk's peripherals in birth, health `devices` and `{device}/availability`. */
export const PRINTER_DEVICE = 'printer';
export const SCANNER_DEVICE = 'scanner';

/** The peripherals announced in the birth message, so the ops-center lists them with their availability. */
export function peripheralsOf(config: Pick<KioskConfig, 'printer' | 'scanner'>): BirthPayload['devices'] {
  const devices: BirthPayload['devices'] = [];
  if (config.printer) devices.push({ id: PRINTER_DEVICE, profile: 'escpos-receipt-printer', name: 'Receipt printer', exposes: [] });
  if (config.scanner)
    devices.push({
      id: SCANNER_DEVICE,
      profile: 'path' in config.scanner ? 'serial-qr-scanner' : 'hid-barcode-scanner',
      name: 'QR scanner',
      exposes: [{ name: 'scan', kind: 'event' }],
    });
  return devices;
}

/**
 * The receipt printer, watched: absent at start it is still set up (reported `unplugged`, opened on the next
 * job or probe), so plugging it in later is enough.
 */
export async function openPrinter(
  printer: NonNullable<KioskConfig['printer']>,
  states: DeviceAvailabilities,
  log: Logger,
): Promise<{ printing: EnrolmentPrinting; close(): Promise<void> }> {
  const port = await ReceiptPrinter.open(printer).catch((error: Error) => {
    log.error({ err: error.message }, 'receipt printer unavailable');
    states.set(PRINTER_DEVICE, { available: false, reason: 'unplugged' });
    return ReceiptPrinter.detached(printer);
  });
  const watch = new PrinterWatch(port, states, PRINTER_DEVICE);
  watch.start();
  const printing = new EnrolmentPrinting({
    printer: watch,
    encoding: printer.encoding === 'ascii' ? { kind: 'ascii' } : { kind: 'windows-1258', codeTable: printer.codeTable },
    // The citizen is told through the submission's answer (the confirmation screen); the technician here.
    onProblem: (error) => log.warn({ err: error.message }, 'enrolment receipt not printed'),
  });
  return {
    printing,
    close: async () => {
      watch.stop();
      await port.close();
    },
  };
}

/**
 * The QR scanner (serial or HID), kept open: absent at start or unplugged later it is opened again with backoff
 * (src/devices/reopening-scanner.ts); its availability follows. Returns the function that closes it.
 */
export async function openScanner(
  scanner: NonNullable<KioskConfig['scanner']>,
  states: DeviceAvailabilities,
  log: Logger,
  onEvent: (event: ScannerEvent) => void,
  reopen: ReopenOptions = {},
): Promise<() => Promise<void>> {
  const open = async (): Promise<ScannerSource> => {
    if ('path' in scanner) return SerialQrScanner.open(scanner);
    const { vendorId, productId } = scanner.hid;
    try {
      const { HID } = (await import('node-hid')) as { HID: new (vendorId: number, productId: number) => HidReportSource };
      return new HidQrScanner(new HID(vendorId, productId));
    } catch (error) {
      throw new Error(`HID QR scanner ${vendorId.toString(16)}:${productId.toString(16)} cannot be opened: ${(error as Error).message}`);
    }
  };
  const reopening = new ReopeningScanner(open, reopen);
  reopening.on('event', onEvent);
  reopening.on('availability', (state) => {
    if (state.available) log.info('QR scanner open');
    else log.error({ err: state.detail }, `QR scanner unavailable (${state.reason}); trying again`);
    states.set(SCANNER_DEVICE, state.available ? { available: true } : { available: false, reason: state.reason });
  });
  await reopening.start();
  return () => reopening.close();
}

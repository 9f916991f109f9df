import { runMain } from '@lophoc/scripts/run-main';
import { DeviceAvailabilities } from '../devices/availability.js';
import { routeScannerEvent } from '../devices/qr-scanner.js';
import { openPrinter, openScanner } from '../main/kiosk-devices.js';
import { browserDeviceSettings } from './device-settings.js';
import { startKioskBrowserMode } from './server.js';

/**
 * `lophoc-kiosk-browser`: the kiosk in browser mode on its own, configured by environment (docs/kiosk.md):
 * LOPHOC_CONTENT_API_URL (required), LOPHOC_KIOSK_DATA_DIR (./data/kiosk), LOPHOC_KIOSK_PORT (8090),
 * LOPHOC_KIOSK_HOST (127.0.0.1), LOPHOC_KIOSK_ID (kiosk-1), LOPHOC_KIOSK_PHONE_URL (where the hand-off QR points);
 * the receipt printer and QR scanner by flags or environment (src/browser/device-settings.ts).
 */
const env = process.env;
let url: string | undefined;

await runMain('lophoc-kiosk-browser', async ({ args, log }) => {
  const contentApiUrl = env.LOPHOC_CONTENT_API_URL;
  if (!contentApiUrl || !/^https?:\/\//.test(contentApiUrl))
    throw new Error('LOPHOC_CONTENT_API_URL must be the content API URL, e.g. http://127.0.0.1:8080/api/content/v1');
  const port = Number(env.LOPHOC_KIOSK_PORT ?? 8090);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`LOPHOC_KIOSK_PORT must be 0-65535, got ${env.LOPHOC_KIOSK_PORT}`);
  const kioskId = env.LOPHOC_KIOSK_ID ?? 'kiosk-1';
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(kioskId)) throw new Error(`LOPHOC_KIOSK_ID must be a lower-case id, got ${kioskId}`);
  const devices = browserDeviceSettings(args, env);
  // No MQTT here: a peripheral's availability goes to the journal.
  const states = new DeviceAvailabilities();
  states.on('change', (device, state) => log.info({ device, ...state }, 'peripheral availability'));
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((error: Error) => log.warn({ err: error.message }, 'closing'));
  };
  try {
    const printer = devices.printer ? await openPrinter(devices.printer, states, log) : undefined;
    if (printer) closers.push(printer.close);
    const kiosk = await startKioskBrowserMode({
      contentApiUrl,
      dataDir: env.LOPHOC_KIOSK_DATA_DIR ?? './data/kiosk',
      port,
      host: env.LOPHOC_KIOSK_HOST ?? '127.0.0.1',
      kioskId,
      ...(env.LOPHOC_KIOSK_PHONE_URL ? { phoneUrl: env.LOPHOC_KIOSK_PHONE_URL } : {}),
      ...(printer ? { printing: printer.printing } : {}),
      log,
    });
    closers.push(() => kiosk.stop());
    if (devices.scanner)
      closers.push(
        await openScanner(devices.scanner, states, log, (event) =>
          routeScannerEvent(event, {
            scan: kiosk.deliverScan,
            notice: kiosk.notify,
            problem: ({ type, reason }) => log.warn({ type, reason }, 'QR scanner'),
          }),
        ),
      );
    url = kiosk.url;
  } catch (error) {
    await closeAll();
    throw error;
  }
  return { stop: closeAll };
});
// Printed once the signal handlers are in place, so whoever waits for this line may stop us at once.
if (url) process.stdout.write(`lophoc-kiosk-browser: ${url}\n`);

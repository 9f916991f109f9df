import { runMain } from '@lophoc/scripts/run-main';
import { startKioskBrowserMode } from './server.js';

/**
 * `lophoc-kiosk-browser`: the kiosk in browser mode on its own, configured by environment (docs/kiosk.md):
 * LOPHOC_CONTENT_API_URL (required), LOPHOC_KIOSK_DATA_DIR (./data/kiosk), LOPHOC_KIOSK_PORT (8090),
 * LOPHOC_KIOSK_HOST (127.0.0.1), LOPHOC_KIOSK_ID (kiosk-1), LOPHOC_KIOSK_PHONE_URL (where the hand-off QR points).
 */
const env = process.env;
let url: string | undefined;

await runMain('lophoc-kiosk-browser', async ({ log }) => {
  const contentApiUrl = env.LOPHOC_CONTENT_API_URL;
  if (!contentApiUrl || !/^https?:\/\//.test(contentApiUrl))
    throw new Error('LOPHOC_CONTENT_API_URL must be the content API URL, e.g. http://127.0.0.1:8080/api/content/v1');
  const port = Number(env.LOPHOC_KIOSK_PORT ?? 8090);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`LOPHOC_KIOSK_PORT must be 0-65535, got ${env.LOPHOC_KIOSK_PORT}`);
  const kioskId = env.LOPHOC_KIOSK_ID ?? 'kiosk-1';
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(kioskId)) throw new Error(`LOPHOC_KIOSK_ID must be a lower-case id, got ${kioskId}`);
  const kiosk = await startKioskBrowserMode({
    contentApiUrl,
    dataDir: env.LOPHOC_KIOSK_DATA_DIR ?? './data/kiosk',
    port,
    host: env.LOPHOC_KIOSK_HOST ?? '127.0.0.1',
    kioskId,
    ...(env.LOPHOC_KIOSK_PHONE_URL ? { phoneUrl: env.LOPHOC_KIOSK_PHONE_URL } : {}),
    log,
  });
  url = kiosk.url;
  return kiosk;
});
// Printed once the signal handlers are in place, so whoever waits for this line may stop us at once.
if (url) process.stdout.write(`lophoc-kiosk-browser: ${url}\n`);

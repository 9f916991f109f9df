import type { Catalog } from '../shared/content.js';
import {
  type DossierLookup,
  type KioskApi,
  parseKioskNotice,
  type QrMatrix,
  type ReceiptOutcome,
  type ScanEvent,
  type SubmitResult,
} from '../shared/kiosk-api.js';

/** KioskApi over HTTP, for browser mode (the same origin serves `/kiosk-api/*`). */
export function httpKioskApi(base = './kiosk-api/'): KioskApi {
  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(base + path, { cache: 'no-store' });
    if (!response.ok) throw new Error(`${path}: ${response.status}`);
    return (await response.json()) as T;
  };
  const post = async <T>(path: string, body: unknown): Promise<T> => {
    const response = await fetch(base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status}`);
    return (await response.json()) as T;
  };
  return {
    version: async () => (await get<{ version: string }>('version')).version,
    catalog: () => get<Catalog>('catalog'),
    search: async (query) => (await get<{ ids: string[] }>(`search?q=${encodeURIComponent(query)}`)).ids,
    dossier: (code) => get<DossierLookup>(`dossier/${encodeURIComponent(code)}`),
    submit: (submission) => post<SubmitResult>('submit', submission),
    reprintReceipt: (key) => post<ReceiptOutcome>('receipt/reprint', { key }),
    handoffQr: (courseId) => get<QrMatrix>(`handoff-qr?course=${encodeURIComponent(courseId)}`),
    onScan(listener) {
      const source = new EventSource(`${base}scans`);
      source.onmessage = (message: MessageEvent<string>) => listener(JSON.parse(message.data) as ScanEvent);
      return () => source.close();
    },
    onNotice(listener) {
      const source = new EventSource(`${base}scans`);
      source.addEventListener('notice', (message: MessageEvent<string>) => {
        let notice: ReturnType<typeof parseKioskNotice>;
        try {
          notice = parseKioskNotice(JSON.parse(message.data));
        } catch {
          return;
        }
        if (notice) listener(notice);
      });
      return () => source.close();
    },
    endSession: async () => {
      await post('session/end', {});
    },
  };
}

import type { Catalog, Submission } from '../shared/content.js';
import type { DossierLookup, QrMatrix, ReceiptOutcome, SubmitResult } from '../shared/kiosk-api.js';
import type { KioskBackend } from './ipc.js';

/**
 * The IPC backend in Electron: the kiosk core runs in main as the browser-mode server on 127.0.0.1 (catalog
 * cache, search, outbox); main answers the renderer's IPC calls by asking it, so both modes share one core.
 */
export function httpKioskBackend(baseUrl: string): KioskBackend {
  const base = new URL('kiosk-api/', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  const call = async <T>(path: string, init?: RequestInit): Promise<T> => {
    const response = await fetch(new URL(path, base), init);
    if (!response.ok) throw new Error(`kiosk core ${path}: HTTP ${response.status}`);
    return (await response.json()) as T;
  };
  const post = <T>(path: string, body: unknown) =>
    call<T>(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return {
    version: async () => (await call<{ version: string }>('version')).version,
    catalog: () => call<Catalog>('catalog'),
    search: async (query) => (await call<{ ids: string[] }>(`search?q=${encodeURIComponent(query)}`)).ids,
    dossier: (code) => call<DossierLookup>(`dossier/${encodeURIComponent(code)}`),
    submit: (submission: Submission) => post<SubmitResult>('submit', submission),
    reprintReceipt: (key) => post<ReceiptOutcome>('receipt/reprint', { key }),
    handoffQr: (courseId) => call<QrMatrix>(`handoff-qr?course=${encodeURIComponent(courseId)}`),
    endSession: async () => {
      await post('session/end', {});
    },
  };
}

import { KIOSK_API_KEY, type KioskApi, parseKioskNotice, type ScanEvent } from '../shared/kiosk-api.js';

/**
 * Runs in the sandboxed preload with contextIsolation: exposes the typed KioskApi, never ipcRenderer itself.
 * The Electron module is injected so this file is testable without the Electron binary. Main checks every
 * call (src/main/ipc.ts); what main pushes (`kiosk:scan`, `kiosk:notice`) is checked here before the page sees it.
 */
export function exposeKioskApi(
  contextBridge: { exposeInMainWorld(key: string, api: unknown): void },
  ipc: {
    invoke(channel: string, ...args: unknown[]): Promise<unknown>;
    on(channel: string, listener: (event: unknown, payload: unknown) => void): void;
    removeListener(channel: string, listener: (event: unknown, payload: unknown) => void): void;
  },
): void {
  const api: KioskApi = {
    version: async () => String(await ipc.invoke('kiosk:version')),
    catalog: async () => (await ipc.invoke('kiosk:catalog')) as Awaited<ReturnType<KioskApi['catalog']>>,
    search: async (query) => (await ipc.invoke('kiosk:search', String(query))) as string[],
    dossier: async (code) => (await ipc.invoke('kiosk:dossier', String(code))) as Awaited<ReturnType<KioskApi['dossier']>>,
    submit: async (submission) => (await ipc.invoke('kiosk:submit', submission)) as Awaited<ReturnType<KioskApi['submit']>>,
    reprintReceipt: async (key) =>
      (await ipc.invoke('kiosk:reprint-receipt', String(key))) as Awaited<ReturnType<KioskApi['reprintReceipt']>>,
    handoffQr: async (courseId) => (await ipc.invoke('kiosk:handoff-qr', String(courseId))) as Awaited<ReturnType<KioskApi['handoffQr']>>,
    onScan: (listener) => {
      const handler = (_: unknown, payload: unknown) => listener(payload as ScanEvent);
      ipc.on('kiosk:scan', handler);
      return () => ipc.removeListener('kiosk:scan', handler);
    },
    onNotice: (listener) => {
      const handler = (_: unknown, payload: unknown) => {
        const notice = parseKioskNotice(payload);
        if (notice) listener(notice);
      };
      ipc.on('kiosk:notice', handler);
      return () => ipc.removeListener('kiosk:notice', handler);
    },
    endSession: async () => {
      await ipc.invoke('kiosk:end-session');
    },
  };
  contextBridge.exposeInMainWorld(KIOSK_API_KEY, api);
}

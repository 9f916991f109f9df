import { KIOSK_API_KEY, type KioskApi } from '../shared/kiosk-api.js';

/**
 * Runs in the sandboxed preload with contextIsolation: exposes the typed KioskApi, never ipcRenderer itself.
 * The Electron module is injected so this file is testable without the Electron binary.
 */
export function exposeKioskApi(
  contextBridge: { exposeInMainWorld(key: string, api: unknown): void },
  ipc: { invoke(channel: string, ...args: unknown[]): Promise<unknown> },
): void {
  const api: KioskApi = {
    version: async () => String(await ipc.invoke('kiosk:version')),
  };
  contextBridge.exposeInMainWorld(KIOSK_API_KEY, api);
}

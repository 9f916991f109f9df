/**
 * The narrow API the preload exposes to the renderer (DESIGN §2, kiosk-app). The renderer sees only this
 * interface; browser mode implements it over HTTP, Electron over checked IPC, so the renderer cannot tell.
 */
export interface KioskApi {
  /** Version of the kiosk software, shown on the maintenance screen. */
  version(): Promise<string>;
}

export const KIOSK_API_KEY = 'lophoc';

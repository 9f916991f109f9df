import type { Logger } from 'pino';
import type { PermissionSessionLike } from './electron-types.js';

/**
 * Electron security checklist §5: the kiosk needs no web permission (no camera, microphone, geolocation,
 * notifications, clipboard, MIDI, HID/serial from the page: devices are read in main). Everything is denied.
 */
export const GRANTED_PERMISSIONS: ReadonlySet<string> = new Set();

/** `onDenied` is told of each refused request (a page asking for the camera), never of silent checks. */
export function installPermissionPolicy(
  session: PermissionSessionLike,
  log: Logger,
  onDenied: (permission: string) => void = () => undefined,
): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    const granted = GRANTED_PERMISSIONS.has(permission);
    if (!granted) {
      log.warn({ permission }, 'permission request denied');
      onDenied(permission);
    }
    callback(granted);
  });
  session.setPermissionCheckHandler((_contents, permission) => GRANTED_PERMISSIONS.has(permission));
}

/**
 * Electron security checklist §7: a strict Content-Security-Policy on every response. The renderer is a Vite
 * bundle served by the kiosk itself: scripts and styles from self only; the QR code is drawn as SVG/DOM;
 * `connect-src` names the kiosk's own origin (browser mode talks HTTP to it).
 */
export function contentSecurityPolicy(selfOrigin?: string): string {
  const connect = selfOrigin ? `'self' ${selfOrigin}` : "'self'";
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${connect}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

export function installContentSecurityPolicy(session: PermissionSessionLike, csp: string): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers = Object.fromEntries(
      Object.entries(details.responseHeaders ?? {}).filter(([name]) => name.toLowerCase() !== 'content-security-policy'),
    );
    callback({ responseHeaders: { ...headers, 'Content-Security-Policy': [csp] } });
  });
}

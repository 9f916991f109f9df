import type { Logger } from 'pino';
import type { PreventableEvent, WebContentsLike } from './electron-types.js';

/**
 * Navigation allowlist compared by origin (scheme + host + port), never by string prefix:
 * `https://kiosk.example.vn.evil.com` starts with `https://kiosk.example.vn` but is another origin.
 */
export function isAllowedUrl(url: string, allowedOrigins: readonly string[]): boolean {
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    return false;
  }
  // `file:` and `data:` URLs have the opaque origin "null": never allowed.
  if (origin === 'null') return false;
  return allowedOrigins.some((allowed) => new URL(allowed).origin === origin);
}

/**
 * Electron security checklist §13/§14: refuse navigation and redirects to any other origin, deny every
 * `window.open` (the kiosk has one window), refuse <webview>. The citizen stays on the kiosk page, and
 * `onRefused` lets the shell tell them why nothing opened.
 */
export function installNavigationGuard(
  contents: WebContentsLike,
  allowedOrigins: readonly string[],
  log: Logger,
  onRefused: (what: 'navigation-refused' | 'window-refused') => void = () => undefined,
): void {
  const guard = (event: PreventableEvent, url: string) => {
    if (isAllowedUrl(url, allowedOrigins)) return;
    event.preventDefault();
    log.warn({ origin: safeOrigin(url) }, 'navigation to a foreign origin refused');
    onRefused('navigation-refused');
  };
  contents.on('will-navigate', guard);
  contents.on('will-redirect', guard);
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log.warn('webview refused');
  });
  contents.setWindowOpenHandler(({ url }) => {
    log.warn({ origin: safeOrigin(url) }, 'window.open refused');
    onRefused('window-refused');
    return { action: 'deny' };
  });
}

/** Logs the origin only: a full URL may carry a citizen's query. */
function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'unparseable URL';
  }
}

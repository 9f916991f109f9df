import type { InputEvent, WebContentsLike } from './electron-types.js';

/**
 * Keys that would let a citizen leave or break the kiosk: devtools, reload, zoom, close/quit, fullscreen
 * toggle, print, view-source, find, history navigation. Typing (letters, digits, Vietnamese via the on-screen
 * keyboard, Backspace, Enter, arrows) passes through.
 */
export function isBlockedShortcut(input: InputEvent): boolean {
  const key = input.key.length === 1 ? input.key.toLowerCase() : input.key;
  const ctrl = input.control || input.meta;
  if (/^F\d{1,2}$/.test(key)) return true; // F1 help, F5 reload, F11 fullscreen, F12 devtools…
  if (input.alt && (key === 'F4' || key === 'ArrowLeft' || key === 'ArrowRight' || key === 'Home' || key === 'Tab')) return true;
  if (input.alt && key === 'Alt') return false;
  if (key === 'BrowserBack' || key === 'BrowserForward' || key === 'BrowserRefresh' || key === 'BrowserHome') return true;
  if (key === 'ContextMenu' || key === 'Meta' || key === 'OS') return true;
  if (ctrl) {
    if (input.shift && ['i', 'j', 'c', 'r', 'delete', 'Delete'].includes(key)) return true;
    return [
      'r',
      'w',
      'q',
      'n',
      't',
      'p',
      's',
      'o',
      'u',
      'f',
      'g',
      'h',
      'j',
      'l',
      'd',
      '+',
      '=',
      '-',
      '_',
      '0',
      'Tab',
      'PageUp',
      'PageDown',
    ].includes(key);
  }
  return false;
}

export function installShortcutBlocker(contents: WebContentsLike, onBlocked?: (input: InputEvent) => void): void {
  contents.on('before-input-event', (event, input) => {
    if (!isBlockedShortcut(input)) return;
    event.preventDefault();
    onBlocked?.(input);
  });
  // Devtools are disabled in webPreferences; should anything open them anyway, close them at once.
  contents.on('devtools-opened', () => contents.closeDevTools());
}

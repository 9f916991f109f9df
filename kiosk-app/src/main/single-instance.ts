import type { AppLike, PowerSaveBlockerLike } from './electron-types.js';

/**
 * One kiosk process per machine: a second launch (a technician double-clicking, systemd racing a desktop
 * autostart) quits at once and brings the first window forward instead. Returns false in the second process.
 */
export function acquireSingleInstance(app: AppLike, focusExisting: () => void): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  app.on('second-instance', focusExisting);
  return true;
}

/** Keeps the screen on: the kiosk is a public display. Returns a function that releases the blocker. */
export function preventDisplaySleep(blocker: PowerSaveBlockerLike): () => void {
  const id = blocker.start('prevent-display-sleep');
  return () => {
    if (blocker.isStarted(id)) blocker.stop(id);
  };
}

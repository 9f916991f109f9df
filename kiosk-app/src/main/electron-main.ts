import { fileURLToPath } from 'node:url';
import pino, { type Logger } from 'pino';
import { startKioskBrowserMode } from '../browser/server.js';
import { DeviceAvailabilities } from '../devices/availability.js';
import { routeScannerEvent, type ScannerEvent } from '../devices/qr-scanner.js';
import { KioskNode } from '../remote/kiosk-node.js';
import { scheduleNightlyRestart } from '../remote/nightly-restart.js';
import { loadKioskConfig, readPassword } from './config.js';
import type { AppLike, IpcMainLike, PermissionSessionLike, PowerSaveBlockerLike } from './electron-types.js';
import { httpKioskBackend } from './http-backend.js';
import { openPrinter, openScanner, peripheralsOf } from './kiosk-devices.js';
import { type KioskWindowLike, startKioskShell } from './shell.js';
import { kioskVersion } from './version.js';
import type { KioskWindowOptions } from './window-options.js';

/** Exit status asking systemd for a restart (deploy/lophoc-kiosk.service). */
export const RESTART_EXIT_CODE = 75;

/** The slice of the `electron` module this entry uses (typed here: the package is not installed on build machines). */
interface ElectronModule {
  app: AppLike & { whenReady(): Promise<void>; getAppMetrics(): { pid: number; memory: { workingSetSize: number } }[] };
  ipcMain: IpcMainLike;
  session: { defaultSession: PermissionSessionLike };
  powerSaveBlocker: PowerSaveBlockerLike;
  BrowserWindow: new (options: KioskWindowOptions) => KioskWindowLike;
}

/**
 * The Electron entry point, a table of contents of the kiosk: configuration, the kiosk core on 127.0.0.1, the
 * hardened window, devices, remote management, nightly restart. Everything it calls is tested under Node
 * with an injected electron; this file only joins them (docs/kiosk-deploy.md).
 */
export async function main(options: { log?: Logger } = {}): Promise<{ stop(): Promise<void> }> {
  const electron = (await import('electron' as string)) as ElectronModule;
  const log = options.log ?? pino({ name: 'lophoc-kiosk' });
  const config = loadKioskConfig();
  const version = kioskVersion();
  await electron.app.whenReady();

  const closers: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const close of closers.reverse()) await close();
  };
  // The printer and scanner: usable or not, reported in health and on `{device}/availability`.
  const devices = new DeviceAvailabilities();
  const printer = config.printer ? await openPrinter(config.printer, devices, log) : undefined;
  if (printer) closers.push(() => printer.close());
  const core = await startKioskBrowserMode({
    contentApiUrl: config.contentApiUrl,
    dataDir: config.dataDir,
    port: 0,
    host: '127.0.0.1',
    kioskId: config.node,
    ...(config.phoneUrl ? { phoneUrl: config.phoneUrl } : {}),
    ...(printer ? { printing: printer.printing } : {}),
    log,
  });
  closers.push(() => core.stop());
  const backend = httpKioskBackend(core.url);
  let window: InstanceType<ElectronModule['BrowserWindow']> | undefined;
  const shell = startKioskShell(
    {
      app: electron.app,
      ipcMain: electron.ipcMain,
      session: electron.session.defaultSession,
      powerSaveBlocker: electron.powerSaveBlocker,
      createWindow: (options) => {
        window = new electron.BrowserWindow(options);
        return window;
      },
      rendererMemoryBytes: (pid) => (electron.app.getAppMetrics().find((metric) => metric.pid === pid)?.memory.workingSetSize ?? 0) * 1024,
    },
    {
      kioskUrl: core.url,
      preloadPath: fileURLToPath(new URL('../../dist/preload/preload.cjs', import.meta.url)),
      extraOrigins: config.extraOrigins,
      backend,
      version,
      log,
      memoryLimitBytes: config.memoryLimitMb * 1024 * 1024,
    },
  );
  if (!shell) {
    await stop();
    return { stop };
  }
  closers.push(() => shell.stop());

  const restart = () => {
    // Under systemd (INVOCATION_ID is set) exit with 75: the unit's RestartForceExitStatus=75 starts us again.
    if (process.env.INVOCATION_ID) return electron.app.exit(RESTART_EXIT_CODE);
    electron.app.relaunch();
    electron.app.exit(0);
  };
  const onScanner = (event: ScannerEvent) =>
    routeScannerEvent(event, {
      scan: shell.sendScan,
      notice: shell.sendNotice,
      problem: ({ type, reason }) => log.warn({ type, reason }, 'QR scanner'),
    });
  if (config.scanner) {
    closers.push(await openScanner(config.scanner, devices, log, onScanner));
  }
  // When the catalog was last fetched, for health; refreshed each minute from the core's snapshot.
  let lastSyncAt: number | undefined;
  const refreshLastSync = () =>
    void backend.catalog().then(
      (catalog) => (lastSyncAt = catalog.updatedAt),
      () => undefined,
    );
  refreshLastSync();
  const syncTimer = setInterval(refreshLastSync, 60_000).unref();
  closers.push(() => clearInterval(syncTimer));
  if (config.mqtt) {
    const node = new KioskNode({
      url: config.mqtt.url,
      site: config.site,
      node: config.node,
      ...(config.mqtt.username ? { username: config.mqtt.username } : {}),
      ...(config.mqtt.passwordFile ? { password: readPassword(config.mqtt.passwordFile) } : {}),
      version,
      log,
      devices: peripheralsOf(config),
      actions: {
        reload: () => shell.reload(),
        restart,
        screenshot: async (maxWidth) => {
          if (!window) throw new Error('no kiosk window');
          const image = await window.webContents.capturePage();
          return { mime: 'image/jpeg', bytes: image.resize({ width: maxWidth }).toJPEG(70) };
        },
        syncNow: async () => {
          const before = core.outboxDepth();
          await core.syncNow();
          const catalog = await backend.catalog();
          lastSyncAt = catalog.updatedAt;
          return {
            ...(catalog.updatedAt !== undefined ? { catalogUpdatedAt: catalog.updatedAt } : {}),
            outboxDelivered: Math.max(0, before - core.outboxDepth()),
          };
        },
      },
      health: () => ({
        rssBytes: process.memoryUsage().rss + shell.memory.lastBytes,
        outboxDepth: core.outboxDepth(),
        rendererCrashes: shell.recovery.crashes,
        rendererRestarts: shell.memory.restarts,
        ...(lastSyncAt !== undefined ? { lastSyncAt } : {}),
        devices: devices.snapshot(),
      }),
    });
    // A printer running out of paper shows in the ops-center at once, not at the next health tick.
    devices.on('change', (device, availability) => {
      node.publishAvailability(device, availability);
      node.publishHealth();
    });
    closers.push(() => node.stop());
    await node.start().catch((error: Error) => log.error({ err: error.message }, 'remote management unavailable'));
  }
  if (config.nightlyRestart) closers.push(scheduleNightlyRestart({ at: config.nightlyRestart, isIdle: shell.isIdle, restart }));
  return { stop };
}

import type { Logger } from 'pino';
import type { KioskNotice, ScanEvent } from '../shared/kiosk-api.js';
import { CrashRecovery } from './crash-recovery.js';
import type { AppLike, IpcMainLike, PermissionSessionLike, PowerSaveBlockerLike, WebContentsLike } from './electron-types.js';
import { type KioskBackend, registerKioskIpc } from './ipc.js';
import { maintenancePageUrl } from './maintenance-page.js';
import { MemoryWatch } from './memory-watch.js';
import { installNavigationGuard } from './origin-policy.js';
import { contentSecurityPolicy, installContentSecurityPolicy, installPermissionPolicy } from './permissions.js';
import { installShortcutBlocker } from './shortcuts.js';
import { acquireSingleInstance, preventDisplaySleep } from './single-instance.js';
import { type KioskWindowOptions, kioskWindowOptions } from './window-options.js';

export interface KioskWindowLike {
  readonly webContents: WebContentsLike;
  show(): void;
  focus(): void;
  isDestroyed(): boolean;
  once(event: 'ready-to-show', listener: () => void): void;
}

/** The Electron objects the shell needs; `electron-main.ts` passes the real ones. */
export interface ElectronShell {
  app: AppLike;
  ipcMain: IpcMainLike;
  session: PermissionSessionLike;
  powerSaveBlocker: PowerSaveBlockerLike;
  createWindow(options: KioskWindowOptions): KioskWindowLike;
  /** Memory of the renderer process with this OS pid, in bytes. */
  rendererMemoryBytes(pid: number): number;
}

export interface KioskShellOptions {
  kioskUrl: string;
  preloadPath: string;
  extraOrigins?: readonly string[];
  backend: KioskBackend;
  version: string;
  log: Logger;
  memoryLimitBytes: number;
  memoryIntervalMs?: number;
  /** No IPC call for this long also counts as idle (the renderer's own idle policy ends sessions sooner). */
  idleAfterMs?: number;
  now?: () => number;
}

export interface RunningShell {
  readonly window: KioskWindowLike;
  readonly recovery: CrashRecovery;
  readonly memory: MemoryWatch;
  /** True while no citizen is using the kiosk. */
  isIdle(): boolean;
  sendScan(scan: ScanEvent): void;
  /** Tells the citizen (through the renderer) about a refusal or a device problem; repeats within 3 s are dropped. */
  sendNotice(notice: KioskNotice): void;
  /** Remote `reload`: also leaves the maintenance screen. */
  reload(): Promise<void>;
  stop(): void;
}

/**
 * The hardened kiosk window, in the order Electron's security checklist lists its steps. Returns undefined in a
 * second instance (which quits).
 */
export function startKioskShell(electron: ElectronShell, options: KioskShellOptions): RunningShell | undefined {
  const { kioskUrl, log, now = Date.now, idleAfterMs = 5 * 60_000 } = options;
  const origins = [new URL(kioskUrl).origin, ...(options.extraOrigins ?? [])];
  let window: KioskWindowLike | undefined;
  if (!acquireSingleInstance(electron.app, () => window?.focus())) return undefined;
  const releaseSleep = preventDisplaySleep(electron.powerSaveBlocker);
  // A page stuck in a loop of refused navigations must not bury the citizen in messages.
  const lastNoticeAt = new Map<KioskNotice['kind'], number>();
  const sendNotice = (notice: KioskNotice) => {
    const previous = lastNoticeAt.get(notice.kind);
    if (previous !== undefined && now() - previous < 3000) return;
    lastNoticeAt.set(notice.kind, now());
    if (window && !window.isDestroyed()) window.webContents.send('kiosk:notice', notice);
  };
  installPermissionPolicy(electron.session, log, () => sendNotice({ kind: 'permission-refused' }));
  installContentSecurityPolicy(electron.session, contentSecurityPolicy(new URL(kioskUrl).origin));

  let lastActivity = 0;
  let sessionOpen = false;
  const isIdle = () => !sessionOpen || now() - lastActivity > idleAfterMs;
  const backend: KioskBackend = {
    ...options.backend,
    endSession: async () => {
      sessionOpen = false;
      await options.backend.endSession();
    },
  };
  const track = <K extends keyof KioskBackend>(name: K): KioskBackend[K] =>
    ((...args: unknown[]) => {
      sessionOpen = true;
      lastActivity = now();
      return (options.backend[name] as (...a: unknown[]) => unknown)(...args);
    }) as KioskBackend[K];
  for (const name of ['search', 'dossier', 'submit', 'reprintReceipt', 'handoffQr'] as const)
    (backend as Record<string, unknown>)[name] = track(name);
  const removeIpc = registerKioskIpc(electron.ipcMain, backend, origins, log);

  const created = electron.createWindow(kioskWindowOptions(options.preloadPath));
  window = created;
  const contents = created.webContents;
  installNavigationGuard(contents, origins, log, (kind) => sendNotice({ kind }));
  installShortcutBlocker(contents, (input) => log.debug({ key: input.key }, 'shortcut blocked'));
  const load = () => contents.loadURL(kioskUrl).catch((error: Error) => log.error({ err: error.message }, 'kiosk page failed to load'));
  const recovery = new CrashRecovery({
    reload: () => void load(),
    showMaintenance: () => void contents.loadURL(maintenancePageUrl(options.version)),
    log,
  });
  contents.on('render-process-gone', (_event, details) => recovery.onRenderProcessGone(details.reason));
  contents.on('unresponsive', () => recovery.onUnresponsive());
  contents.on('responsive', () => recovery.onResponsive());
  const memory = new MemoryWatch({
    sample: () => electron.rendererMemoryBytes(contents.getOSProcessId()),
    isIdle,
    restartRenderer: () => {
      // A planned restart: a fresh renderer process, not a reload of the leaking one.
      if (contents.forcefullyCrashRenderer) contents.forcefullyCrashRenderer();
      void load();
    },
    log,
    limitBytes: options.memoryLimitBytes,
    ...(options.memoryIntervalMs ? { intervalMs: options.memoryIntervalMs } : {}),
  });
  memory.start();
  created.once('ready-to-show', () => created.show());
  void load();

  return {
    window: created,
    recovery,
    memory,
    isIdle,
    sendScan: (scan) => {
      if (!created.isDestroyed()) contents.send('kiosk:scan', scan);
    },
    sendNotice,
    reload: async () => {
      recovery.reset();
      await load();
    },
    stop: () => {
      memory.stop();
      recovery.stop();
      removeIpc();
      releaseSleep();
    },
  };
}

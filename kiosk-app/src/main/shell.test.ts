import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AppLike } from './electron-types.js';
import { FakeIpcMain, FakeSession, FakeWebContents } from './fake-electron.js';
import type { KioskBackend } from './ipc.js';
import { type ElectronShell, type KioskWindowLike, startKioskShell } from './shell.js';
import type { KioskWindowOptions } from './window-options.js';

const log = pino({ level: 'silent' });
const KIOSK_URL = 'http://127.0.0.1:8090/';

const backend: KioskBackend = {
  version: async () => '0.1.0',
  catalog: async () => ({ centers: [], courses: [], procedures: [], stale: false }),
  search: async () => [],
  dossier: async () => ({ ok: false, reason: 'not-found' }),
  submit: async () => ({ ok: true, delivered: true }),
  reprintReceipt: async () => ({ printed: true }),
  handoffQr: async () => ({ size: 1, rows: ['1'] }),
  endSession: async () => undefined,
};

function fakeElectron(lock = true) {
  const contents = new FakeWebContents();
  const ipcMain = new FakeIpcMain();
  const session = new FakeSession();
  let windowOptions: KioskWindowOptions | undefined;
  let memory = 100;
  const app: AppLike = { requestSingleInstanceLock: () => lock, on: vi.fn(), quit: vi.fn(), relaunch: vi.fn(), exit: vi.fn() };
  const window: KioskWindowLike = { webContents: contents, show: vi.fn(), focus: vi.fn(), isDestroyed: () => false, once: (_e, l) => l() };
  const electron: ElectronShell = {
    app,
    ipcMain,
    session,
    powerSaveBlocker: { start: vi.fn(() => 1), stop: vi.fn(), isStarted: () => true },
    createWindow: (options) => {
      windowOptions = options;
      return window;
    },
    rendererMemoryBytes: () => memory,
  };
  return {
    electron,
    contents,
    ipcMain,
    session,
    app,
    window,
    options: () => windowOptions,
    setMemory: (bytes: number) => (memory = bytes),
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('kiosk shell wiring', () => {
  it('opens one hardened window on the kiosk page with every policy in place', async () => {
    const fake = fakeElectron();
    const shell = startKioskShell(fake.electron, {
      kioskUrl: KIOSK_URL,
      preloadPath: '/p.cjs',
      backend,
      version: '0.1.0',
      log,
      memoryLimitBytes: 1e9,
    });
    expect(shell).toBeDefined();
    expect(fake.options()?.webPreferences).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      devTools: false,
    });
    expect(fake.contents.url).toBe(KIOSK_URL);
    expect(fake.window.show).toHaveBeenCalled();
    expect(fake.electron.powerSaveBlocker.start).toHaveBeenCalledWith('prevent-display-sleep');
    expect(fake.contents.fire('will-navigate', 'https://example.com/')).toBe(true);
    expect(fake.contents.press({ key: 'F12' })).toBe(true);
    expect(fake.session.requestHandler).not.toBeNull();
    expect(await fake.ipcMain.invoke(KIOSK_URL, 'kiosk:version')).toBe('0.1.0');
    await expect(fake.ipcMain.invoke('http://127.0.0.1:9999/', 'kiosk:version')).rejects.toThrow(/sender/);
    shell?.sendScan({ kind: 'receipt', code: '000.25.30.H29-261120-0007' });
    expect(fake.contents.sent).toEqual([
      { channel: 'kiosk:notice', payload: { kind: 'navigation-refused' } },
      { channel: 'kiosk:scan', payload: { kind: 'receipt', code: '000.25.30.H29-261120-0007' } },
    ]);
    shell?.stop();
  });

  it('tells the page of refused navigation, windows, permissions and unreadable scans, one per kind per 3 s', () => {
    let time = 1_000_000;
    const fake = fakeElectron();
    const shell = startKioskShell(fake.electron, {
      kioskUrl: KIOSK_URL,
      preloadPath: '/p.cjs',
      backend,
      version: '0.1.0',
      log,
      memoryLimitBytes: 1e9,
      now: () => time,
    });
    const notices = () => fake.contents.sent.filter((message) => message.channel === 'kiosk:notice').map((message) => message.payload);
    expect(fake.contents.fire('will-navigate', `${KIOSK_URL}courses`)).toBe(false);
    expect(notices()).toEqual([]);
    expect(fake.contents.fire('will-navigate', 'https://example.com/')).toBe(true);
    expect(fake.contents.windowOpenHandler?.({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    const callback = vi.fn();
    fake.session.requestHandler?.({}, 'media', callback, { requestingUrl: KIOSK_URL });
    expect(callback).toHaveBeenCalledWith(false);
    shell?.sendNotice({ kind: 'scan-unreadable' });
    expect(notices()).toEqual([
      { kind: 'navigation-refused' },
      { kind: 'window-refused' },
      { kind: 'permission-refused' },
      { kind: 'scan-unreadable' },
    ]);
    // A page looping on a foreign link does not flood the citizen; after 3 s the next refusal is told again.
    for (let i = 0; i < 20; i += 1) fake.contents.fire('will-navigate', 'https://example.com/');
    expect(notices()).toHaveLength(4);
    time += 3000;
    fake.contents.fire('will-navigate', 'https://example.com/');
    expect(notices()).toHaveLength(5);
    shell?.stop();
  });

  it('quits in a second instance', () => {
    const fake = fakeElectron(false);
    expect(
      startKioskShell(fake.electron, { kioskUrl: KIOSK_URL, preloadPath: '/p.cjs', backend, version: '0.1.0', log, memoryLimitBytes: 1e9 }),
    ).toBeUndefined();
    expect(fake.app.quit).toHaveBeenCalled();
  });

  it('reloads a crashed renderer, shows maintenance after repeated crashes, and leaves it on a remote reload', async () => {
    vi.useFakeTimers();
    const fake = fakeElectron();
    const shell = startKioskShell(fake.electron, {
      kioskUrl: KIOSK_URL,
      preloadPath: '/p.cjs',
      backend,
      version: '0.1.0',
      log,
      memoryLimitBytes: 1e9,
    });
    for (let crash = 0; crash < 4; crash += 1) {
      fake.contents.url = 'about:blank';
      fake.contents.fire('render-process-gone', { reason: 'crashed', exitCode: 139 });
      await vi.advanceTimersByTimeAsync(60_000);
      expect(fake.contents.url).toBe(KIOSK_URL);
    }
    fake.contents.fire('render-process-gone', { reason: 'crashed', exitCode: 139 });
    expect(fake.contents.url).toMatch(/^data:text\/html/);
    expect(decodeURIComponent(fake.contents.url)).toContain('Kiosk đang bảo trì');
    await shell?.reload();
    expect(fake.contents.url).toBe(KIOSK_URL);
    expect(shell?.recovery.state).toBe('running');
    shell?.stop();
  });

  it('restarts a leaking renderer only once the citizen has finished', async () => {
    vi.useFakeTimers();
    const fake = fakeElectron();
    const crash = vi.fn();
    fake.contents.forcefullyCrashRenderer = crash;
    const shell = startKioskShell(fake.electron, {
      kioskUrl: KIOSK_URL,
      preloadPath: '/p.cjs',
      backend,
      version: '0.1.0',
      log,
      memoryLimitBytes: 1000,
      memoryIntervalMs: 1000,
    });
    await fake.ipcMain.invoke(KIOSK_URL, 'kiosk:search', 'tin học');
    fake.setMemory(1200);
    await vi.advanceTimersByTimeAsync(3000);
    expect(crash).not.toHaveBeenCalled();
    expect(shell?.isIdle()).toBe(false);
    await fake.ipcMain.invoke(KIOSK_URL, 'kiosk:end-session');
    await vi.advanceTimersByTimeAsync(1000);
    expect(crash).toHaveBeenCalledOnce();
    expect(shell?.memory.restarts).toBe(1);
    shell?.stop();
  });
});

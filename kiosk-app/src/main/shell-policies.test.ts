import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { exposeKioskApi } from '../preload/preload.js';
import type { KioskApi } from '../shared/kiosk-api.js';
import { CrashRecovery } from './crash-recovery.js';
import { FakeIpcMain, FakeSession, FakeWebContents } from './fake-electron.js';
import { IpcRefused, KIOSK_CHANNELS, type KioskBackend, registerKioskIpc } from './ipc.js';
import { MemoryWatch } from './memory-watch.js';
import { installNavigationGuard, isAllowedUrl } from './origin-policy.js';
import { contentSecurityPolicy, installContentSecurityPolicy, installPermissionPolicy } from './permissions.js';
import { installShortcutBlocker, isBlockedShortcut } from './shortcuts.js';
import { acquireSingleInstance, preventDisplaySleep } from './single-instance.js';
import { kioskWindowOptions } from './window-options.js';

const log = pino({ level: 'silent' });
const KIOSK = 'https://kiosk.lophoc.test';

afterEach(() => {
  vi.useRealTimers();
});

describe('navigation allowlist', () => {
  it('compares origins, not prefixes', () => {
    expect(isAllowedUrl(`${KIOSK}/courses?q=tin+học`, [KIOSK])).toBe(true);
    expect(isAllowedUrl('https://kiosk.lophoc.test.evil.com/', [KIOSK])).toBe(false);
    expect(isAllowedUrl('http://kiosk.lophoc.test/', [KIOSK])).toBe(false);
    expect(isAllowedUrl('https://kiosk.lophoc.test:8443/', [KIOSK])).toBe(false);
    expect(isAllowedUrl('file:///etc/passwd', [KIOSK])).toBe(false);
    expect(isAllowedUrl('data:text/html,<h1>x</h1>', [KIOSK])).toBe(false);
    expect(isAllowedUrl('not a url', [KIOSK])).toBe(false);
  });

  it('refuses navigation, redirects, window.open and webviews to foreign origins', () => {
    const contents = new FakeWebContents();
    installNavigationGuard(contents, [KIOSK], log);
    expect(contents.fire('will-navigate', 'https://example.com/')).toBe(true);
    expect(contents.fire('will-redirect', 'https://kiosk.lophoc.test.evil.com/')).toBe(true);
    expect(contents.fire('will-navigate', `${KIOSK}/procedures`)).toBe(false);
    expect(contents.windowOpenHandler?.({ url: `${KIOSK}/x` })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler?.({ url: 'https://facebook.com/' })).toEqual({ action: 'deny' });
    expect(contents.fire('will-attach-webview')).toBe(true);
  });

  it('tells the shell about each refusal so the citizen can be told, and nothing about allowed navigation', () => {
    const contents = new FakeWebContents();
    const refused: string[] = [];
    installNavigationGuard(contents, [KIOSK], log, (what) => refused.push(what));
    contents.fire('will-navigate', `${KIOSK}/procedures`);
    expect(refused).toEqual([]);
    contents.fire('will-navigate', 'https://example.com/');
    contents.fire('will-redirect', 'https://kiosk.lophoc.test.evil.com/');
    contents.windowOpenHandler?.({ url: 'https://facebook.com/' });
    expect(refused).toEqual(['navigation-refused', 'navigation-refused', 'window-refused']);
  });
});

describe('permissions and CSP', () => {
  it('denies every permission request and check', () => {
    const session = new FakeSession();
    installPermissionPolicy(session, log);
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'hid', 'serial', 'openExternal', 'fullscreen']) {
      const callback = vi.fn();
      session.requestHandler?.({}, permission, callback, { requestingUrl: KIOSK });
      expect(callback).toHaveBeenCalledWith(false);
      expect(session.checkHandler?.({}, permission, KIOSK)).toBe(false);
    }
  });

  it('reports each refused request, never a silent check', () => {
    const session = new FakeSession();
    const denied: string[] = [];
    installPermissionPolicy(session, log, (permission) => denied.push(permission));
    session.checkHandler?.({}, 'media', KIOSK);
    expect(denied).toEqual([]);
    session.requestHandler?.({}, 'media', vi.fn(), { requestingUrl: KIOSK });
    expect(denied).toEqual(['media']);
  });

  it('puts a strict CSP on every response, replacing a weaker one', () => {
    const session = new FakeSession();
    const csp = contentSecurityPolicy(KIOSK);
    installContentSecurityPolicy(session, csp);
    const callback = vi.fn();
    session.headersListener?.(
      {
        url: `${KIOSK}/`,
        responseHeaders: { 'content-security-policy': ["default-src *; script-src 'unsafe-inline'"], 'Content-Type': ['text/html'] },
      },
      callback,
    );
    const headers = callback.mock.calls[0]?.[0].responseHeaders as Record<string, string[]>;
    expect(headers['Content-Type']).toEqual(['text/html']);
    expect(headers['content-security-policy']).toBeUndefined();
    expect(headers['Content-Security-Policy']).toEqual([csp]);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe');
  });

  it('builds isolated, sandboxed webPreferences with devtools off', () => {
    const options = kioskWindowOptions('/opt/lophoc-kiosk/preload.cjs');
    expect(options).toMatchObject({ kiosk: true, fullscreen: true, frame: false });
    expect(options.webPreferences).toMatchObject({
      preload: '/opt/lophoc-kiosk/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webviewTag: false,
      devTools: false,
      webSecurity: true,
    });
  });
});

describe('shortcuts', () => {
  it.each([
    ['F12', {}],
    ['F5', {}],
    ['F11', {}],
    ['i', { control: true, shift: true }],
    ['r', { control: true }],
    ['R', { control: true, shift: true }],
    ['w', { control: true }],
    ['q', { control: true }],
    ['+', { control: true }],
    ['-', { control: true }],
    ['0', { control: true }],
    ['F4', { alt: true }],
    ['ArrowLeft', { alt: true }],
    ['p', { meta: true }],
  ])('blocks %s %o', (key, modifiers) => {
    const contents = new FakeWebContents();
    const blocked = vi.fn();
    installShortcutBlocker(contents, blocked);
    expect(contents.press({ key, ...modifiers })).toBe(true);
    expect(blocked).toHaveBeenCalledOnce();
  });

  it('lets typing through, Vietnamese included', () => {
    for (const key of ['a', 'ư', 'Ơ', '0', 'Backspace', 'Enter', 'ArrowLeft', ' ', 'Tab']) {
      expect(isBlockedShortcut({ type: 'keyDown', key, control: false, alt: false, shift: false, meta: false })).toBe(false);
    }
    expect(isBlockedShortcut({ type: 'keyDown', key: 'A', control: false, alt: false, shift: true, meta: false })).toBe(false);
  });

  it('closes devtools should they open', () => {
    const contents = new FakeWebContents();
    installShortcutBlocker(contents);
    contents.fire('devtools-opened');
    expect(contents.devtoolsClosed).toBe(1);
  });
});

describe('single instance and display sleep', () => {
  it('quits the second instance and focuses the first', () => {
    const quit = vi.fn();
    const listeners: (() => void)[] = [];
    const app = {
      requestSingleInstanceLock: () => false,
      on: (_: 'second-instance', l: () => void) => listeners.push(l),
      quit,
      relaunch: vi.fn(),
      exit: vi.fn(),
    };
    expect(acquireSingleInstance(app, vi.fn())).toBe(false);
    expect(quit).toHaveBeenCalledOnce();
    const focus = vi.fn();
    expect(acquireSingleInstance({ ...app, requestSingleInstanceLock: () => true }, focus)).toBe(true);
    for (const listener of listeners) listener();
    expect(focus).toHaveBeenCalledOnce();
  });

  it('prevents display sleep until released', () => {
    const started = new Set<number>();
    const blocker = {
      start: vi.fn((type: string) => {
        if (type !== 'prevent-display-sleep') return -1;
        started.add(7);
        return 7;
      }),
      stop: (id: number) => started.delete(id),
      isStarted: (id: number) => started.has(id),
    };
    const release = preventDisplaySleep(blocker);
    expect(blocker.start).toHaveBeenCalledWith('prevent-display-sleep');
    expect(started.has(7)).toBe(true);
    release();
    expect(started.size).toBe(0);
  });
});

describe('crash recovery', () => {
  it('reloads after an exponential backoff and shows maintenance after repeated crashes', () => {
    vi.useFakeTimers();
    const reload = vi.fn();
    const showMaintenance = vi.fn();
    const recovery = new CrashRecovery({
      reload,
      showMaintenance,
      log,
      baseDelayMs: 1000,
      maxCrashes: 4,
      windowMs: 60_000,
      now: () => Date.now(),
    });
    recovery.onRenderProcessGone('clean-exit');
    expect(recovery.state).toBe('running');
    const delays = [1000, 2000, 4000];
    for (const [index, delay] of delays.entries()) {
      recovery.onRenderProcessGone('crashed');
      expect(recovery.state).toBe('waiting');
      vi.advanceTimersByTime(delay - 1);
      expect(reload).toHaveBeenCalledTimes(index);
      vi.advanceTimersByTime(1);
      expect(reload).toHaveBeenCalledTimes(index + 1);
    }
    recovery.onRenderProcessGone('oom');
    expect(recovery.state).toBe('maintenance');
    expect(showMaintenance).toHaveBeenCalledWith('renderer gone: oom');
    vi.advanceTimersByTime(120_000);
    expect(reload).toHaveBeenCalledTimes(3);
    recovery.reset();
    expect(recovery.state).toBe('running');
  });

  it('forgets crashes older than the window', () => {
    vi.useFakeTimers();
    const reload = vi.fn();
    const recovery = new CrashRecovery({ reload, showMaintenance: vi.fn(), log, maxCrashes: 2, windowMs: 10_000 });
    recovery.onRenderProcessGone('crashed');
    vi.advanceTimersByTime(20_000);
    recovery.onRenderProcessGone('crashed');
    expect(recovery.state).toBe('waiting');
    expect(recovery.delayFor(1)).toBe(1000);
  });

  it('gives an unresponsive renderer a grace period before reloading', () => {
    vi.useFakeTimers();
    const reload = vi.fn();
    const recovery = new CrashRecovery({ reload, showMaintenance: vi.fn(), log, unresponsiveGraceMs: 5000, baseDelayMs: 100 });
    recovery.onUnresponsive();
    vi.advanceTimersByTime(4000);
    recovery.onResponsive();
    vi.advanceTimersByTime(10_000);
    expect(reload).not.toHaveBeenCalled();
    recovery.onUnresponsive();
    vi.advanceTimersByTime(5100);
    expect(reload).toHaveBeenCalledOnce();
  });
});

describe('memory watch', () => {
  it('restarts the renderer at the next idle moment past the bound, at once past the hard bound', async () => {
    let bytes = 100;
    let idle = false;
    const restartRenderer = vi.fn();
    const watch = new MemoryWatch({ sample: () => bytes, isIdle: () => idle, restartRenderer, log, limitBytes: 500, hardFactor: 2 });
    expect(await watch.check()).toBe('ok');
    bytes = 600;
    expect(await watch.check()).toBe('waiting-for-idle');
    expect(restartRenderer).not.toHaveBeenCalled();
    idle = true;
    expect(await watch.check()).toBe('restarted');
    idle = false;
    bytes = 1001;
    expect(await watch.check()).toBe('restarted');
    expect(restartRenderer).toHaveBeenCalledTimes(2);
    expect(watch.restarts).toBe(2);
  });

  it('samples on its interval and stops', async () => {
    vi.useFakeTimers();
    const sample = vi.fn(() => 1);
    const watch = new MemoryWatch({ sample, isIdle: () => true, restartRenderer: vi.fn(), log, limitBytes: 10, intervalMs: 1000 });
    watch.start();
    await vi.advanceTimersByTimeAsync(3000);
    watch.stop();
    await vi.advanceTimersByTimeAsync(3000);
    expect(sample).toHaveBeenCalledTimes(3);
  });
});

describe('IPC', () => {
  const backend = (): KioskBackend & { submitted: unknown[] } => {
    const submitted: unknown[] = [];
    return {
      submitted,
      version: async () => '0.1.0',
      catalog: async () => ({ centers: [], courses: [], procedures: [], stale: false }),
      search: async (query) => [query],
      dossier: async () => ({ ok: false, reason: 'not-found' }),
      submit: async (submission) => {
        submitted.push(submission);
        return { ok: true, delivered: false };
      },
      reprintReceipt: async (key) => {
        submitted.push({ reprint: key });
        return { printed: false, problem: 'paper-out' };
      },
      handoffQr: async () => ({ size: 1, rows: ['1'] }),
      endSession: async () => undefined,
    };
  };

  it('serves the preload API end to end over checked channels', async () => {
    const ipcMain = new FakeIpcMain();
    const server = backend();
    registerKioskIpc(ipcMain, server, [KIOSK], log);
    let exposed: KioskApi | undefined;
    exposeKioskApi(
      { exposeInMainWorld: (_key, api) => (exposed = api as KioskApi) },
      { invoke: (channel, ...args) => ipcMain.invoke(`${KIOSK}/`, channel, ...args), on: vi.fn(), removeListener: vi.fn() },
    );
    expect(await exposed?.version()).toBe('0.1.0');
    expect(await exposed?.search('tin học')).toEqual(['tin học']);
    const good = {
      kind: 'enrolment',
      key: 'abcdefgh12',
      data: { courseId: 'tin-hoc', fullName: ' Nguyễn Thị Hoà ', phone: '0901234567', consent: true },
    } as const;
    expect(await exposed?.submit(good)).toEqual({ ok: true, delivered: false });
    expect(server.submitted).toEqual([{ ...good, data: { ...good.data, fullName: 'Nguyễn Thị Hoà' } }]);
    expect(await exposed?.reprintReceipt('abcdefgh12')).toEqual({ printed: false, problem: 'paper-out' });
    expect(server.submitted.at(-1)).toEqual({ reprint: 'abcdefgh12' });
  });

  it('hands the page only well-formed notices pushed by main, and stops on request', () => {
    const listeners = new Map<string, (event: unknown, payload: unknown) => void>();
    let exposed: KioskApi | undefined;
    exposeKioskApi(
      { exposeInMainWorld: (_key, api) => (exposed = api as KioskApi) },
      {
        invoke: vi.fn(),
        on: (channel, listener) => listeners.set(channel, listener),
        removeListener: (channel) => listeners.delete(channel),
      },
    );
    const notices: unknown[] = [];
    const stop = exposed?.onNotice((notice) => notices.push(notice));
    const push = listeners.get('kiosk:notice');
    push?.({}, { kind: 'scan-unreadable' });
    push?.({}, { kind: 'window-refused', url: 'https://leak.example/?name=An' });
    push?.({}, { kind: 'rm -rf' });
    push?.({}, 'navigation-refused');
    push?.({}, null);
    expect(notices).toEqual([{ kind: 'scan-unreadable' }, { kind: 'window-refused' }]);
    stop?.();
    expect(listeners.has('kiosk:notice')).toBe(false);
  });

  it('refuses calls from a foreign or missing frame', async () => {
    const ipcMain = new FakeIpcMain();
    registerKioskIpc(ipcMain, backend(), [KIOSK], log);
    await expect(ipcMain.invoke('https://evil.example/', 'kiosk:catalog')).rejects.toThrow(/kiosk:catalog: sender is not the kiosk page/);
    await expect(ipcMain.invoke(null, 'kiosk:version')).rejects.toBeInstanceOf(IpcRefused);
  });

  it('refuses malformed messages naming the channel and the argument', async () => {
    const ipcMain = new FakeIpcMain();
    const server = backend();
    registerKioskIpc(ipcMain, server, [KIOSK], log);
    await expect(ipcMain.invoke(KIOSK, 'kiosk:search', 42)).rejects.toThrow(/kiosk:search: argument 0 /);
    await expect(ipcMain.invoke(KIOSK, 'kiosk:search', 'x'.repeat(201))).rejects.toThrow(/argument 0/);
    await expect(ipcMain.invoke(KIOSK, 'kiosk:handoff-qr', '../../etc')).rejects.toThrow(/must be a course id/);
    await expect(ipcMain.invoke(KIOSK, 'kiosk:version', 'extra')).rejects.toThrow(/kiosk:version/);
    await expect(ipcMain.invoke(KIOSK, 'kiosk:reprint-receipt', 'x')).rejects.toThrow(
      /kiosk:reprint-receipt: argument 0 must be a submission key/,
    );
    await expect(ipcMain.invoke(KIOSK, 'kiosk:reprint-receipt', { key: 'abcdefgh12' })).rejects.toThrow(
      /kiosk:reprint-receipt: argument 0/,
    );
    await expect(ipcMain.invoke(KIOSK, 'kiosk:reprint-receipt')).rejects.toThrow(/kiosk:reprint-receipt/);
    await expect(ipcMain.invoke('https://evil.example/', 'kiosk:reprint-receipt', 'abcdefgh12')).rejects.toThrow(/sender is not/);
    expect(await ipcMain.invoke(KIOSK, 'kiosk:submit', { kind: 'enrolment', key: 'abcdefgh12', data: { phone: '12' } })).toEqual({
      ok: false,
      reason: 'invalid',
      field: 'courseId',
    });
    expect(server.submitted).toEqual([]);
  });

  it("passes a session record (the citizen's number of searches) to the core, and refuses a bad count", async () => {
    const ipcMain = new FakeIpcMain();
    const server = backend();
    registerKioskIpc(ipcMain, server, [KIOSK], log);
    const record = { kind: 'session', key: 'session-abcdefgh', data: { searches: 2 } };
    expect(await ipcMain.invoke(KIOSK, 'kiosk:submit', { ...record, data: { searches: -1 } })).toEqual({
      ok: false,
      reason: 'invalid',
      field: 'searches',
    });
    expect(server.submitted).toEqual([]);
    await ipcMain.invoke(KIOSK, 'kiosk:submit', record);
    expect(server.submitted).toEqual([record]);
  });

  it('registers every preload channel and removes them', () => {
    const ipcMain = new FakeIpcMain();
    const remove = registerKioskIpc(ipcMain, backend(), [KIOSK], log);
    expect([...ipcMain.handlers.keys()].sort()).toEqual([...KIOSK_CHANNELS].sort());
    remove();
    expect(ipcMain.handlers.size).toBe(0);
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningBroker, startBroker } from '@lophoc/broker';
import { decodeMessage } from '@lophoc/protocol';
import { openPtyPair, type PtyPair } from '@lophoc/simulators';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FakeIpcMain, FakeSession, FakeWebContents } from '../../kiosk-app/src/main/fake-electron.js';
import type { KioskWindowOptions } from '../../kiosk-app/src/main/window-options.js';
import { startEscPosPrinter } from '../../simulators/src/printers/escpos-printer.js';
import { startSerialQrScanner } from '../../simulators/src/scanners/serial-qr-scanner.js';

/** The electron module as the entry sees it: real policies run against these fakes (no Electron binary here). */
const fake = vi.hoisted(() => ({
  windows: [] as { options: unknown; webContents: unknown }[],
  exit: [] as number[],
}));
vi.mock('electron', async () => {
  const { FakeIpcMain, FakeSession, FakeWebContents } = await import('../../kiosk-app/src/main/fake-electron.js');
  return {
    app: {
      whenReady: async () => undefined,
      requestSingleInstanceLock: () => true,
      on: () => undefined,
      quit: () => undefined,
      relaunch: () => undefined,
      exit: (code: number) => fake.exit.push(code),
      getAppMetrics: () => [{ pid: 4242, memory: { workingSetSize: 200_000 } }],
    },
    ipcMain: new FakeIpcMain(),
    session: { defaultSession: new FakeSession() },
    powerSaveBlocker: { start: () => 1, stop: () => undefined, isStarted: () => true },
    BrowserWindow: class {
      readonly webContents = new FakeWebContents();
      constructor(readonly options: unknown) {
        fake.windows.push(this);
      }
      show() {}
      focus() {}
      isDestroyed() {
        return false;
      }
      once(_event: string, listener: () => void) {
        listener();
      }
    },
  };
});

const log = pino({ level: 'silent' });
const waitFor = async <T>(find: () => T | undefined, what: string): Promise<T> => {
  const deadline = Date.now() + 8000;
  while (Date.now() < deadline) {
    const found = find();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
};

describe('the Electron entry with an injected electron module', () => {
  let dir: string;
  let broker: RunningBroker;
  let scannerPty: PtyPair;
  let printerPty: PtyPair;
  let kiosk: { stop(): Promise<void> };
  let electron: { ipcMain: FakeIpcMain; session: { defaultSession: FakeSession } };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiosk-electron-main-'));
    broker = await startBroker({ port: 0, log });
    scannerPty = await openPtyPair(dir, 'scanner');
    printerPty = await openPtyPair(dir, 'printer');
    const config = join(dir, 'kiosk.yaml');
    await writeFile(
      config,
      [
        'site: ttht-cho-quan',
        'node: kiosk-01',
        'contentApiUrl: http://127.0.0.1:9/api/content/v1',
        `dataDir: ${join(dir, 'data')}`,
        `mqtt: { url: "${broker.url}" }`,
        `scanner: { path: "${scannerPty.host}" }`,
        `printer: { path: "${printerPty.host}" }`,
        'nightlyRestart: null',
      ].join('\n'),
    );
    vi.stubEnv('LOPHOC_KIOSK_CONFIG', config);
    electron = (await import('electron' as string)) as typeof electron;
  });

  afterAll(async () => {
    await kiosk?.stop();
    await broker?.stop();
    await scannerPty?.close();
    await printerPty?.close();
    vi.unstubAllEnvs();
    await rm(dir, { recursive: true, force: true });
  });

  it('starts the core, a hardened window, devices and remote management, all joined', async () => {
    const scanner = await startSerialQrScanner(scannerPty.device);
    const printer = await startEscPosPrinter(printerPty.device);
    const ops = await mqtt.connectAsync(broker.url, { clientId: 'ops-test' });
    const messages: { topic: string; payload: Buffer }[] = [];
    ops.on('message', (topic, payload) => messages.push({ topic, payload }));
    await ops.subscribeAsync('lophoc/v1/ttht-cho-quan/kiosk-01/#', { qos: 1 });
    try {
      const { main } = await import('../../kiosk-app/src/main/electron-main.js');
      kiosk = await main({ log });
      const window = fake.windows[0] as { options: KioskWindowOptions; webContents: FakeWebContents };
      expect(window.options.webPreferences).toMatchObject({
        sandbox: true,
        contextIsolation: true,
        nodeIntegration: false,
        devTools: false,
      });
      expect(window.options.webPreferences.preload).toMatch(/dist\/preload\/preload\.cjs$/);
      const kioskUrl = window.webContents.url;
      expect(kioskUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);

      // IPC answered by the real kiosk core over HTTP; a foreign frame is refused.
      expect(await electron.ipcMain.invoke(kioskUrl, 'kiosk:version')).toMatch(/^\d+\.\d+\.\d+/);
      expect(await electron.ipcMain.invoke(kioskUrl, 'kiosk:catalog')).toMatchObject({ stale: expect.any(Boolean) });
      await expect(electron.ipcMain.invoke('https://evil.example/', 'kiosk:version')).rejects.toThrow(/sender/);
      expect(await electron.ipcMain.invoke(kioskUrl, 'kiosk:submit', { kind: 'enrolment', key: 'k', data: {} })).toMatchObject({
        ok: false,
        field: 'key',
      });

      // A scan on the serial scanner reaches the renderer as a typed event.
      await scanner.scan('000.25.30.H29-261120-0007');
      const sent = await waitFor(() => window.webContents.sent.find((m) => m.channel === 'kiosk:scan'), 'scan sent to renderer');
      expect(sent.payload).toEqual({ kind: 'receipt', code: '000.25.30.H29-261120-0007' });

      // Remote management on the broker.
      const birth = await waitFor(() => messages.find((m) => m.topic.endsWith('/birth')), 'birth');
      expect(decodeMessage(birth.topic, birth.payload).payload).toMatchObject({ kind: 'kiosk' });
      await ops.publishAsync(
        'lophoc/v1/ttht-cho-quan/kiosk-01/cmd',
        JSON.stringify({
          v: 1,
          id: 'shot-1',
          device: 'kiosk',
          method: 'screenshot',
          params: { maxWidth: 320 },
          expiresAt: Date.now() + 60_000,
        }),
        { qos: 1 },
      );
      const result = await waitFor(() => messages.find((m) => m.topic.endsWith('/cmd/result')), 'screenshot result');
      expect(JSON.parse(result.payload.toString())).toMatchObject({
        id: 'shot-1',
        ok: true,
        result: { mime: 'image/jpeg', base64: '/9j/4A==' },
      });
      await ops.publishAsync(
        'lophoc/v1/ttht-cho-quan/kiosk-01/cmd',
        JSON.stringify({ v: 1, id: 'sync-1', device: 'kiosk', method: 'sync-now', params: {}, expiresAt: Date.now() + 60_000 }),
        { qos: 1 },
      );
      const sync = await waitFor(
        () =>
          messages
            .map((m) => (m.topic.endsWith('/cmd/result') ? JSON.parse(m.payload.toString()) : undefined))
            .find((r) => r?.id === 'sync-1'),
        'sync-now result',
      );
      expect(sync).toMatchObject({ ok: true, result: { outboxDelivered: 0 } });
      expect(printer.receipts).toEqual([]);
    } finally {
      await ops.endAsync();
      await scanner.close();
      await printer.close();
    }
  });
});

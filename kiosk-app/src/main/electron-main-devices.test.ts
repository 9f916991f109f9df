import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningBroker, startBroker } from '@lophoc/broker';
import { decodeMessage, healthPayload } from '@lophoc/protocol';
import {
  openPtyPair,
  type PtyPair,
  type RunningEscPosPrinter,
  type RunningSerialQrScanner,
  startEscPosPrinter,
  startSerialQrScanner,
} from '@lophoc/simulators';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KioskRig } from '../../test/kiosk-rig.js';
import type { Catalog } from '../shared/content.js';
import type { FakeIpcMain, FakeWebContents } from './fake-electron.js';

/**
 * The Electron entry with an injected electron module, a real content API, a real broker, and the ESC/POS
 * printer and serial QR scanner simulators on socat ptys: what the citizen is told (IPC answers and notices)
 * and what the ops-center sees (health `devices`, retained `{device}/availability`) when devices fail.
 */
const fake = vi.hoisted(() => ({ windows: [] as { webContents: unknown }[] }));
vi.mock('electron', async () => {
  const { FakeIpcMain, FakeSession, FakeWebContents } = await import('./fake-electron.js');
  return {
    app: {
      whenReady: async () => undefined,
      requestSingleInstanceLock: () => true,
      on: () => undefined,
      quit: () => undefined,
      relaunch: () => undefined,
      exit: () => undefined,
      getAppMetrics: () => [],
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
const SITE = 'ttht-cho-lon';
const NODE = 'kiosk-02';
const waitFor = async <T>(find: () => T | undefined, what: string): Promise<T> => {
  const deadline = Date.now() + 8000;
  while (Date.now() < deadline) {
    const found = find();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
};

describe('Electron entry: device failures told to the citizen and to the ops-center', () => {
  let dir: string;
  let rig: KioskRig;
  let broker: RunningBroker;
  let printerPty: PtyPair;
  let scannerPty: PtyPair;
  let printerSim: RunningEscPosPrinter;
  let scannerSim: RunningSerialQrScanner;
  let kiosk: { stop(): Promise<void> } | undefined;
  let ops: mqtt.MqttClient;
  const messages: { topic: string; payload: unknown; retain: boolean }[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiosk-electron-devices-'));
    rig = await new KioskRig().start();
    broker = await startBroker({ port: 0, log });
    printerPty = await openPtyPair(dir, 'printer');
    scannerPty = await openPtyPair(dir, 'scanner');
    printerSim = await startEscPosPrinter(printerPty.device);
    scannerSim = await startSerialQrScanner(scannerPty.device);
    ops = await mqtt.connectAsync(broker.url, { clientId: 'ops-center-test' });
    ops.on('message', (topic, payload, packet) =>
      messages.push({ topic, payload: decodeMessage(topic, payload).payload, retain: packet.retain }),
    );
    await ops.subscribeAsync(`lophoc/v1/${SITE}/${NODE}/#`, { qos: 1 });
    const config = join(dir, 'kiosk.yaml');
    await writeFile(
      config,
      [
        `site: ${SITE}`,
        `node: ${NODE}`,
        `contentApiUrl: ${rig.contentUrl}`,
        `dataDir: ${join(dir, 'data')}`,
        `mqtt: { url: "${broker.url}" }`,
        `scanner: { path: "${scannerPty.host}" }`,
        `printer: { path: "${printerPty.host}" }`,
        'nightlyRestart: null',
      ].join('\n'),
    );
    vi.stubEnv('LOPHOC_KIOSK_CONFIG', config);
  });
  afterAll(async () => {
    await kiosk?.stop();
    await ops?.endAsync();
    await broker?.stop();
    await printerSim?.close();
    await scannerSim?.close();
    await printerPty?.close();
    await scannerPty?.close();
    await rig?.stop();
    vi.unstubAllEnvs();
    await rm(dir, { recursive: true, force: true });
  });

  const availability = (device: string) =>
    messages
      .filter((m) => m.topic === `lophoc/v1/${SITE}/${NODE}/${device}/availability`)
      .map((m) => m.payload as { online: boolean; reason?: string });
  const lastHealth = () =>
    messages.filter((m) => m.topic.endsWith('/health')).at(-1)?.payload as
      | { rates: Record<string, number>; devices?: Record<string, { available: boolean; reason?: string }> }
      | undefined;
  const healthWith = (predicate: (devices: Record<string, { available: boolean; reason?: string }>) => boolean, what: string) =>
    waitFor(() => {
      const health = lastHealth();
      return health?.devices && predicate(health.devices) ? health : undefined;
    }, what);

  it('paper out, garbage, unplugged: the enrolment stands, the page is told, health and availability say why', async () => {
    const electron = (await import('electron' as string)) as { ipcMain: FakeIpcMain };
    const { main } = await import('./electron-main.js');
    kiosk = await main({ log });
    const contents = fake.windows[0]?.webContents as FakeWebContents;
    const page = contents.url;
    const invoke = (channel: string, ...args: unknown[]) => electron.ipcMain.invoke(page, channel, ...args);

    // Birth lists the peripherals; both are available and say so in health and on their availability topics.
    const birth = await waitFor(() => messages.find((m) => m.topic.endsWith('/birth')), 'birth');
    expect((birth.payload as { devices: { id: string }[] }).devices.map((d) => d.id)).toEqual(['kiosk', 'printer', 'scanner']);
    await healthWith((d) => d.printer?.available === true && d.scanner?.available === true, 'both available');
    await waitFor(() => availability('printer').find((a) => a.online), 'printer online');
    // Each device's availability is its own message: the scanner's may come after the printer's.
    await waitFor(() => availability('scanner').at(-1), 'scanner availability');
    expect(availability('scanner').at(-1)).toEqual({ v: 1, online: true, ts: expect.any(Number) });

    // Paper runs out: the enrolment is saved, the answer says the receipt did not print, the ops-center sees why.
    printerSim.setPaper('out');
    const catalog = (await invoke('kiosk:catalog')) as Catalog;
    const enrolment = {
      kind: 'enrolment',
      key: 'enrol-3c9d41aa-electron',
      data: { courseId: catalog.courses[0]!.id, fullName: 'Phạm Thị Mai', phone: '0987654321', consent: true },
    };
    expect(await invoke('kiosk:submit', enrolment)).toEqual({
      ok: true,
      delivered: true,
      receipt: { printed: false, problem: 'paper-out' },
    });
    expect(rig.intake('enrolment').map((r) => r.key)).toContain('enrol-3c9d41aa-electron');
    const health = await healthWith((d) => d.printer?.reason === 'paper-out', 'paper-out in health');
    expect(health.devices?.printer).toEqual({ available: false, reason: 'paper-out' });
    expect(Object.keys(health.rates).sort()).toEqual(['last_sync_age_s', 'renderer_crashes', 'renderer_restarts']);
    expect(availability('printer').at(-1)).toMatchObject({ online: false, reason: 'paper-out' });
    expect(messages.filter((m) => m.topic.endsWith('/printer/availability')).at(-1)?.retain).toBe(false); // live delivery
    // A malformed reprint request is refused in main, naming channel and argument.
    await expect(invoke('kiosk:reprint-receipt', 42)).rejects.toThrow(/kiosk:reprint-receipt: argument 0/);

    // The scanner sends garbage: the page is told, the scanner stays available; the next scan goes through.
    await scannerSim.sendRaw(Buffer.from([0x1b, 0x5b, 0x41, 0x0d]));
    await waitFor(() => contents.sent.find((m) => m.channel === 'kiosk:notice'), 'notice sent');
    expect(contents.sent.filter((m) => m.channel === 'kiosk:notice').map((m) => m.payload)).toEqual([{ kind: 'scan-unreadable' }]);
    await scannerSim.scan('000.25.30.H29-261120-0012');
    await waitFor(() => contents.sent.find((m) => m.channel === 'kiosk:scan'), 'scan sent');

    // Paper refilled: the reprint comes out and the printer is available again.
    printerSim.setPaper('ok');
    const printed = printerSim.nextReceipt();
    expect(await invoke('kiosk:reprint-receipt', 'enrol-3c9d41aa-electron')).toEqual({ printed: true });
    expect((await printed).lines.map((line) => line.text)).toContain('Học viên: Phạm Thị Mai');
    await healthWith((d) => d.printer?.available === true, 'printer back');

    // The printer's cable pulled: reported unplugged; the kiosk keeps answering.
    await printerSim.close();
    await printerPty.close();
    expect(await invoke('kiosk:reprint-receipt', 'enrol-3c9d41aa-electron')).toEqual({ printed: false, problem: 'unplugged' });
    await healthWith((d) => d.printer?.reason === 'unplugged', 'unplugged in health');
    expect(availability('printer').at(-1)).toMatchObject({ online: false, reason: 'unplugged' });
    expect(await invoke('kiosk:version')).toMatch(/^\d+\.\d+\.\d+/);

    // The contract: the new health field is checked like the rest.
    const sample = { v: 1, ts: Date.now(), uptimeS: 1, rssBytes: 1, outboxDepth: 0, rates: {} };
    expect(healthPayload.safeParse({ ...sample, devices: { printer: { available: false, reason: 'paper-out' } } }).success).toBe(true);
    expect(healthPayload.safeParse({ ...sample, devices: { 'Máy in': { available: true } } }).success).toBe(false);
    expect(healthPayload.safeParse({ ...sample, devices: { printer: { available: 'no' } } }).success).toBe(false);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPtyPair, type PtyPair } from '@lophoc/simulators';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningSerialQrScanner, startSerialQrScanner } from '../../../simulators/src/scanners/serial-qr-scanner.js';
import { openScanner } from '../main/kiosk-devices.js';
import { DeviceAvailabilities, type DeviceAvailability } from './availability.js';
import type { ScannerEvent } from './qr-scanner.js';
import { ReopeningScanner } from './reopening-scanner.js';

const until = async (check: () => boolean, what: string, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('the QR scanner is opened again after it was unplugged (socat pty)', () => {
  let dir: string;
  let pair: PtyPair | undefined;
  let simulator: RunningSerialQrScanner | undefined;
  let close: (() => Promise<void>) | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiosk-scanner-'));
  });
  afterEach(async () => {
    await close?.();
    await simulator?.close();
    await pair?.close();
    await rm(dir, { recursive: true, force: true });
  });

  // Plugging in: the link appears (socat, as udev makes /dev/serial/by-id/…); unplugging: it goes away.
  const plugIn = async () => {
    pair = await openPtyPair(dir, 'scanner');
    simulator = await startSerialQrScanner(pair.device);
  };
  const unplug = async () => {
    await simulator?.close();
    await pair?.close();
    await rm(join(dir, 'scanner.host'), { force: true });
    await rm(join(dir, 'scanner.device'), { force: true });
    simulator = undefined;
    pair = undefined;
  };

  const start = async () => {
    const states = new DeviceAvailabilities();
    const changes: DeviceAvailability[] = [];
    states.on('change', (_, state) => changes.push(state));
    const events: ScannerEvent[] = [];
    close = await openScanner(
      { path: join(dir, 'scanner.host'), baudRate: 9600 },
      states,
      pino({ level: 'silent' }),
      (event) => events.push(event),
      {
        initialDelayMs: 100,
        maxDelayMs: 400,
      },
    );
    return { changes, events };
  };

  it('unplugged and plugged back in: reported disconnected, reopened with backoff, scans again', async () => {
    await plugIn();
    const { changes, events } = await start();
    expect(changes).toEqual([{ available: true }]);
    await simulator!.scan('000.25.30.H29-261120-0012');
    await until(() => events.length === 1, 'the first scan');

    await unplug();
    await until(() => changes.length === 2, 'the disconnection');
    expect(changes[1]).toEqual({ available: false, reason: 'disconnected' });
    expect(events.at(-1)).toMatchObject({ type: 'disconnected' });
    await new Promise((resolve) => setTimeout(resolve, 700)); // several failed attempts: still one report
    expect(changes).toHaveLength(2);

    await plugIn();
    await until(() => changes.length === 3, 'the scanner reopened');
    expect(changes[2]).toEqual({ available: true });
    await simulator!.scan('000.25.30.H29-261121-0003');
    await until(() => events.filter((e) => e.type === 'scan').length === 2, 'a scan after reopening');
    expect(events.filter((e) => e.type === 'scan')).toEqual([
      { type: 'scan', scan: { kind: 'receipt', code: '000.25.30.H29-261120-0012' } },
      { type: 'scan', scan: { kind: 'receipt', code: '000.25.30.H29-261121-0003' } },
    ]);
  });

  it('absent at start: reported unplugged, opened once it appears', async () => {
    const { changes, events } = await start();
    expect(changes).toEqual([{ available: false, reason: 'unplugged' }]);
    await plugIn();
    await until(() => changes.length === 2, 'the scanner opened');
    expect(changes[1]).toEqual({ available: true });
    await simulator!.scan('000.25.30.H29-261120-0012');
    await until(() => events.length === 1, 'a scan');
  });
});

describe('ReopeningScanner backoff', () => {
  it('waits longer after each failed attempt, up to the cap, and stops when closed', async () => {
    const attempts: number[] = [];
    const scanner = new ReopeningScanner(
      async () => {
        attempts.push(Date.now());
        throw new Error('ENOENT: no such file');
      },
      { initialDelayMs: 50, maxDelayMs: 200 },
    );
    const reports: unknown[] = [];
    scanner.on('availability', (state) => reports.push(state));
    await scanner.start();
    await until(() => attempts.length >= 6, 'six attempts', 3000);
    await scanner.close();
    const count = attempts.length;
    const gaps = attempts.slice(1).map((time, i) => time - attempts[i]!);
    // 50, 100, 200, 200, 200 ms (timers may fire a little late, never early).
    expect(gaps[0]).toBeGreaterThanOrEqual(45);
    expect(gaps[1]).toBeGreaterThanOrEqual(95);
    expect(gaps[2]).toBeGreaterThanOrEqual(195);
    expect(gaps[3]).toBeLessThan(400);
    expect(reports).toEqual([{ available: false, reason: 'unplugged', detail: 'ENOENT: no such file' }]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(attempts).toHaveLength(count);
  });
});

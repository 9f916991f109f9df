import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPtyPair, type PtyPair, startEscPosPrinter } from '@lophoc/simulators';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeviceAvailabilities, type DeviceAvailability, PrinterWatch } from './availability.js';
import { ReceiptPrinter } from './receipt-printer.js';

describe('printer availability, against the ESC/POS simulator on a pty', () => {
  let dir: string;
  let pair: PtyPair;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiosk-availability-'));
    pair = await openPtyPair(dir, 'printer');
  });
  afterEach(async () => {
    await pair.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('follows the cover and paper sensor through probes and jobs, telling each change once', async () => {
    const simulator = await startEscPosPrinter(pair.device);
    const printer = await ReceiptPrinter.open({ path: pair.host, statusTimeoutMs: 300 });
    const states = new DeviceAvailabilities();
    const changes: [string, DeviceAvailability][] = [];
    states.on('change', (device, state) => changes.push([device, state]));
    const watch = new PrinterWatch(printer, states);
    try {
      expect(await watch.probe()).toEqual({ available: true });
      expect(await watch.probe()).toEqual({ available: true });
      simulator.setPaper('near-end');
      // A probe and a job at the same moment: serialised, the status answers do not cross.
      const [probed, printed] = await Promise.all([watch.probe(), watch.print(Buffer.from('x\n'))]);
      expect(probed).toEqual({ available: true, reason: 'paper-near-end' });
      expect(printed).toEqual({ paper: 'near-end' });
      simulator.setPaper('out');
      await expect(watch.print(Buffer.from('x\n'))).rejects.toMatchObject({ problem: 'paper-out' });
      expect(states.snapshot()).toEqual({ printer: { available: false, reason: 'paper-out' } });
      simulator.setPaper('ok');
      simulator.setCoverOpen(true);
      expect(await watch.probe()).toEqual({ available: false, reason: 'cover-open' });
      await simulator.close();
      expect(await watch.probe()).toEqual({ available: false, reason: 'no-response' });
      expect(changes).toEqual([
        ['printer', { available: true }],
        ['printer', { available: true, reason: 'paper-near-end' }],
        ['printer', { available: false, reason: 'paper-out' }],
        ['printer', { available: false, reason: 'cover-open' }],
        ['printer', { available: false, reason: 'no-response' }],
      ]);
    } finally {
      watch.stop();
      await printer.close();
    }
  });

  it('a printer absent at start is unplugged, and usable once it appears at its path', async () => {
    const printer = ReceiptPrinter.detached({ path: join(dir, 'later.host'), statusTimeoutMs: 300 });
    const states = new DeviceAvailabilities();
    const watch = new PrinterWatch(printer, states);
    let later: PtyPair | undefined;
    try {
      expect(await watch.probe()).toEqual({ available: false, reason: 'unplugged' });
      later = await openPtyPair(dir, 'later'); // plugged in: /…/later.host appears
      const simulator = await startEscPosPrinter(later.device);
      expect(await watch.probe()).toEqual({ available: true });
      await simulator.close();
    } finally {
      await printer.close();
      await later?.close();
    }
  });
});

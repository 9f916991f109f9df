import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPtyPair, type PtyPair, type RunningEscPosPrinter, startEscPosPrinter } from '@lophoc/simulators';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KioskRig } from '../../test/kiosk-rig.js';
import { EnrolmentPrinting } from '../devices/enrolment-printing.js';
import { ReceiptPrinter } from '../devices/receipt-printer.js';
import type { Catalog } from '../shared/content.js';

/** Reads server-sent events from the kiosk's stream until `count` frames of `event` arrived. */
async function readEvents(url: string, event: string, count: number, trigger: () => Promise<unknown>): Promise<unknown[]> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const found: unknown[] = [];
  let buffer = '';
  await trigger();
  const deadline = setTimeout(() => controller.abort(), 5000);
  try {
    while (found.length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      const frames = buffer.split('\n\n');
      buffer = frames.pop() ?? '';
      for (const frame of frames) {
        const name = /^event: (.+)$/m.exec(frame)?.[1] ?? 'message';
        const data = /^data: (.+)$/m.exec(frame)?.[1];
        if (name === event && data) found.push(JSON.parse(data));
      }
    }
  } finally {
    clearTimeout(deadline);
    controller.abort();
  }
  return found;
}

describe('browser mode: receipt outcome and notices, with the ESC/POS printer simulator on a pty', () => {
  let rig: KioskRig;
  let dir: string;
  let pair: PtyPair;
  let simulator: RunningEscPosPrinter;
  let printer: ReceiptPrinter;
  const problems: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiosk-receipts-'));
    pair = await openPtyPair(dir, 'printer');
    simulator = await startEscPosPrinter(pair.device, { paper: 'out' });
    printer = await ReceiptPrinter.open({ path: pair.host, statusTimeoutMs: 400 });
    const printing = new EnrolmentPrinting({
      printer,
      encoding: { kind: 'windows-1258', codeTable: 52 },
      onProblem: (error) => problems.push(error.message),
    });
    rig = await new KioskRig().start({ printing, log: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await rig?.stop();
    await printer?.close();
    await simulator?.close();
    await pair?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const post = (path: string, body: unknown) =>
    fetch(new URL(`kiosk-api/${path}`, rig.kiosk.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('answers an enrolment with the receipt outcome; the enrolment stands; a reprint after refilling prints it', async () => {
    const catalog = (await (await fetch(new URL('kiosk-api/catalog', rig.kiosk.url))).json()) as Catalog;
    const course = catalog.courses[0]!;
    const enrolment = {
      kind: 'enrolment',
      key: 'enrol-5b1c0e7a-receipt',
      data: { courseId: course.id, fullName: 'Trần Thị Lựu', phone: '0912345678', consent: true },
    };
    expect(await (await post('submit', enrolment)).json()).toEqual({
      ok: true,
      delivered: true,
      receipt: { printed: false, problem: 'paper-out' },
    });
    expect(rig.intake('enrolment').map((record) => record.key)).toContain('enrol-5b1c0e7a-receipt');
    expect(problems.at(-1)).toMatch(/out of paper/);
    expect(simulator.receipts).toEqual([]);

    // Feedback never prints and never carries a receipt.
    expect(
      await (await post('submit', { kind: 'feedback', key: 'feedback-00000042', data: { topic: 'kiosk', message: 'Tốt' } })).json(),
    ).toEqual({
      ok: true,
      delivered: true,
    });

    // Refilled, but the cover was left open: the reprint says so instead of "no response".
    simulator.setPaper('ok');
    simulator.setCoverOpen(true);
    expect(await (await post('receipt/reprint', { key: 'enrol-5b1c0e7a-receipt' })).json()).toEqual({
      printed: false,
      problem: 'cover-open',
    });
    expect(simulator.receipts).toEqual([]);
    simulator.setCoverOpen(false);
    const printed = simulator.nextReceipt();
    expect(await (await post('receipt/reprint', { key: 'enrol-5b1c0e7a-receipt' })).json()).toEqual({ printed: true });
    expect((await printed).lines.map((line) => line.text)).toContain('Học viên: Trần Thị Lựu');

    const bad = await post('receipt/reprint', { key: '../x' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'body.key must be the key of the enrolment to reprint' });

    // The session ends: the receipt with the citizen's name is forgotten.
    await post('session/end', {});
    expect(await (await post('receipt/reprint', { key: 'enrol-5b1c0e7a-receipt' })).json()).toEqual({ printed: false, problem: 'failed' });
    expect(simulator.receipts).toHaveLength(1);
  });

  it('tells the page about an unreadable scan and refuses it to the bridge; good scans still go through', async () => {
    const url = new URL('kiosk-api/scans', rig.kiosk.url).href;
    let refused: Response | undefined;
    const notices = await readEvents(url, 'notice', 1, async () => {
      refused = await post('scan', { text: '\u0002\u0010garbage\u0007' });
    });
    expect(notices).toEqual([{ kind: 'scan-unreadable' }]);
    expect(refused?.status).toBe(422);
    expect(await refused?.json()).toEqual({ error: 'body.text is not a code: control characters in the code' });

    const notified = await readEvents(url, 'notice', 1, async () => rig.kiosk.notify({ kind: 'window-refused' }));
    expect(notified).toEqual([{ kind: 'window-refused' }]);
    const scans = await readEvents(url, 'message', 1, () => rig.scan('000.25.30.H29-261120-0012'));
    expect(scans).toEqual([{ kind: 'receipt', code: '000.25.30.H29-261120-0012' }]);
  });
});

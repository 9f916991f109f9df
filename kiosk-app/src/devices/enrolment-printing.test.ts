import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPtyPair, type PtyPair } from '@lophoc/simulators';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEscPosPrinter } from '../../../simulators/src/printers/escpos-printer.js';
import type { KioskBackend } from '../main/ipc.js';
import type { Catalog, Submission } from '../shared/content.js';
import { vietnamTime, withEnrolmentPrinting } from './enrolment-printing.js';
import { PrinterError, ReceiptPrinter } from './receipt-printer.js';

const catalog: Catalog = {
  stale: false,
  centers: [
    {
      id: 'cho-quan',
      name: 'TTHTCĐ phường Chợ Quán',
      ward: 'Chợ Quán',
      address: '12 Trần Hưng Đạo',
      phone: '028 3855 1234',
      hours: '7:30–20:00',
    },
  ],
  courses: [
    {
      id: 'tin-hoc-co-ban',
      title: 'Tin học văn phòng cơ bản',
      summary: '',
      description: '',
      category: 'Tin học',
      centerId: 'cho-quan',
      ward: 'Chợ Quán',
      audience: 'Người lớn',
      schedule: { days: ['T2', 'T4'], start: '18:00', end: '19:30', startDate: '2027-01-05', sessions: 12, timeOfDay: 'evening' },
      capacity: 20,
      seatsLeft: 5,
      feeVnd: 0,
      mode: 'in-person',
    },
  ],
  procedures: [],
};
const enrolment: Submission = {
  kind: 'enrolment',
  key: 'enrol-7q4m2x9p',
  data: { courseId: 'tin-hoc-co-ban', fullName: 'Lê Văn Đức', phone: '0901234567', consent: true },
};
const backend: KioskBackend = {
  version: async () => '0.1.0',
  catalog: async () => catalog,
  search: async () => [],
  dossier: async () => ({ ok: false, reason: 'not-found' }),
  submit: async () => ({ ok: true, delivered: false }),
  handoffQr: async () => ({ size: 1, rows: ['1'] }),
  endSession: async () => undefined,
};

describe('enrolment confirmation printing', () => {
  let dir: string;
  let pair: PtyPair;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiosk-print-'));
    pair = await openPtyPair(dir, 'printer');
  });
  afterEach(async () => {
    await pair.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('formats Việt Nam time', () => {
    expect(vietnamTime(Date.UTC(2026, 10, 28, 18, 5))).toBe('29/11/2026 01:05');
  });

  it('prints after a successful enrolment, with the course, centre and key', async () => {
    const simulator = await startEscPosPrinter(pair.device);
    const printer = await ReceiptPrinter.open({ path: pair.host });
    const problems: Error[] = [];
    try {
      const printing = withEnrolmentPrinting(backend, {
        printer,
        encoding: { kind: 'windows-1258', codeTable: 52 },
        onProblem: (error) => problems.push(error),
        now: () => Date.UTC(2026, 10, 28, 7, 5),
      });
      const printed = simulator.nextReceipt();
      expect(await printing.submit(enrolment)).toEqual({ ok: true, delivered: false });
      const texts = (await printed).lines.map((line) => line.text);
      expect(texts).toEqual(
        expect.arrayContaining([
          'TTHTCĐ phường Chợ Quán',
          'Khoá học: Tin học văn phòng cơ bản',
          'Lịch học: T2, T4 · 18:00–19:30 · khai giảng 05/01/2027',
          'Học viên: Lê Văn Đức',
          'Thời gian: 28/11/2026 14:05',
          'enrol-7q4m2x9p',
        ]),
      );
      expect(texts.join('\n')).not.toContain('0901234567');
      expect(problems).toEqual([]);
      // Feedback prints nothing.
      await printing.submit({ kind: 'feedback', key: 'feedback-1234', data: { topic: 'kiosk', message: 'Tốt' } });
      expect(simulator.receipts).toHaveLength(1);
    } finally {
      await printer.close();
      await simulator.close();
    }
  });

  it('keeps the enrolment when the printer is out of paper, and reports it', async () => {
    const simulator = await startEscPosPrinter(pair.device, { paper: 'out' });
    const printer = await ReceiptPrinter.open({ path: pair.host });
    const problems: Error[] = [];
    try {
      const printing = withEnrolmentPrinting(backend, { printer, encoding: { kind: 'ascii' }, onProblem: (error) => problems.push(error) });
      expect(await printing.submit(enrolment)).toEqual({ ok: true, delivered: false });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toBeInstanceOf(PrinterError);
      expect((problems[0] as PrinterError).problem).toBe('paper-out');
      const unknownCourse = { ...enrolment, data: { ...enrolment.data, courseId: 'khong-co' } } as Submission;
      expect(await printing.submit(unknownCourse)).toEqual({ ok: true, delivered: false });
      expect(problems[1]?.message).toMatch(/course khong-co is not in the catalog/);
    } finally {
      await printer.close();
      await simulator.close();
    }
  });
});

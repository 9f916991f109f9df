import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPtyPair, type PtyPair } from '@lophoc/simulators';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEscPosPrinter } from '../../../simulators/src/printers/escpos-printer.js';
import type { Catalog, Submission } from '../shared/content.js';
import { EnrolmentPrinting, vietnamTime } from './enrolment-printing.js';
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
const enrolmentOf = (submission: Submission) => submission as Extract<Submission, { kind: 'enrolment' }>;

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

  it('prints the confirmation with the course, centre and key, once per key, and again on request', async () => {
    const simulator = await startEscPosPrinter(pair.device);
    const printer = await ReceiptPrinter.open({ path: pair.host });
    const problems: Error[] = [];
    try {
      const printing = new EnrolmentPrinting({
        printer,
        encoding: { kind: 'windows-1258', codeTable: 52 },
        onProblem: (error) => problems.push(error),
        now: () => Date.UTC(2026, 10, 28, 7, 5),
      });
      const printed = simulator.nextReceipt();
      expect(await printing.print(catalog, enrolmentOf(enrolment))).toEqual({ printed: true });
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
      // A retry of the same submission prints nothing more; an explicit reprint does.
      expect(await printing.print(catalog, enrolmentOf(enrolment))).toEqual({ printed: true });
      expect(simulator.receipts).toHaveLength(1);
      const again = simulator.nextReceipt();
      expect(await printing.reprint('enrol-7q4m2x9p')).toEqual({ printed: true });
      expect((await again).lines.map((line) => line.text)).toContain('Học viên: Lê Văn Đức');
      // After the session ends the receipt (with the name) is gone.
      printing.forget();
      expect(await printing.reprint('enrol-7q4m2x9p')).toEqual({ printed: false, problem: 'failed' });
      expect(simulator.receipts).toHaveLength(2);
    } finally {
      await printer.close();
      await simulator.close();
    }
  });

  it('says paper out, keeps the job, and prints it once the paper is refilled', async () => {
    const simulator = await startEscPosPrinter(pair.device, { paper: 'out' });
    const printer = await ReceiptPrinter.open({ path: pair.host });
    const problems: Error[] = [];
    try {
      const printing = new EnrolmentPrinting({ printer, encoding: { kind: 'ascii' }, onProblem: (error) => problems.push(error) });
      expect(await printing.print(catalog, enrolmentOf(enrolment))).toEqual({ printed: false, problem: 'paper-out' });
      expect(problems[0]).toBeInstanceOf(PrinterError);
      expect(problems[0]?.message).toMatch(/out of paper/);
      expect(simulator.receipts).toEqual([]);
      expect(await printing.reprint('enrol-other-key')).toEqual({ printed: false, problem: 'failed' });
      simulator.setPaper('ok');
      const printed = simulator.nextReceipt();
      expect(await printing.reprint('enrol-7q4m2x9p')).toEqual({ printed: true });
      expect((await printed).lines.map((line) => line.text)).toContain('Hoc vien: Le Van Duc');
      const unknownCourse = enrolmentOf({
        ...enrolment,
        key: 'enrol-unknown1',
        data: { ...enrolment.data, courseId: 'khong-co' },
      } as Submission);
      expect(await printing.print(catalog, unknownCourse)).toEqual({ printed: false, problem: 'failed' });
      expect(problems.at(-1)?.message).toMatch(/course khong-co is not in the catalog/);
    } finally {
      await printer.close();
      await simulator.close();
    }
  });

  it('says no-response when the printer does not answer, and unplugged when its port is gone', async () => {
    const printer = await ReceiptPrinter.open({ path: pair.host, statusTimeoutMs: 300 });
    const printing = new EnrolmentPrinting({ printer, encoding: { kind: 'ascii' }, onProblem: () => undefined });
    try {
      expect(await printing.print(catalog, enrolmentOf(enrolment))).toEqual({ printed: false, problem: 'no-response' });
      await pair.close(); // the USB cable pulled: the pty disappears
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await printing.reprint('enrol-7q4m2x9p')).toEqual({ printed: false, problem: 'unplugged' });
    } finally {
      await printer.close();
    }
  });
});

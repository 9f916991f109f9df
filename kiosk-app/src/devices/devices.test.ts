import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPtyPair, type PtyPair } from '@lophoc/simulators';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEscPosPrinter } from '../../../simulators/src/printers/escpos-printer.js';
import { startSerialQrScanner } from '../../../simulators/src/scanners/serial-qr-scanner.js';
import { encodeText, foldToAscii, parseOfflineCause, parsePaperStatus } from './escpos.js';
import { ScanLineDecoder, type ScannerEvent, SerialQrScanner } from './qr-scanner.js';
import { type EnrolmentReceipt, enrolmentReceipt } from './receipt.js';
import { PrinterError, ReceiptPrinter } from './receipt-printer.js';

const receipt: EnrolmentReceipt = {
  centerName: 'Trung tâm học tập cộng đồng phường Chợ Quán',
  centerAddress: '12 Trần Hưng Đạo, phường Chợ Quán',
  centerPhone: '028 3855 1234',
  courseTitle: 'Tin học văn phòng cơ bản',
  schedule: 'T2, T4 · 18:00–19:30',
  fullName: 'Nguyễn Thị Hoà',
  receiptCode: 'DK-7Q4M-2X9P',
  issuedAt: '28/11/2026 14:05',
};

describe('Vietnamese text for ESC/POS', () => {
  it('encodes every Vietnamese letter in Windows-1258 as base + tone mark and decodes back to NFC', () => {
    const letters = 'aàảãáạăằẳẵắặâầẩẫấậeèẻẽéẹêềểễếệiìỉĩíịoòỏõóọôồổỗốộơờởỡớợuùủũúụưừửữứựyỳỷỹýỵđ';
    const all = `${letters}${letters.toUpperCase()}`;
    const bytes = encodeText(all, { kind: 'windows-1258', codeTable: 52 });
    expect(bytes.includes(0x3f)).toBe(false);
    expect(new TextDecoder('windows-1258').decode(bytes).normalize('NFC')).toBe(all);
    // ế: ê (0xEA) then the acute tone mark (0xEC); ự: ư (0xFD) then dot below (0xF2).
    expect([...encodeText('ếự', { kind: 'windows-1258', codeTable: 52 })]).toEqual([0xea, 0xec, 0xfd, 0xf2]);
    expect(encodeText('Hoà ✓ 日', { kind: 'windows-1258', codeTable: 52 }).toString('latin1')).toMatch(/\?.*\?$/);
  });

  it('strips diacritics for the ASCII fallback', () => {
    expect(foldToAscii('Nguyễn Thị Hoà, Đường Trần Hưng Đạo')).toBe('Nguyen Thi Hoa, Duong Tran Hung Dao');
    expect(encodeText('Khoá học ✓', { kind: 'ascii' }).toString('ascii')).toBe('Khoa hoc ?');
  });

  it('reads the paper sensor byte', () => {
    expect(parsePaperStatus(0x12)).toBe('ok');
    expect(parsePaperStatus(0x1e)).toBe('near-end');
    expect(parsePaperStatus(0x72)).toBe('out');
    expect(() => parsePaperStatus(0x00)).toThrow(/not a DLE EOT 4 status byte: 0x00/);
  });

  it('reads the offline cause byte (DLE EOT 2)', () => {
    expect(parseOfflineCause(0x12)).toEqual({ coverOpen: false, paperEnd: false, error: false });
    expect(parseOfflineCause(0x16)).toEqual({ coverOpen: true, paperEnd: false, error: false });
    expect(parseOfflineCause(0x72)).toEqual({ coverOpen: false, paperEnd: true, error: true });
    expect(() => parseOfflineCause(0x93)).toThrow(/not a DLE EOT 2 status byte: 0x93/);
  });
});

describe('devices over a pty', () => {
  let dir: string;
  let pair: PtyPair;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiosk-devices-'));
    pair = await openPtyPair(dir, 'dev');
  });
  afterEach(async () => {
    await pair.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the enrolment confirmation in Vietnamese, decoded by the simulated printer', async () => {
    const simulator = await startEscPosPrinter(pair.device);
    const printer = await ReceiptPrinter.open({ path: pair.host });
    try {
      const printed = simulator.nextReceipt();
      expect(await printer.print(enrolmentReceipt(receipt, { kind: 'windows-1258', codeTable: 52 }))).toEqual({ paper: 'ok' });
      const got = await printed;
      const texts = got.lines.map((line) => line.text);
      expect(got.codeTables).toEqual([52]);
      expect(got.cut).toBe(true);
      expect(texts).toContain('Trung tâm học tập cộng đồng phường Chợ Quán');
      expect(texts).toContain('XÁC NHẬN ĐĂNG KÝ');
      expect(texts).toContain('Học viên: Nguyễn Thị Hoà');
      expect(texts).toContain('Khoá học: Tin học văn phòng cơ bản');
      expect(got.lines.find((line) => line.text === 'DK-7Q4M-2X9P')).toMatchObject({ width: 2, height: 2, align: 'center' });
      expect(got.lines.find((line) => line.text === 'XÁC NHẬN ĐĂNG KÝ')?.bold).toBe(true);
      expect(texts.join('\n')).not.toContain('?');
      expect(simulator.unknownCommands).toEqual([]);
    } finally {
      await printer.close();
      await simulator.close();
    }
  });

  it('prints the ASCII fallback on a printer without a Vietnamese table', async () => {
    const simulator = await startEscPosPrinter(pair.device, { codeTables: {} });
    const printer = await ReceiptPrinter.open({ path: pair.host });
    try {
      const printed = simulator.nextReceipt();
      await printer.print(enrolmentReceipt(receipt, { kind: 'ascii' }));
      const texts = (await printed).lines.map((line) => line.text);
      expect(texts).toContain('Hoc vien: Nguyen Thi Hoa');
      expect(texts).toContain('XAC NHAN DANG KY');
    } finally {
      await printer.close();
      await simulator.close();
    }
  });

  it('reports a printer out of paper clearly and prints nothing; near-end still prints', async () => {
    const simulator = await startEscPosPrinter(pair.device, { paper: 'out' });
    const printer = await ReceiptPrinter.open({ path: pair.host });
    try {
      const job = enrolmentReceipt(receipt, { kind: 'windows-1258', codeTable: 52 });
      const error = await printer.print(job).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(PrinterError);
      expect(error).toMatchObject({ problem: 'paper-out', message: expect.stringContaining('out of paper') });
      expect(simulator.receipts).toEqual([]);
      simulator.setPaper('near-end');
      const printed = simulator.nextReceipt();
      expect(await printer.print(job)).toEqual({ paper: 'near-end' });
      expect((await printed).cut).toBe(true);
    } finally {
      await printer.close();
      await simulator.close();
    }
  });

  it('reports an open cover before the paper, prints nothing, and prints once it is closed', async () => {
    const simulator = await startEscPosPrinter(pair.device, { coverOpen: true });
    const printer = await ReceiptPrinter.open({ path: pair.host });
    try {
      const job = enrolmentReceipt(receipt, { kind: 'ascii' });
      const error = await printer.print(job).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(PrinterError);
      expect(error).toMatchObject({ problem: 'cover-open', message: expect.stringContaining('cover open') });
      simulator.setPaper('out'); // an open cover is what the citizen's helper must fix first
      await expect(printer.status()).rejects.toMatchObject({ problem: 'cover-open' });
      expect(simulator.receipts).toEqual([]);
      simulator.setPaper('ok');
      simulator.setCoverOpen(false);
      const printed = simulator.nextReceipt();
      expect(await printer.print(job)).toEqual({ paper: 'ok' });
      expect((await printed).cut).toBe(true);
    } finally {
      await printer.close();
      await simulator.close();
    }
  });

  it('reports a printer that does not answer and one that is unplugged', async () => {
    const printer = await ReceiptPrinter.open({ path: pair.host, statusTimeoutMs: 300 });
    try {
      await expect(printer.print(Buffer.from('x'))).rejects.toMatchObject({
        problem: 'no-response',
        message: expect.stringMatching(/did not answer DLE EOT 2/),
      });
    } finally {
      await printer.close();
    }
    await expect(ReceiptPrinter.open({ path: join(dir, 'no-such-printer') })).rejects.toMatchObject({
      problem: 'unplugged',
      message: expect.stringContaining('no-such-printer'),
    });
  });

  it('delivers scans as typed events and reports garbage without losing the next good scan', async () => {
    const simulator = await startSerialQrScanner(pair.device);
    const scanner = await SerialQrScanner.open({ path: pair.host, maxBytes: 512, now: () => new Date('2026-11-28T00:00:00Z') });
    const events: ScannerEvent[] = [];
    scanner.on('event', (event) => events.push(event));
    const waitFor = async (count: number) => {
      const deadline = Date.now() + 5000;
      while (events.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    };
    try {
      await simulator.scan(
        '079203012345|025123456|Nguyễn Văn An|15082003|Nam|123 Trần Hưng Đạo, Phường 1, Quận 5, TP. Hồ Chí Minh|20042021',
      );
      await simulator.sendRaw(Buffer.from([0xff, 0xfe, 0x41, 0x0d]));
      await simulator.sendRaw(Buffer.from('ab\u0007cd\r'));
      await simulator.sendRaw(Buffer.alloc(600, 0x41));
      await simulator.sendRaw(Buffer.from('\r\n'));
      await simulator.scan('000.25.30.H29-261120-0007');
      await simulator.scan('hello');
      await waitFor(6);
      expect(events).toEqual([
        { type: 'scan', scan: { kind: 'cccd', data: expect.objectContaining({ number: '079203012345', fullName: 'Nguyễn Văn An' }) } },
        { type: 'garbage', reason: 'not valid UTF-8' },
        { type: 'garbage', reason: 'control characters in the code' },
        { type: 'garbage', reason: 'line longer than 512 bytes' },
        { type: 'scan', scan: { kind: 'receipt', code: '000.25.30.H29-261120-0007' } },
        { type: 'scan', scan: { kind: 'unknown' } },
      ]);
    } finally {
      await scanner.close();
      await simulator.close();
    }
  });

  it('frames CR, LF and CRLF split across chunks', () => {
    const decoder = new ScanLineDecoder();
    expect(decoder.push(Buffer.from('000.25.30.H29-2611'))).toEqual([]);
    expect(decoder.push(Buffer.from('20-0007\r\nhel'))).toEqual([
      { type: 'scan', scan: { kind: 'receipt', code: '000.25.30.H29-261120-0007' } },
    ]);
    expect(decoder.push(Buffer.from('lo\n'))).toEqual([{ type: 'scan', scan: { kind: 'unknown' } }]);
  });
});

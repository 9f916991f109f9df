import { describe, expect, it } from 'vitest';
import { CccdError, parseCccdQr } from './cccd.js';
import { normalizeReceiptCode } from './receipt-code.js';
import { classifyScan } from './scan.js';

const now = new Date('2026-11-28T00:00:00Z');
const full = '079203012345|025123456|Nguyễn Văn An|15082003|Nam|123 Trần Hưng Đạo, Phường 1, Quận 5, TP. Hồ Chí Minh|20042021';

function problemOf(raw: string): string {
  try {
    parseCccdQr(raw, now);
    return 'parsed';
  } catch (error) {
    return error instanceof CccdError ? error.problem : 'threw something else';
  }
}

describe('CCCD QR', () => {
  it('parses the seven-field form', () => {
    expect(parseCccdQr(full, now)).toEqual({
      number: '079203012345',
      oldIdNumber: '025123456',
      fullName: 'Nguyễn Văn An',
      dateOfBirth: '2003-08-15',
      sex: 'Nam',
      address: '123 Trần Hưng Đạo, Phường 1, Quận 5, TP. Hồ Chí Minh',
      issueDate: '2021-04-20',
    });
  });

  it('tolerates trailing empty fields and an empty old CMND', () => {
    const data = parseCccdQr('079185000123||Trần Thị Bích Ngọc|01011985|Nữ|45 An Dương Vương, Quận 5|10102022||||', now);
    expect(data).toMatchObject({ number: '079185000123', fullName: 'Trần Thị Bích Ngọc', dateOfBirth: '1985-01-01', sex: 'Nữ' });
    expect(data.oldIdNumber).toBeUndefined();
  });

  it('accepts the short variant without the old CMND field', () => {
    expect(parseCccdQr('079203012345|Nguyễn Văn An|15082003|Nam|Quận 5', now)).toMatchObject({
      fullName: 'Nguyễn Văn An',
      address: 'Quận 5',
    });
  });

  it('normalises decomposed (NFD) names to NFC', () => {
    expect(parseCccdQr(full.normalize('NFD'), now).fullName).toBe('Nguyễn Văn An'.normalize('NFC'));
  });

  it.each([
    ['11 digits', '07920301234|025123456|Nguyễn Văn An|15082003|Nam||20042021', 'number'],
    ['sex/century digit wrong', '079303012345|025123456|Nguyễn Văn An|15082003|Nam||20042021', 'number'],
    ['birth year digits wrong', '079204012345|025123456|Nguyễn Văn An|15082003|Nam||20042021', 'number'],
    ['31 February', '079203012345|025123456|Nguyễn Văn An|31022003|Nam||20042021', 'date-of-birth'],
    ['born in the future', '079227012345|025123456|Nguyễn Văn An|01012027|Nam||20042021', 'date-of-birth'],
    ['issued before birth', '079203012345|025123456|Nguyễn Văn An|15082003|Nam||20042001', 'issue-date'],
    ['impossible issue date', '079203012345|025123456|Nguyễn Văn An|15082003|Nam||32132021', 'issue-date'],
    ['sex not Nam/Nữ', '079203012345|025123456|Nguyễn Văn An|15082003|Male||20042021', 'sex'],
    ['garbage', 'hello world', 'not-cccd'],
    ['a URL', 'https://example.com/?a=1|2|3|4|5', 'not-cccd'],
  ])('refuses %s', (_, raw, problem) => {
    expect(problemOf(raw)).toBe(problem);
  });
});

describe('receipt codes (Thông tư 01/2018/TT-VPCP)', () => {
  it('accepts the dotted agency code, date and sequence, in any case', () => {
    expect(normalizeReceiptCode(' 000.25.30.h29-240315-0012 ')).toBe('000.25.30.H29-240315-0012');
  });
  it('finds the code inside a scanned URL', () => {
    expect(normalizeReceiptCode('https://dichvucong.hochiminhcity.gov.vn/tra-cuu?ma=000.25.30.H29-240315-0012')).toBe(
      '000.25.30.H29-240315-0012',
    );
  });
  it.each(['000.25.30.H29-241315-0012', '000.25.30.H29-240315-12', 'H29240315', '', '000.25.30.H29-240315-0012X'])('refuses %j', (code) => {
    expect(normalizeReceiptCode(code)).toBeUndefined();
  });
});

describe('scan classification', () => {
  it('tells receipts, CCCDs, bad CCCDs and foreign codes apart', () => {
    expect(classifyScan('000.25.30.H29-240315-0012', now)).toEqual({ kind: 'receipt', code: '000.25.30.H29-240315-0012' });
    expect(classifyScan(full, now).kind).toBe('cccd');
    expect(classifyScan('079203012345|025123456|Nguyễn Văn An|31022003|Nam||', now)).toEqual({
      kind: 'invalid-cccd',
      problem: 'date-of-birth',
    });
    expect(classifyScan('WIFI:S:cafe;T:WPA;P:secret;;', now)).toEqual({ kind: 'unknown' });
  });
});

import { commands, encodeText, type TextEncoding } from './escpos.js';

/** What the enrolment confirmation shows. The citizen's phone and CCCD never go on paper. */
export interface EnrolmentReceipt {
  centerName: string;
  centerAddress: string;
  centerPhone: string;
  courseTitle: string;
  /** e.g. "T2, T4 · 18:00–19:30 · khai giảng 05/01/2027" */
  schedule: string;
  fullName: string;
  /** The receipt code the citizen can later scan or type at the kiosk. */
  receiptCode: string;
  /** When it was enrolled, already formatted in Vietnamese local time. */
  issuedAt: string;
}

export const RECEIPT_WIDTH = 32; // characters per line on a 58 mm printer with font A

/** ESC/POS bytes of the enrolment confirmation, in Vietnamese. */
export function enrolmentReceipt(receipt: EnrolmentReceipt, encoding: TextEncoding): Buffer {
  const text = (value: string) => encodeText(`${value}\n`, encoding);
  const parts: Buffer[] = [commands.initialize()];
  if (encoding.kind === 'windows-1258') parts.push(commands.codeTable(encoding.codeTable));
  parts.push(
    commands.align('center'),
    commands.bold(true),
    text(receipt.centerName),
    commands.bold(false),
    text(receipt.centerAddress),
    text(`ĐT: ${receipt.centerPhone}`),
    text('-'.repeat(RECEIPT_WIDTH)),
    commands.bold(true),
    text('XÁC NHẬN ĐĂNG KÝ'),
    commands.bold(false),
    commands.align('left'),
    text(`Khoá học: ${receipt.courseTitle}`),
    text(`Lịch học: ${receipt.schedule}`),
    text(`Học viên: ${receipt.fullName}`),
    text(`Thời gian: ${receipt.issuedAt}`),
    commands.align('center'),
    text('Mã biên nhận'),
    commands.size(2, 2),
    text(receipt.receiptCode),
    commands.size(1, 1),
    text('Quét hoặc nhập mã này tại kiosk để tra cứu.'),
    text('Cảm ơn bạn!'),
    commands.feed(3),
    commands.cut(),
  );
  return Buffer.concat(parts);
}

import { type CccdData, CccdError, type CccdProblem, parseCccdQr } from './cccd.js';
import { normalizeReceiptCode } from './receipt-code.js';

/** What a QR/barcode scan at the kiosk turned out to be. No raw text is kept: it may be personal data. */
export type ScanEvent =
  | { kind: 'cccd'; data: CccdData }
  | { kind: 'receipt'; code: string }
  | { kind: 'invalid-cccd'; problem: CccdProblem }
  | { kind: 'unknown' };

export function classifyScan(raw: string, now = new Date()): ScanEvent {
  const code = normalizeReceiptCode(raw);
  if (code) return { kind: 'receipt', code };
  try {
    return { kind: 'cccd', data: parseCccdQr(raw, now) };
  } catch (error) {
    if (error instanceof CccdError && error.problem !== 'not-cccd') return { kind: 'invalid-cccd', problem: error.problem };
    return { kind: 'unknown' };
  }
}

/**
 * Why a decoded line cannot be a code, or undefined when it may be one: scanners send printable text, so control
 * characters mean line noise, a wrong baud rate or a keyboard-wedge mix-up.
 */
export function unreadableScan(text: string): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)) return 'control characters in the code';
  if (text.includes('\ufffd')) return 'not valid UTF-8';
  return undefined;
}

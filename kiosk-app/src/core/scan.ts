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

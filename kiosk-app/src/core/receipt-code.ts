import { isRealDate } from './dates.js';

/**
 * A one-stop dossier receipt code, Thông tư 01/2018/TT-VPCP Điều 19: `<agency code>-YYMMDD-XXXX`, the agency
 * code in dotted segments (e.g. `000.25.30.H29`), the receipt date, the sequence number of that day.
 * Returns the code upper-cased and trimmed, or undefined if it has another shape or an impossible date.
 * A scanned receipt may carry the code inside a URL or text: the first code-shaped part is taken.
 */
export function normalizeReceiptCode(input: string): string | undefined {
  const match = /([A-Z0-9]{1,8}(?:\.[A-Z0-9]{1,8}){1,5})-(\d{2})(\d{2})(\d{2})-(\d{4})/.exec(input.trim().toUpperCase());
  if (!match) return undefined;
  const [, , yy, mm, dd] = match;
  if (!isRealDate(2000 + Number(yy), Number(mm), Number(dd))) return undefined;
  const whole = input.trim().toUpperCase();
  // Typed input must be exactly the code; a scan may wrap it.
  return match[0] === whole || !/^[A-Z0-9.-]+$/.test(whole) ? match[0] : undefined;
}

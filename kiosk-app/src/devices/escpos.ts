/**
 * ESC/POS byte commands (Epson "ESC/POS Command Reference", the de-facto standard of 58/80 mm thermal printers)
 * and Vietnamese text encoding for them.
 *
 * Code page choice: Vietnamese needs 134 letters with diacritics. Printers sold in Vietnam (Epson TM-T82/T88,
 * Xprinter, Rongta) carry Windows-1258 (WPC1258), which spells a letter as a base letter (â, ê, ô, ơ, ư, đ,
 * ă… are single bytes) followed by one combining tone mark byte (0xCC grave, 0xEC acute, 0xDE tilde, 0xD2 hook,
 * 0xF2 dot below) — every Vietnamese letter fits. Its `ESC t n` number differs by vendor (Epson: 52;
 * many Chinese clones: 94 or 30), so it is configuration. A printer without it gets the `ascii` fallback:
 * diacritics stripped ("Nguyễn Thị Hoà" → "Nguyen Thi Hoa", đ → d), still readable, never mojibake.
 */

export const ESC = 0x1b;
export const GS = 0x1d;
export const DLE = 0x10;
export const EOT = 0x04;
export const LF = 0x0a;

export const commands = {
  /** ESC @: initialize (clears styles, returns to the default code page). */
  initialize: () => Buffer.from([ESC, 0x40]),
  /** ESC t n: select character code table n. */
  codeTable: (n: number) => Buffer.from([ESC, 0x74, n]),
  /** ESC a n: 0 left, 1 centre, 2 right. */
  align: (where: 'left' | 'center' | 'right') => Buffer.from([ESC, 0x61, { left: 0, center: 1, right: 2 }[where]]),
  /** ESC E n: emphasized (bold) on/off. */
  bold: (on: boolean) => Buffer.from([ESC, 0x45, on ? 1 : 0]),
  /** GS ! n: character size, width and height multipliers 1..8 (high nibble width − 1, low nibble height − 1). */
  size: (width: number, height: number) => Buffer.from([GS, 0x21, ((width - 1) << 4) | (height - 1)]),
  /** ESC d n: print and feed n lines. */
  feed: (lines: number) => Buffer.from([ESC, 0x64, lines]),
  /** GS V 66 n: feed to the cutter and partial cut. */
  cut: () => Buffer.from([GS, 0x56, 0x42, 0x00]),
  /** DLE EOT n: real-time status; n = 2 is the offline cause (cover, paper end, error). */
  offlineCauseStatus: () => Buffer.from([DLE, EOT, 2]),
  /** DLE EOT n: real-time status; n = 4 is the paper roll sensor. */
  paperStatus: () => Buffer.from([DLE, EOT, 4]),
} as const;

/**
 * DLE EOT 2 reply (offline cause): bit 2 cover open, bit 3 paper being fed by the feed button, bit 5 printing
 * stopped by paper end, bit 6 an error occurred (fixed bits 1 and 4 are set, 0 and 7 clear).
 */
export function parseOfflineCause(byte: number): { coverOpen: boolean; paperEnd: boolean; error: boolean } {
  if ((byte & 0x93) !== 0x12) throw new RangeError(`not a DLE EOT 2 status byte: 0x${byte.toString(16).padStart(2, '0')}`);
  return { coverOpen: (byte & 0x04) !== 0, paperEnd: (byte & 0x20) !== 0, error: (byte & 0x40) !== 0 };
}

/** DLE EOT 4 reply: bits 2–3 paper near end, bits 5–6 paper end (fixed bits 1 and 4 are set). */
export function parsePaperStatus(byte: number): 'ok' | 'near-end' | 'out' {
  if ((byte & 0x93) !== 0x12) throw new RangeError(`not a DLE EOT 4 status byte: 0x${byte.toString(16).padStart(2, '0')}`);
  if (byte & 0x60) return 'out';
  if (byte & 0x0c) return 'near-end';
  return 'ok';
}

export type TextEncoding = { kind: 'windows-1258'; codeTable: number } | { kind: 'ascii' };

const TONE_MARK_BYTES: ReadonlyMap<string, number> = new Map([
  ['\u0300', 0xcc],
  ['\u0301', 0xec],
  ['\u0303', 0xde],
  ['\u0309', 0xd2],
  ['\u0323', 0xf2],
]);

/** Unicode → byte for the upper half of Windows-1258, built from the platform's WHATWG decoder. */
const CP1258: ReadonlyMap<string, number> = (() => {
  const decoder = new TextDecoder('windows-1258');
  const map = new Map<string, number>();
  for (let byte = 0x80; byte <= 0xff; byte += 1) map.set(decoder.decode(Uint8Array.of(byte)), byte);
  return map;
})();

/** Encodes text for the printer; characters it cannot print become '?'. */
export function encodeText(text: string, encoding: TextEncoding): Buffer {
  return encoding.kind === 'ascii' ? encodeAscii(text) : encodeCp1258(text);
}

export function foldToAscii(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replaceAll('đ', 'd')
    .replaceAll('Đ', 'D');
}

function encodeAscii(text: string): Buffer {
  return Buffer.from(
    [...foldToAscii(text)].map((char) => {
      const code = char.codePointAt(0) ?? 0x3f;
      return code >= 0x20 && code < 0x7f ? code : code === LF ? LF : 0x3f;
    }),
  );
}

function encodeCp1258(text: string): Buffer {
  const bytes: number[] = [];
  for (const char of text.normalize('NFC')) {
    const code = char.codePointAt(0) ?? 0x3f;
    if (code < 0x80) {
      bytes.push(code === LF || code >= 0x20 ? code : 0x3f);
      continue;
    }
    const direct = CP1258.get(char);
    if (direct !== undefined && !TONE_MARK_BYTES.has(char)) {
      bytes.push(direct);
      continue;
    }
    // ế = e + ◌̂ + ◌́ in NFD: recompose the base without its tone (ê, one byte), then the tone mark byte.
    const marks = [...char.normalize('NFD')];
    const tones = marks.filter((mark) => TONE_MARK_BYTES.has(mark));
    const base = marks
      .filter((mark) => !TONE_MARK_BYTES.has(mark))
      .join('')
      .normalize('NFC');
    const baseByte = base.length === 1 && base.charCodeAt(0) < 0x80 ? base.charCodeAt(0) : CP1258.get(base);
    if (baseByte === undefined || tones.length > 1) {
      bytes.push(0x3f);
      continue;
    }
    bytes.push(baseByte, ...tones.map((tone) => TONE_MARK_BYTES.get(tone) ?? 0x3f));
  }
  return Buffer.from(bytes);
}

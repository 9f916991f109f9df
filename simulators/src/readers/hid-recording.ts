import { EventEmitter } from 'node:events';

/** One input report and when it arrives, relative to the start of the recording. */
export interface RecordedReport {
  atMs: number;
  report: Buffer;
}

/** Usage ids of a US boot keyboard (vectors README, "USB HID keyboard-wedge"; tinyusb hid.h). */
function usageOf(char: string): { usage: number; shift: boolean } {
  if (char === '\n') return { usage: 0x28, shift: false };
  if (char === '\t') return { usage: 0x2b, shift: false };
  if (/[a-z]/.test(char)) return { usage: 0x04 + char.charCodeAt(0) - 97, shift: false };
  if (/[A-Z]/.test(char)) return { usage: 0x04 + char.charCodeAt(0) - 65, shift: true };
  if (/[1-9]/.test(char)) return { usage: 0x1e + Number(char) - 1, shift: false };
  if (char === '0') return { usage: 0x27, shift: false };
  const shiftedDigits = '!@#$%^&*()';
  if (shiftedDigits.includes(char)) return { usage: 0x1e + shiftedDigits.indexOf(char), shift: true };
  const punctuation = " -=[]\\#;'`,./";
  const shifted = ' _+{}|\u0000:"~<>?';
  const plainAt = punctuation.indexOf(char);
  if (plainAt >= 0) return { usage: 0x2c + plainAt, shift: false };
  const shiftedAt = shifted.indexOf(char);
  if (shiftedAt > 0) return { usage: 0x2c + shiftedAt, shift: true };
  throw new RangeError(`a boot keyboard cannot type ${JSON.stringify(char)}`);
}

/**
 * The reports a keyboard-wedge reader sends to type `text` (use `\n` for Enter): for each character a key-down
 * report `[modifiers, 0, key, 0, 0, 0, 0, 0]` then an all-zero key-up, `keyMs` apart (readers type a key every
 * 2-8 ms). Tag 67003B51C6 is typed as `0003887558\n`.
 */
export function recordTyping(text: string, { startMs = 0, keyMs = 4 }: { startMs?: number; keyMs?: number } = {}): RecordedReport[] {
  const reports: RecordedReport[] = [];
  let at = startMs;
  for (const char of text) {
    const { usage, shift } = usageOf(char);
    reports.push({ atMs: at, report: Buffer.from([shift ? 0x02 : 0, 0, usage, 0, 0, 0, 0, 0]) });
    reports.push({ atMs: at + keyMs / 2, report: Buffer.alloc(8) });
    at += keyMs;
  }
  return reports;
}

/** The card number a 125 kHz keyboard-wedge reader types for a tag: last 4 bytes as 10 decimal digits + Enter. */
export function wedgeTextForTag(tagHex10: string): string {
  return `${Number.parseInt(tagHex10.slice(2), 16).toString().padStart(10, '0')}\n`;
}

/**
 * Plays recorded reports through the same surface as node-hid's `HID` object (`data` and `error` events,
 * `close()`), so a driver cannot tell it from a device: this machine has no /dev/uhid to make a real one.
 */
export class RecordedHidDevice extends EventEmitter {
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(readonly path = 'recorded') {
    super();
  }

  /** Schedules a recording, relative to now. */
  play(reports: readonly RecordedReport[]): Promise<void> {
    return new Promise((resolve) => {
      if (reports.length === 0) return resolve();
      let left = reports.length;
      for (const { atMs, report } of reports) {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          if (!this.closed) this.emit('data', report);
          if (--left === 0) resolve();
        }, atMs);
        this.timers.add(timer);
      }
    });
  }

  /** The device vanished (unplugged): node-hid reports a read error. */
  unplug(): void {
    this.emit('error', new Error('could not read from HID device'));
    this.close();
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

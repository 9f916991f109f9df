import type { HidKeyboardCodec } from '@lophoc/device-profiles';
import { BOOT_KEYBOARD, charOfKey, keyFor } from '@lophoc/device-profiles/boot-keyboard';
import type { DecoderStats } from './frame-decoder.js';

const { shiftModifiers: SHIFT, enter: ENTER, tab: TAB } = BOOT_KEYBOARD;

/**
 * Turns boot-keyboard reports `[modifiers, 0, k1..k6]` into scans (vectors README, "USB HID keyboard-wedge"):
 * a key counts when it appears in a report (key-down), a terminator key ends a scan, a pause longer than
 * `burstGapMs` abandons a half-typed scan (counted as an error), and a repeat of the same scan within
 * `debounceMs` is dropped (readers repeat while a card is held). Unknown keys and short reports are errors.
 */
export class HidKeyboardDecoder {
  readonly stats: DecoderStats & { repeats: number } = { decoded: 0, errors: 0, repeats: 0 };
  private pressed = new Set<number>();
  private text = '';
  private lastKeyAt = Number.NEGATIVE_INFINITY;
  private last: { value: string; at: number } | undefined;

  constructor(private readonly codec: Pick<HidKeyboardCodec, 'terminator' | 'burstGapMs' | 'debounceMs'>) {}

  /** Feeds one input report received at `now` (ms); returns the scans it completes. */
  push(report: Uint8Array, now: number): string[] {
    const scans: string[] = [];
    if (report.length < 3) {
      this.stats.errors++;
      return scans;
    }
    // Some readers send a report id first: a 9-byte report whose boot part follows.
    const boot = report.length === 9 ? report.subarray(1) : report;
    const shift = (boot[0]! & SHIFT) !== 0;
    const keys = new Set([...boot.subarray(2)].filter((usage) => usage > 0x03));
    if (boot.subarray(2).some((usage) => usage >= 0x01 && usage <= 0x03)) {
      this.stats.errors++; // ErrorRollOver / POSTFail / ErrorUndefined: the report says nothing reliable
      return scans;
    }
    for (const usage of keys) {
      if (this.pressed.has(usage)) continue;
      const scan = this.keyDown(usage, shift, now);
      if (scan !== undefined) scans.push(scan);
    }
    this.pressed = keys;
    return scans;
  }

  /** Ends a scan in progress when typing paused (terminator `none`); call on a timer. */
  flush(now: number): string | undefined {
    if (this.text === '' || now - this.lastKeyAt <= this.codec.burstGapMs) return undefined;
    if (this.codec.terminator !== 'none') {
      this.stats.errors++;
      this.text = '';
      return undefined;
    }
    return this.finish(now);
  }

  private keyDown(usage: number, shift: boolean, now: number): string | undefined {
    let done: string | undefined;
    if (this.text !== '' && now - this.lastKeyAt > this.codec.burstGapMs) {
      if (this.codec.terminator === 'none') done = this.finish(now);
      else {
        this.stats.errors++;
        this.text = '';
      }
    }
    this.lastKeyAt = now;
    const terminator = this.codec.terminator === 'enter' ? ENTER : this.codec.terminator === 'tab' ? TAB : undefined;
    if (usage === terminator) return this.finish(now) ?? done;
    const char = charOfKey(usage, shift);
    if (char === undefined) {
      this.stats.errors++;
      return done;
    }
    this.text += char;
    return done;
  }

  private finish(now: number): string | undefined {
    const value = this.text;
    this.text = '';
    if (value === '') return undefined;
    if (this.last && this.last.value === value && now - this.last.at <= this.codec.debounceMs) {
      this.last.at = now;
      this.stats.repeats++;
      return undefined;
    }
    this.last = { value, at: now };
    this.stats.decoded++;
    return value;
  }
}

/** Key-down then all-zero key-up reports that type `text` (vectors README), for recordings and simulators. */
export function reportsForText(text: string): Buffer[] {
  const reports: Buffer[] = [];
  for (const char of text) {
    const key = keyFor(char);
    if (!key) throw new RangeError(`cannot type ${JSON.stringify(char)} on a US boot keyboard`);
    reports.push(Buffer.from([key.shift ? 0x02 : 0, 0, key.usage, 0, 0, 0, 0, 0]), Buffer.alloc(8));
  }
  return reports;
}

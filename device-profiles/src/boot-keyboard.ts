/**
 * The US boot keyboard as keyboard-wedge readers and scanners type (HID Usage Tables §10, keyboard page; vectors
 * README, "USB HID keyboard-wedge"). A boot report is `[modifiers, 0, k1..k6]`; shared by the edge agent's
 * `hid-keyboard` codec and the kiosk's HID QR scanner.
 */
export const BOOT_KEYBOARD = {
  /** Left or right Shift in the modifier byte. */
  shiftModifiers: 0x02 | 0x20,
  enter: 0x28,
  tab: 0x2b,
} as const;

/** Usage id → [plain, shifted]. */
const KEYS = new Map<number, [string, string]>();
for (let i = 0; i < 26; i++) KEYS.set(0x04 + i, [String.fromCharCode(97 + i), String.fromCharCode(65 + i)]);
for (const [i, digit] of [...'1234567890'].entries()) KEYS.set(0x1e + i, [digit, '!@#$%^&*()'[i] as string]);
for (const [usage, plain, shifted] of [
  [0x2c, ' ', ' '],
  [0x2d, '-', '_'],
  [0x2e, '=', '+'],
  [0x2f, '[', '{'],
  [0x30, ']', '}'],
  [0x31, '\\', '|'],
  [0x33, ';', ':'],
  [0x34, "'", '"'],
  [0x35, '`', '~'],
  [0x36, ',', '<'],
  [0x37, '.', '>'],
  [0x38, '/', '?'],
] as const)
  KEYS.set(usage, [plain, shifted]);

/** The character a key types, or undefined for a key outside the table (Enter and Tab included). */
export function charOfKey(usage: number, shift: boolean): string | undefined {
  return KEYS.get(usage)?.[shift ? 1 : 0];
}

/** The usage id and Shift state that type `char`, for recordings and simulators. */
export function keyFor(char: string): { usage: number; shift: boolean } | undefined {
  if (char === '\n' || char === '\r') return { usage: BOOT_KEYBOARD.enter, shift: false };
  if (char === '\t') return { usage: BOOT_KEYBOARD.tab, shift: false };
  for (const [usage, [plain, shifted]] of KEYS) {
    if (plain === char) return { usage, shift: false };
    if (shifted === char) return { usage, shift: true };
  }
  return undefined;
}

import { type KioskConfig, kioskConfigSchema } from '../main/config.js';

/**
 * The receipt printer and QR scanner of `lophoc-kiosk-browser`, from flags or, failing those, the environment
 * (docs/kiosk.md, "Running browser mode on its own"). The same rules as the Electron kiosk's kiosk.yaml.
 *
 *   --printer PATH            LOPHOC_KIOSK_PRINTER              serial port of the ESC/POS printer
 *   --printer-baud N          LOPHOC_KIOSK_PRINTER_BAUD         default 9600
 *   --printer-encoding E      LOPHOC_KIOSK_PRINTER_ENCODING     windows-1258 (default) or ascii
 *   --printer-code-table N    LOPHOC_KIOSK_PRINTER_CODE_TABLE   the printer's ESC t number for Windows-1258 (52)
 *   --scanner PATH|hid:V:P    LOPHOC_KIOSK_SCANNER              serial (CDC) port, or HID by hex USB vendor:product
 *   --scanner-baud N          LOPHOC_KIOSK_SCANNER_BAUD         default 9600 (serial only)
 */
export const DEVICE_SETTINGS = {
  printer: 'LOPHOC_KIOSK_PRINTER',
  'printer-baud': 'LOPHOC_KIOSK_PRINTER_BAUD',
  'printer-encoding': 'LOPHOC_KIOSK_PRINTER_ENCODING',
  'printer-code-table': 'LOPHOC_KIOSK_PRINTER_CODE_TABLE',
  scanner: 'LOPHOC_KIOSK_SCANNER',
  'scanner-baud': 'LOPHOC_KIOSK_SCANNER_BAUD',
} as const;
type Setting = keyof typeof DEVICE_SETTINGS;

export type BrowserDevices = Pick<KioskConfig, 'printer' | 'scanner'>;

export function browserDeviceSettings(args: readonly string[], env: NodeJS.ProcessEnv): BrowserDevices {
  const given = new Map<Setting, { value: string; name: string }>();
  for (const [setting, variable] of Object.entries(DEVICE_SETTINGS) as [Setting, string][]) {
    const value = env[variable];
    if (value !== undefined && value !== '') given.set(setting, { value, name: variable });
  }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    const setting = match?.[1] as Setting | undefined;
    if (!match || !setting || !(setting in DEVICE_SETTINGS))
      throw new Error(
        `unknown argument ${arg} (known: ${Object.keys(DEVICE_SETTINGS)
          .map((name) => `--${name}`)
          .join(', ')})`,
      );
    const value = match[2] ?? args[++i];
    if (value === undefined || value === '') throw new Error(`--${setting} needs a value`);
    given.set(setting, { value, name: `--${setting}` });
  }
  const number = (setting: Setting) => {
    const entry = given.get(setting);
    if (!entry) return undefined;
    if (!/^\d+$/.test(entry.value)) throw new Error(`${entry.name} must be a whole number, got ${entry.value}`);
    return Number(entry.value);
  };
  const orphan = (settings: Setting[], needs: Setting) => {
    for (const setting of settings) {
      const entry = given.get(setting);
      if (entry && !given.has(needs)) throw new Error(`${entry.name} is set but no ${needs} is (--${needs} or ${DEVICE_SETTINGS[needs]})`);
    }
  };
  orphan(['printer-baud', 'printer-encoding', 'printer-code-table'], 'printer');
  orphan(['scanner-baud'], 'scanner');

  const result: BrowserDevices = {};
  const printer = given.get('printer');
  if (printer) {
    const raw = {
      path: printer.value,
      ...(given.has('printer-baud') ? { baudRate: number('printer-baud') } : {}),
      ...(given.has('printer-encoding') ? { encoding: given.get('printer-encoding')!.value } : {}),
      ...(given.has('printer-code-table') ? { codeTable: number('printer-code-table') } : {}),
    };
    result.printer = check('printer', raw, given);
  }
  const scanner = given.get('scanner');
  if (scanner) {
    const hid = /^hid:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(scanner.value);
    if (hid && given.has('scanner-baud'))
      throw new Error(`${given.get('scanner-baud')!.name} applies to a serial scanner, not ${scanner.value}`);
    if (/^hid:/i.test(scanner.value) && !hid)
      throw new Error(`${scanner.name} must be a serial port path or hid:VENDOR:PRODUCT in hex (e.g. hid:0c2e:0b61), got ${scanner.value}`);
    const raw = hid
      ? { hid: { vendorId: Number.parseInt(hid[1]!, 16), productId: Number.parseInt(hid[2]!, 16) } }
      : { path: scanner.value, ...(given.has('scanner-baud') ? { baudRate: number('scanner-baud') } : {}) };
    result.scanner = check('scanner', raw, given);
  }
  return result;
}

function check<K extends 'printer' | 'scanner'>(
  device: K,
  raw: unknown,
  given: Map<Setting, { value: string; name: string }>,
): NonNullable<KioskConfig[K]> {
  const parsed = kioskConfigSchema.shape[device].safeParse(raw);
  if (parsed.success) return parsed.data as NonNullable<KioskConfig[K]>;
  const issue = parsed.error.issues[0];
  const field = String(issue?.path.at(-1) ?? device);
  const setting = (
    { baudRate: `${device}-baud`, encoding: 'printer-encoding', codeTable: 'printer-code-table' } as Record<string, Setting>
  )[field];
  const name = (setting && given.get(setting)?.name) ?? given.get(device)?.name ?? device;
  return fail(`${name}: ${issue?.message ?? 'is invalid'}`);
}

function fail(message: string): never {
  throw new Error(message);
}

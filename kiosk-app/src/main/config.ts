import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

/**
 * The kiosk's configuration lives outside the package (default /etc/lophoc-kiosk/kiosk.yaml, or the file named by
 * LOPHOC_KIOSK_CONFIG), so an upgrade never overwrites a center's URLs or credentials. The MQTT password is read
 * from its own file (mode 0600), never from the YAML.
 */
const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a lower-case id ([a-z0-9-], up to 63)');
const url = (schemes: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return schemes.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    `must be a ${schemes.join(' or ')} URL`,
  );

export const kioskConfigSchema = z.strictObject({
  site: id,
  node: id,
  contentApiUrl: url(['http:', 'https:']),
  /** Where the hand-off QR points (the center's public enrolment page). */
  phoneUrl: url(['http:', 'https:']).optional(),
  dataDir: z.string().min(1).default('/var/lib/lophoc-kiosk'),
  /** Extra origins the window may show besides the kiosk's own local page. Normally none. */
  extraOrigins: z.array(url(['http:', 'https:'])).default([]),
  mqtt: z
    .strictObject({
      url: url(['mqtt:', 'mqtts:', 'ws:', 'wss:']),
      username: z.string().min(1).optional(),
      passwordFile: z.string().min(1).optional(),
    })
    .optional(),
  printer: z
    .strictObject({
      path: z.string().min(1),
      baudRate: z.number().int().positive().default(9600),
      /** windows-1258 with the printer's ESC t number for it, or ascii (diacritics stripped). */
      encoding: z.enum(['windows-1258', 'ascii']).default('windows-1258'),
      codeTable: z.number().int().min(0).max(255).default(52),
    })
    .optional(),
  /** Serial (CDC) mode by path, or HID keyboard mode by USB vendor/product id (read in main, never typed into the page). */
  scanner: z
    .union([
      z.strictObject({ path: z.string().min(1), baudRate: z.number().int().positive().default(9600) }),
      z.strictObject({
        hid: z.strictObject({ vendorId: z.number().int().min(0).max(0xffff), productId: z.number().int().min(0).max(0xffff) }),
      }),
    ])
    .optional(),
  memoryLimitMb: z.number().int().min(128).max(16_384).default(1024),
  /** Local time (Việt Nam, UTC+7) of the nightly restart, or null for none. */
  nightlyRestart: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be "HH:MM"')
    .nullable()
    .default('03:30'),
});

export type KioskConfig = z.infer<typeof kioskConfigSchema>;

export class KioskConfigError extends Error {
  override name = 'KioskConfigError';
}

/** Parses the YAML text; an error names the file, and the field with what was wrong. */
export function parseKioskConfig(text: string, file: string): KioskConfig {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new KioskConfigError(`${file}: not valid YAML: ${(error as Error).message}`);
  }
  const parsed = kioskConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new KioskConfigError(`${file}: ${issue?.path.join('.') || '(top level)'} ${issue?.message ?? 'is invalid'}`);
  }
  return parsed.data;
}

export function loadKioskConfig(file = process.env.LOPHOC_KIOSK_CONFIG ?? '/etc/lophoc-kiosk/kiosk.yaml'): KioskConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new KioskConfigError(`${file}: cannot read the kiosk configuration: ${(error as Error).message}`);
  }
  return parseKioskConfig(text, file);
}

export function readPassword(file: string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new KioskConfigError(`${file}: cannot read the MQTT password file: ${(error as Error).message}`);
  }
}

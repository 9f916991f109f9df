import { readFile } from 'node:fs/promises';
import { ID_PATTERN } from '@lophoc/protocol';
import { parse } from 'yaml';
import { z } from 'zod';
import type { Site } from '../store/store.js';

const nfc = z
  .string()
  .min(1)
  .max(200)
  .transform((text) => text.normalize('NFC'));
export const siteSchema = z.strictObject({
  id: z.string().regex(ID_PATTERN, 'must match [a-z0-9][a-z0-9-]{0,62}'),
  name: nfc,
  city: nfc,
  ward: nfc,
  kind: z.enum(['school', 'center']).optional(),
});
export const sitesSchema = z.array(siteSchema).max(100_000);

/** Validates a sites list (YAML or JSON array); an error names the entry and field. */
export function parseSites(input: unknown, where: string): Site[] {
  const result = sitesSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const [index, ...field] = issue.path;
    const entry = typeof index === 'number' ? `entry ${index + 1}` : '(list)';
    throw new TypeError(`${where}: ${entry}${field.length ? ` field ${field.join('.')}` : ''}: ${issue.message}`);
  }
  return result.data as Site[];
}

/** The places (city → ward → school/center) are data: a YAML file, not code. */
export async function loadSitesFile(file: string): Promise<Site[]> {
  return parseSites(parse(await readFile(file, 'utf8')), file);
}

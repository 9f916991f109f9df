import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { profileSchema } from './schema.js';

/** The committed JSON Schema, for editors (`# yaml-language-server: $schema=../profile.schema.json`) and other tools. */
export const JSON_SCHEMA_FILE = fileURLToPath(new URL('../profile.schema.json', import.meta.url));

/**
 * The profile schema as JSON Schema. `io: 'input'` describes what a file may contain, so fields with defaults
 * are optional; draft-07 because it is what YAML editors support most widely. Cross-field checks are zod-only.
 */
export function profileJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(profileSchema, { io: 'input', target: 'draft-07' }) as Record<string, unknown>;
}

/** The text of JSON_SCHEMA_FILE, as `npm run schema -w @lophoc/device-profiles` writes it. */
export function renderJsonSchema(): string {
  return `${JSON.stringify(profileJsonSchema(), null, 2)}\n`;
}

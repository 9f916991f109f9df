import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { JSON_SCHEMA_FILE, renderJsonSchema } from './json-schema.js';
import { PROFILES_DIR } from './loader.js';

describe('profile.schema.json', () => {
  it('is up to date with the zod schema', async () => {
    const committed = await readFile(JSON_SCHEMA_FILE, 'utf8').catch(() => '');
    // toBe would print the whole diff of a 20 kB file; the command is what the reader needs.
    expect(
      committed === renderJsonSchema(),
      'device-profiles/profile.schema.json is stale: run `npm run schema -w @lophoc/device-profiles` (or `npx tsx device-profiles/src/write-json-schema.ts`)',
    ).toBe(true);
  });

  it('makes fields with defaults optional (io: input)', () => {
    const schema = JSON.parse(renderJsonSchema());
    expect(schema.required).toEqual(['id', 'vendor', 'model', 'category', 'transport', 'codec']);
    expect(schema.properties.transport).toMatchObject({ minProperties: 1, maxProperties: 1, additionalProperties: false });
  });

  // zod's own JSON Schema reader stands in for an editor's validator, so no validator dependency is needed.
  describe('validates the shipped profiles on its own', async () => {
    const validator = z.fromJSONSchema(JSON.parse(await readFile(JSON_SCHEMA_FILE, 'utf8')));
    const files = (await readdir(PROFILES_DIR)).filter((name) => name.endsWith('.yaml'));

    it.each(files)('accepts %s', async (file) => {
      const result = validator.safeParse(parse(await readFile(join(PROFILES_DIR, file), 'utf8')));
      expect(result.error?.issues).toBeUndefined();
    });

    it('refuses an unknown field, a bad enum, two transports and an unknown codec', async () => {
      const profile = parse(await readFile(join(PROFILES_DIR, 'xy-md02.yaml'), 'utf8'));
      const broken = [
        { ...profile, colour: 'blue' },
        { ...profile, category: 'thermometer' },
        { ...profile, transport: { ...profile.transport, tcp: { port: 502 } } },
        { ...profile, codec: { kind: 'modbus' } },
      ];
      for (const value of broken) expect(validator.safeParse(value).success).toBe(false);
    });
  });
});

/** Regenerates device-profiles/profile.schema.json from the zod schema: `npx tsx device-profiles/src/write-json-schema.ts`. */
import { writeFile } from 'node:fs/promises';
import { JSON_SCHEMA_FILE, renderJsonSchema } from './json-schema.js';

await writeFile(JSON_SCHEMA_FILE, renderJsonSchema());
console.log(`wrote ${JSON_SCHEMA_FILE}`);

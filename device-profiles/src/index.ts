/**
 * Device profiles (DESIGN §4), one YAML file per device model:
 * - schema.ts: the shape of a profile (zod), its types, and narrowing by codec; checks.ts adds the cross-field rules;
 * - loader.ts: reading profiles from YAML, refusing a broken one with a ProfileError (errors.ts) that names file, line, column and field;
 * - json-schema.ts: the JSON Schema committed as profile.schema.json, for editors;
 * - fields.ts: helpers about field values, shared with the engine that runs the codecs.
 */
export { ProfileError } from './errors.js';
export {
  binaryWidth,
  FRAME_NUMBER_TYPES,
  FRAME_TEXT_TYPES,
  type FrameFieldType,
  fieldWidth,
  hexToBytes,
  isFrameParse,
  isLineParse,
  isTextField,
  placeholders,
} from './fields.js';
export { JSON_SCHEMA_FILE, profileJsonSchema, renderJsonSchema } from './json-schema.js';
export { loadProfileFile, loadProfiles, PROFILES_DIR, parseProfile } from './loader.js';
export * from './schema.js';

import { type StartupRequest, validateStartup } from './startup/validate.js';

/**
 * The start-up helper process (see startup/helper.ts): validates what it is asked (JSON in argv[2]), sends the
 * plain data or the error back over IPC (its name, message and own fields, e.g. a ProfileError's file and line)
 * and exits, taking yaml, zod and everything they used with it. Bundled on its own as `dist/startup.entry.js`.
 */
const request = JSON.parse(process.argv[2] ?? '{}') as StartupRequest;
let answer: unknown;
try {
  answer = { ok: true, data: await validateStartup(request) };
} catch (thrown) {
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  answer = { ok: false, error: { ...error, name: error.name, message: error.message } };
}
process.send!(answer, () => process.disconnect());

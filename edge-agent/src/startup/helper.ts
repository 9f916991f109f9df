import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ProfileError } from '@lophoc/device-profiles/errors';
import { ConfigError } from '../config-error.js';
import type { StartupData, StartupRequest } from './validate.js';

/** The bundle's own URL, declared by the daemon build (scripts/src/build-daemons.ts); absent when running sources. */
declare const LOPHOC_BUNDLE_URL: string | undefined;

/**
 * Reads and validates the gateway config and device profiles in a short-lived child process (startup.entry.ts →
 * startup/validate.ts) and returns the plain validated data once it has exited: yaml and zod never load into the
 * daemon's process. A child process rather than a worker thread: after a worker that did the same work has
 * exited, the daemon's RSS stays ~16 MiB higher (its malloc arena and the pages of Node's code the worker
 * touched stay resident); after a child, nothing stays (docs/BENCHMARKS.md, issue #3 fifth run). Errors come
 * back as they were thrown: ConfigError and ProfileError (file, line, column, field), with the same text.
 */
export async function validateInHelper(request: StartupRequest): Promise<StartupData> {
  const bundled = typeof LOPHOC_BUNDLE_URL !== 'undefined';
  const child = fork(
    bundled
      ? fileURLToPath(new URL('startup.entry.js', LOPHOC_BUNDLE_URL))
      : fileURLToPath(new URL('../startup.entry.ts', import.meta.url)),
    [JSON.stringify(request)],
    // Running the sources (tsx, vitest), the helper runs them through tsx too.
    { execArgv: bundled ? [] : ['--import', tsxLoader()], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const answer = await new Promise<{ ok: true; data: StartupData } | { ok: false; error: Record<string, unknown> }>((resolve, reject) => {
    let received: Parameters<typeof resolve>[0] | undefined;
    child.once('message', (message) => {
      received = message as typeof received;
    });
    child.once('error', reject);
    // Answered once the helper has gone, so none of its work overlaps the daemon opening its devices.
    child.once('exit', (code, signal) =>
      received ? resolve(received) : reject(new Error(`the start-up helper ended (${signal ?? `exit code ${code}`}) without an answer`)),
    );
  });
  if (answer.ok) return answer.data;
  throw revive(answer.error);
}

/** tsx's loader (`node --import tsx`), found from here as the sources would import it. */
function tsxLoader(): string {
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const exports = JSON.parse(readFileSync(manifest, 'utf8')).exports as Record<string, string>;
  return new URL(exports['.']!, pathToFileURL(manifest)).href;
}

function revive(error: Record<string, unknown>): Error {
  const message = String(error.message);
  if (error.name === 'ConfigError') return new ConfigError(message);
  if (error.name === 'ProfileError') {
    const { file, line, column, field, reason } = error as unknown as ProfileError;
    return new ProfileError(file, line, column, field, reason);
  }
  return Object.assign(new Error(message), { name: String(error.name) });
}

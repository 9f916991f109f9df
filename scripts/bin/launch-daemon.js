import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * How `bin/*.js` starts a daemon: the bundle `npm run build` wrote (`dist/main.js`, plain JavaScript) while it is
 * newer than every source it was built from, else `src/main.ts` through tsx, so an edited source is never shadowed
 * by a stale bundle. `LOPHOC_FROM_SOURCE=1` forces the sources. See docs/development.md, "Running TypeScript".
 */
export async function launchDaemon(binUrl) {
  const bundle = new URL('../dist/main.js', binUrl);
  if (process.env.LOPHOC_FROM_SOURCE !== '1' && isFresh(bundle)) return import(bundle.href);
  const { register } = await import('tsx/esm/api');
  register();
  return import(new URL('../src/main.ts', binUrl).href);
}

/** True when `bundle` exists and is newer than every input listed beside it (paths relative to the repo root). */
export function isFresh(bundle, root = new URL('../../', bundle)) {
  try {
    const built = statSync(bundle).mtimeMs;
    const inputs = JSON.parse(readFileSync(new URL('main.inputs.json', bundle), 'utf8'));
    return inputs.every((input) => statSync(fileURLToPath(new URL(input, root))).mtimeMs <= built);
  } catch {
    return false; // no bundle, or a source it was built from is gone
  }
}

import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';

/**
 * `npm run build` step: bundles each daemon's `src/main.ts` with the @lophoc workspace sources it imports into
 * `<workspace>/dist/main.js`, so production and the benchmarks run plain JavaScript instead of compiling
 * TypeScript at start-up through tsx (whose loader thread and esbuild service cost start time and memory).
 * npm packages stay external (native modules such as better-sqlite3, serialport and node-hid cannot be bundled,
 * and the others load from node_modules as they do under tsx). `bin/*.js` runs the bundle only while it is newer
 * than every source listed in `dist/main.inputs.json`, and the sources through tsx otherwise. A `src/*.entry.ts`
 * (a helper process's code, e.g. the agent's start-up helper) becomes its own `dist/*.entry.js`; each bundle
 * declares `LOPHOC_BUNDLE_URL` (its own URL), so code can tell it is not running from sources and find its workers.
 */
export const DAEMONS = ['edge-agent', 'broker', 'ops-center'] as const;

const ROOT = resolve(import.meta.dirname, '..', '..');

/**
 * Package export conditions a daemon's bundle resolves with: the edge agent's `@lophoc/protocol` is the zod-free
 * `lite` entry (protocol/package.json), so its process never loads zod (issue #3, idle memory).
 */
const CONDITIONS: Partial<Record<(typeof DAEMONS)[number], string[]>> = { 'edge-agent': ['zod-free'] };

/** Bare imports other than @lophoc/* are npm packages: left to Node at run time. */
const externalPackages: Plugin = {
  name: 'external-packages',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@lophoc/') || args.path.startsWith('node:')) return undefined;
      return { path: args.path, external: true };
    });
  },
};

/**
 * Sources find their data next to themselves (`new URL('../profiles', import.meta.url)`). In one bundle
 * `import.meta.url` is the bundle's, so each source gets its own original location, relative to the bundle.
 */
function keepSourceLocation(outDir: string): Plugin {
  return {
    name: 'keep-source-location',
    setup(builder) {
      builder.onLoad({ filter: /\.ts$/ }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        if (!source.includes('import.meta.')) return { contents: source, loader: 'ts' };
        const url = `new URL(${JSON.stringify(relative(outDir, args.path))}, import.meta.url).href`;
        const dir = `decodeURIComponent(new URL('.', ${url}).pathname).replace(/\\/$/, '')`;
        const contents = source.replaceAll('import.meta.url', url).replaceAll('import.meta.dirname', dir);
        return { contents, loader: 'ts' };
      });
    },
  };
}

/** Bundles `<workspace>/src/main.ts` into `outDir/main.js` (default `<workspace>/dist`; it must stay inside the repo so npm packages resolve). */
export async function buildDaemon(
  workspace: string,
  outDir = join(ROOT, workspace, 'dist'),
): Promise<{ file: string; bytes: number; inputs: number }> {
  const file = join(outDir, 'main.js');
  await mkdir(outDir, { recursive: true });
  // Code of a daemon's helper processes, which must not share its bundle (their npm imports would load with it): `src/*.entry.ts`.
  const helpers = (await readdir(join(ROOT, workspace, 'src'))).filter((name) => name.endsWith('.entry.ts'));
  const result = await build({
    entryPoints: ['main.ts', ...helpers].map((name) => join(ROOT, workspace, 'src', name)),
    outdir: outDir,
    entryNames: '[name]',
    conditions: CONDITIONS[workspace as (typeof DAEMONS)[number]] ?? [],
    // Where the running bundle is (sources' own `import.meta.url` is rewritten to their original location).
    banner: { js: 'const LOPHOC_BUNDLE_URL = import.meta.url;' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
    plugins: [externalPackages, keepSourceLocation(outDir)],
  });
  const inputs = Object.keys(result.metafile.inputs).map((input) => relative(ROOT, resolve(process.cwd(), input)));
  await writeFile(join(outDir, 'main.inputs.json'), `${JSON.stringify(inputs)}\n`);
  return { file: relative(ROOT, file), bytes: result.metafile.outputs[relative(process.cwd(), file)]?.bytes ?? 0, inputs: inputs.length };
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  for (const workspace of process.argv.length > 2 ? process.argv.slice(2) : DAEMONS) {
    const built = await buildDaemon(workspace);
    process.stdout.write(`${built.file}: ${(built.bytes / 1024).toFixed(0)} KiB from ${built.inputs} sources\n`);
  }
}

import { readdir } from 'node:fs/promises';

/**
 * `npm run bench`: runs every `bench/src/*.bench.ts` (each default-exports an async function that prints its
 * figures beside its named peer), or only those whose name contains an argument: `npm run bench -- codec`.
 * Figures and method: docs/BENCHMARKS.md.
 */
const filters = process.argv.slice(2);
const files = (await readdir(import.meta.dirname))
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();
process.stdout.write(`LopHoc benchmarks · Node ${process.version} · ${new Date().toISOString()} · ${files.join(', ')}\n`);
for (const file of files) {
  const module = (await import(`./${file}`)) as { default: () => Promise<void> | void };
  await module.default();
}

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const tsc = join(root, 'node_modules', '.bin', 'tsc');

/**
 * Browser code (the kiosk renderer, the operator console) must not reach Node: their tsconfigs load no Node
 * types, so an import of a Node module is a type error. This compiles a probe file under each config.
 */
describe('process boundaries are enforced by the tsconfigs', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-boundary-'));
    await writeFile(join(dir, 'probe.ts'), "import { readFileSync } from 'node:fs';\nexport const leak = readFileSync;\n");
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function compileProbe(config: string): Promise<{ ok: boolean; output: string }> {
    const probeConfig = join(dir, `${config.replaceAll('/', '_')}`);
    await writeFile(
      probeConfig,
      JSON.stringify({
        extends: join(root, config),
        // the probe lives outside the repo, so point type lookup back at the repo's @types
        compilerOptions: { typeRoots: [join(root, 'node_modules', '@types')] },
        include: [join(dir, 'probe.ts')],
      }),
    );
    try {
      await run(tsc, ['-p', probeConfig]);
      return { ok: true, output: '' };
    } catch (error) {
      return { ok: false, output: String((error as { stdout?: string }).stdout) };
    }
  }

  it.each(['kiosk-app/tsconfig.renderer.json', 'ops-center/tsconfig.console.json'])('%s refuses an import of node:fs', async (config) => {
    const result = await compileProbe(config);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/node:fs/);
  });

  it('the kiosk main process config allows it (the probe itself is sound)', async () => {
    expect((await compileProbe('kiosk-app/tsconfig.main.json')).ok).toBe(true);
  });
});

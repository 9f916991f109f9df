import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('SqlitePersistence', () => {
  it("passes aedes-persistence's abstract conformance suite", async () => {
    const output = await new Promise<string>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', '--test', 'broker/test/persistence-abstract.mjs'],
        { cwd: root, timeout: 20_000 },
        (_error, stdout, stderr) => resolve(stdout + stderr),
      );
    });
    const count = (name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(output)?.[1] ?? -1);
    expect(output.match(/^not ok .*$/gm) ?? []).toEqual([]);
    expect(count('fail')).toBe(0);
    // The suite had 50 tests when this was written; fewer would mean it did not run fully.
    expect(count('pass')).toBeGreaterThanOrEqual(50);
  });
});

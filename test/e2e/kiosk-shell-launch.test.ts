import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { _electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { RESTART_EXIT_CODE } from '../../kiosk-app/src/main/electron-main.js';

const kioskApp = fileURLToPath(new URL('../../kiosk-app/', import.meta.url));

/** The Electron binary, when the `electron` package (whose postinstall downloads it) is installed. */
function electronBinary(): { path?: string; reason?: string } {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    if (typeof path === 'string' && existsSync(path)) return { path };
    return { reason: 'the electron package is installed but its binary was not downloaded' };
  } catch {
    return { reason: 'the Electron binary is not installed here (npm package "electron" absent: its download is blocked on this machine)' };
  }
}
const electron = electronBinary();
const built = existsSync(join(kioskApp, 'dist/main/electron-entry.js'));

describe('kiosk shell launch', () => {
  it.skipIf(!electron.path || !built)(
    `launches the packaged entry in a locked-down fullscreen window${electron.path ? (built ? '' : ' — SKIPPED: dist/main is not built') : ` — SKIPPED: ${electron.reason}`}`,
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'kiosk-launch-'));
      const config = join(dir, 'kiosk.yaml');
      await writeFile(
        config,
        `site: ttht-cho-quan\nnode: kiosk-01\ncontentApiUrl: http://127.0.0.1:9/api/content/v1\ndataDir: ${dir}\nnightlyRestart: null\n`,
      );
      const app = await _electron.launch({
        executablePath: electron.path as string,
        args: [join(kioskApp, 'dist/main/electron-entry.js')],
        env: { ...process.env, LOPHOC_KIOSK_CONFIG: config },
      });
      try {
        const page = await app.firstWindow();
        expect(await page.evaluate(() => typeof (globalThis as Record<string, unknown>).require)).toBe('undefined');
        expect(await page.evaluate(() => typeof (globalThis as { lophoc?: { version?: unknown } }).lophoc?.version)).toBe('function');
        expect(
          await page.evaluate(() => (globalThis as unknown as { open(url: string): unknown }).open('https://example.com/')),
        ).toBeNull();
      } finally {
        await app.close();
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it('packages deb and AppImage from the entry that exists', () => {
    const builder = parse(readFileSync(join(kioskApp, 'electron-builder.yml'), 'utf8')) as {
      linux: { target: string[] };
      extraMetadata: { main: string };
      deb: { afterInstall: string };
      extraResources: { filter: string[] }[];
    };
    expect(builder.linux.target).toEqual(['deb', 'AppImage']);
    expect(builder.extraMetadata.main).toBe('dist/main/electron-entry.js');
    expect(existsSync(join(kioskApp, 'src/main/electron-entry.ts'))).toBe(true);
    expect(existsSync(join(kioskApp, builder.deb.afterInstall))).toBe(true);
    for (const file of builder.extraResources[0]?.filter ?? []) expect(existsSync(join(kioskApp, 'deploy', file))).toBe(true);
  });

  it('has a systemd unit that restarts on failure within a start limit and honours the restart exit status', async () => {
    const unit = readFileSync(join(kioskApp, 'deploy/lophoc-kiosk.service'), 'utf8');
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^StartLimitIntervalSec=\d+$/m);
    expect(unit).toMatch(/^StartLimitBurst=\d+$/m);
    expect(unit).toMatch(new RegExp(`^RestartForceExitStatus=${RESTART_EXIT_CODE}$`, 'm'));
    expect(unit).toMatch(/^Environment=LOPHOC_KIOSK_CONFIG=\/etc\/lophoc-kiosk\/kiosk\.yaml$/m);
    // systemd's own parser: unknown keys or bad sections are reported (missing binaries/users are expected here).
    const { stderr } = await promisify(execFile)('systemd-analyze', ['verify', join(kioskApp, 'deploy/lophoc-kiosk.service')]).catch(
      (error: { stderr?: string }) => ({ stderr: error.stderr ?? '' }),
    );
    expect(stderr).not.toMatch(/Unknown (key|section)|Invalid|Failed to parse/i);
  });
});

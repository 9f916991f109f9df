import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningKiosk, startKioskBrowserMode } from '@lophoc/kiosk-app/browser';
import { addUser } from '@lophoc/ops-center';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openContentDb, SEED_CENTERS, seedCourses, upsertDossiers } from '../../ops-center/src/content/index.js';
import { type Harness, log, startHarness } from '../../ops-center/src/testing/harness.js';
import { launchChromium } from '../support/chromium.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PASSWORD = 'mật-khẩu-điều-hành';
const shot = (page: Page, name: string) => page.screenshot({ path: join(ROOT, 'docs/screenshots', `ops-${name}.png`), fullPage: true });
const DOSSIER = '000.25.30.H29-261120-0012';

/**
 * The console in Debian's Chromium for what operators do beyond watching: kiosk statistics fed by a real kiosk
 * (browser mode, delivering to the content API over HTTP). Real ops-center (SQLite), real aedes broker.
 */
describe('ops-center console: kiosk statistics from the kiosk intake', () => {
  let consoleDir: string;
  let kioskDir: string;
  let h: Harness;
  let kiosk: RunningKiosk;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;

  beforeAll(async () => {
    consoleDir = await mkdtemp(join(tmpdir(), 'lophoc-console-'));
    kioskDir = await mkdtemp(join(tmpdir(), 'lophoc-kiosk-'));
    await build({
      configFile: join(ROOT, 'ops-center/vite.config.ts'),
      build: { outDir: consoleDir, emptyOutDir: true, sourcemap: false },
      logLevel: 'error',
    });
    h = await startHarness({ consoleDir, initialAdmin: { username: 'admin', password: PASSWORD } });
    await addUser(h.ops.store, 'minh', 'operator', PASSWORD, Date.now());
    const content = openContentDb(join(h.dir, 'content.db'), { seed: false });
    upsertDossiers(content, [
      {
        code: DOSSIER,
        procedureTitle: 'Chuyển trường đối với học sinh trung học cơ sở',
        status: 'processing',
        receivedAt: '2026-11-20',
        dueAt: '2026-11-25',
        updatedAt: '2026-11-21',
      },
    ]);
    content.close();
    kiosk = await startKioskBrowserMode({
      contentApiUrl: `${h.ops.url}/api/content/v1`,
      dataDir: kioskDir,
      port: 0,
      log,
      kioskId: 'kiosk-1',
      flushIntervalMs: 60_000,
    });
    browser = await launchChromium();
    page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(h.ops.url);
    const form = page.getByRole('form', { name: 'Đăng nhập' });
    await form.getByLabel('Tên đăng nhập').fill('minh');
    await form.getByLabel('Mật khẩu').fill(PASSWORD);
    await form.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.getByRole('status').filter({ hasText: 'Trực tiếp' }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await kiosk?.stop();
    await h?.stop();
    await rm(consoleDir, { recursive: true, force: true });
    await rm(kioskDir, { recursive: true, force: true });
  });

  it('counts the enrolments, feedback and ratings a browser-mode kiosk delivers, each once', async () => {
    const [course] = seedCourses();
    const center = SEED_CENTERS.find((c) => c.id === course!.centerId)!;
    const submit = async (submission: object) => {
      const response = await fetch(`${kiosk.url}kiosk-api/submit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(submission),
      });
      return (await response.json()) as { ok: boolean; delivered?: boolean };
    };
    const enrolment = {
      kind: 'enrolment',
      key: 'enrol-e2e-00001',
      data: { courseId: course!.id, fullName: 'Phạm Thị Thu Hương', phone: '0903123456', consent: true },
    };
    expect(await submit(enrolment)).toEqual({ ok: true, delivered: true });
    expect(await submit(enrolment)).toEqual({ ok: true, delivered: true }); // a double tap
    expect(await submit({ kind: 'rating', key: 'rating-e2e-0001', data: { dossierCode: DOSSIER, score: 4 } })).toEqual({
      ok: true,
      delivered: true,
    });
    expect(await submit({ kind: 'feedback', key: 'feedback-e2e-01', data: { topic: 'kiosk', message: 'Màn hình dễ dùng.' } })).toEqual({
      ok: true,
      delivered: true,
    });

    await page.getByRole('navigation', { name: 'Điều hướng' }).getByRole('link', { name: 'Thống kê kiosk' }).click();
    const cells = (name: RegExp, table = 'Thống kê kiosk') =>
      page.getByRole('table', { name: table }).getByRole('row', { name }).getByRole('cell').allTextContents();
    const day = expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/);
    // Ngày, Trung tâm, Lượt sử dụng, Lượt tìm kiếm, Đăng ký, Góp ý, Đánh giá, Điểm trung bình
    await expect.poll(() => cells(new RegExp(center.id))).toEqual([day, `${center.name} (${center.id})`, '0', '0', '1', '0', '0', '–']);
    // The browser-mode kiosk is no node of the fleet: its rating and feedback have no site to count under.
    expect(await cells(/Kiosk chưa gắn/)).toEqual([day, 'Kiosk chưa gắn với điểm nào', '0', '0', '0', '1', '1', '4']);
    await shot(page, 'kiosk-intake');
    await page.getByRole('button', { name: 'English' }).click();
    await expect
      .poll(() => cells(/Kiosks not assigned/, 'Kiosk statistics'))
      .toEqual([day, 'Kiosks not assigned to a site', '0', '0', '0', '1', '1', '4']);
    await page.getByRole('button', { name: 'Tiếng Việt' }).click();
  });
});

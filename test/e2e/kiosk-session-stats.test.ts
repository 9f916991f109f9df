import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningKiosk, startKioskBrowserMode } from '../../kiosk-app/src/browser/server.js';
import { buildRenderer } from '../../kiosk-app/test/kiosk-rig.js';
import { type Harness, log, loginAs, startHarness } from '../../ops-center/src/testing/harness.js';
import { launchChromium } from '../support/chromium.js';

const PASSWORD = 'mật-khẩu-quản-trị';
// Short idle times (the renderer's ?idle=&warning=), long enough for the 1.5 s search pause.
const IDLE = '?idle=5000&warning=500';

/**
 * A citizen's session reaches the kiosk statistics: the real renderer in Debian's Chromium (browser mode), the
 * kiosk core's outbox delivering over HTTP to a real ops-center's content API, counted from its SQLite store.
 */
describe('kiosk sessions and searches in the kiosk statistics', () => {
  let kioskDir: string;
  let h: Harness;
  let kiosk: RunningKiosk;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;

  beforeAll(async () => {
    await buildRenderer();
    kioskDir = await mkdtemp(join(tmpdir(), 'lophoc-kiosk-'));
    h = await startHarness({ initialAdmin: { username: 'admin', password: PASSWORD } });
    kiosk = await startKioskBrowserMode({
      contentApiUrl: `${h.ops.url}/api/content/v1`,
      dataDir: kioskDir,
      port: 0,
      log,
      kioskId: 'kiosk-9',
      flushIntervalMs: 200,
    });
    browser = await launchChromium();
    page = await browser.context.newPage();
    await page.setViewportSize({ width: 1080, height: 1400 });
  });
  afterAll(async () => {
    await browser?.close();
    await kiosk?.stop();
    await h?.stop();
    await rm(kioskDir, { recursive: true, force: true });
  });

  const totals = async () => {
    const admin = await loginAs(h.ops.url, 'admin', PASSWORD);
    const rows = (await (await admin('/api/kiosk-stats')).json()) as { sessions: number; searches: number }[];
    return rows.reduce((sum, row) => ({ sessions: sum.sessions + row.sessions, searches: sum.searches + row.searches }), {
      sessions: 0,
      searches: 0,
    });
  };
  const attract = () => page.getByRole('button', { name: /Chạm để bắt đầu/ });
  const typeKeys = async (keys: string) => {
    for (const k of keys) await page.getByRole('button', { name: k, exact: true }).click();
  };

  it('counts a session with two searches once it ends, not every key press, and not a kiosk woken and left', async () => {
    const searchCalls: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/kiosk-api/search')) searchCalls.push(request.url());
    });
    await page.goto(`${kiosk.url}${IDLE}`);
    await attract().click();
    await page.getByRole('button', { name: 'Tìm khóa học', exact: true }).click();
    const box = page.getByRole('searchbox', { name: 'Từ khóa tìm kiếm' });
    // First search: typed, then the citizen reads the results (a pause longer than 1.5 s).
    await typeKeys('tin');
    await expect.poll(() => box.inputValue()).toBe('tin');
    await page.getByRole('list', { name: 'Khóa học' }).waitFor();
    await page.waitForTimeout(2500);
    // Second search: typed and one of its results opened at once.
    await page.getByRole('button', { name: 'Xoá hết' }).click();
    await typeKeys('anh');
    await expect.poll(() => box.inputValue()).toBe('anh');
    const list = page.getByRole('list', { name: 'Khóa học' });
    await expect.poll(() => list.getByRole('listitem').count()).toBeGreaterThan(0);
    await list
      .getByRole('button', { name: /^Xem chi tiết: / })
      .first()
      .click();
    await page.getByRole('button', { name: 'Đăng ký', exact: true }).waitFor();
    expect(searchCalls.length).toBeGreaterThanOrEqual(6); // one per key press: t, ti, tin, a, an, anh
    expect(await totals()).toEqual({ sessions: 0, searches: 0 }); // nothing before the session ends

    // The citizen walks away: the idle timeout ends the session.
    await attract().waitFor({ timeout: 15_000 });
    await expect.poll(totals, { timeout: 10_000 }).toEqual({ sessions: 1, searches: 2 });
    expect(kiosk.outboxDepth()).toBe(0);

    // Woken and left untouched: no session.
    await attract().click();
    await page.getByRole('button', { name: 'Tìm khóa học', exact: true }).waitFor();
    await attract().waitFor({ timeout: 15_000 });
    // A session ended with "Kết thúc" after one tap counts, with no searches.
    await attract().click();
    await page.getByRole('button', { name: 'Tìm khóa học', exact: true }).click();
    await page.getByRole('button', { name: 'Kết thúc', exact: true }).click();
    await attract().waitFor();
    await expect.poll(totals, { timeout: 10_000 }).toEqual({ sessions: 2, searches: 2 });
    await kiosk.syncNow();
    expect(await totals()).toEqual({ sessions: 2, searches: 2 });
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningKiosk, startKioskBrowserMode } from '@lophoc/kiosk-app/browser';
import { addUser } from '@lophoc/ops-center';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KioskNode } from '../../kiosk-app/src/remote/kiosk-node.js';
import { openContentDb, SEED_CENTERS, seedCourses, upsertDossiers } from '../../ops-center/src/content/index.js';
import { type Harness, log, type NodeClient, startHarness, waitFor } from '../../ops-center/src/testing/harness.js';
import { launchChromium } from '../support/chromium.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PASSWORD = 'mật-khẩu-điều-hành';
const shot = (page: Page, name: string) => page.screenshot({ path: join(ROOT, 'docs/screenshots', `ops-${name}.png`), fullPage: true });
const DOSSIER = '000.25.30.H29-261120-0012';

/**
 * The console in Debian's Chromium for what operators do beyond watching: kiosk statistics fed by a real kiosk
 * (browser mode, delivering to the content API over HTTP). Real ops-center (SQLite), real aedes broker.
 */
describe('ops-center console: kiosk statistics from the kiosk intake, command parameters, kiosk screenshots', () => {
  let consoleDir: string;
  let kioskDir: string;
  let h: Harness;
  let kiosk: RunningKiosk;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  let gw: NodeClient;
  let kioskNode: KioskNode | undefined;

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
    gw = await h.connectNode();
    await gw.birth(
      [
        {
          id: 'pj-1',
          profile: 'epson-escvp21',
          exposes: [
            { name: 'power_on', kind: 'command' },
            { name: 'set_input', kind: 'command' },
          ],
        },
      ],
      'Phòng 101',
    );
    await gw.state(true);
    await waitFor(async () => (await h.ops.store.nodes()).some((n) => n.devices.length === 1 && n.online), 'the gateway birth');
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
    await kioskNode?.stop();
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

  it('asks for the parameters of a command with a form, checks them with clear messages, and shows the result', async () => {
    await page.goto(`${h.ops.url}/#/room/ttht-cho-lon/${encodeURIComponent('Phòng 101')}`);
    await page.getByRole('button', { name: 'Chọn nguồn vào pj-1' }).click();
    const form = page.getByRole('form', { name: 'Tham số lệnh: Chọn nguồn vào pj-1' });
    const source = form.getByRole('combobox', { name: 'Nguồn vào' });
    await form.getByRole('button', { name: 'Gửi lệnh' }).click();
    await expect.poll(() => form.getByRole('alert').textContent()).toBe('Hãy chọn Nguồn vào.');
    expect(await source.getAttribute('aria-invalid')).toBe('true');
    await shot(page, 'command-form');
    expect(gw.commands).toEqual([]); // nothing left the ops-center
    await source.selectOption('30');
    await form.getByRole('button', { name: 'Gửi lệnh' }).click();
    await expect.poll(() => gw.commands.map((c) => [c.device, c.method, c.params])).toEqual([['pj-1', 'set_input', { source: '30' }]]);
    await expect.poll(() => form.count()).toBe(0);
    const outcome = page.getByRole('status', { name: 'Kết quả lệnh' });
    await expect.poll(() => outcome.textContent()).toBe('Chọn nguồn vào pj-1: Đã gửi');
    await gw.publish('cmd/result', { id: gw.commands[0]!.id, ok: false, error: 'ERR: input 30 not installed', ts: Date.now() });
    await expect.poll(() => outcome.textContent()).toBe('Chọn nguồn vào pj-1: Thất bại — ERR: input 30 not installed');
    // A command without parameters goes at once, as before.
    await page.getByRole('button', { name: 'Bật nguồn pj-1' }).click();
    await expect.poll(() => gw.commands.length).toBe(2);
    expect(await page.getByRole('form').count()).toBe(0);
  });

  it("shows the kiosk's screenshot, sent through the broker by the kiosk's own remote node, with a checked width", async () => {
    const capture = await browser.context.newPage();
    await page.bringToFront(); // a background tab's frames are throttled, and every action on it waits for them
    const captured: Buffer[] = [];
    kioskNode = new KioskNode({
      url: h.broker.url,
      site: 'ttht-cho-lon',
      node: 'kiosk-1',
      version: '0.1.0',
      log,
      health: () => ({ rssBytes: 1, outboxDepth: 0, rendererCrashes: 0, rendererRestarts: 0 }),
      actions: {
        reload: () => undefined,
        restart: () => undefined,
        syncNow: async () => ({ outboxDelivered: 0 }),
        // What Electron's capturePage would give: a real PNG of a kiosk screen, as wide as asked.
        screenshot: async (maxWidth) => {
          await capture.setViewportSize({ width: maxWidth, height: Math.round((maxWidth * 9) / 16) });
          await capture.setContent(
            '<body style="margin:0;background:#123b6d;color:#fff;font:20px sans-serif"><h1 style="font-size:28px;margin:24px">Chào mừng đến Trung tâm học tập cộng đồng</h1><p style="margin:24px">Tìm khóa học · Tra cứu hồ sơ · Góp ý</p></body>',
          );
          const bytes = await capture.screenshot({ type: 'png' });
          captured.push(bytes);
          return { mime: 'image/png', bytes };
        },
      },
    });
    await kioskNode.start();
    await waitFor(async () => (await h.ops.store.nodes()).some((n) => n.node === 'kiosk-1' && n.online), 'the kiosk birth');
    await page.goto(`${h.ops.url}/#/room/ttht-cho-lon/kiosk-1`);
    const shots = page.getByRole('region', { name: 'Ảnh màn hình kiosk-1' });
    await expect.poll(() => shots.textContent()).toContain('Chưa có ảnh màn hình.');
    await page.getByRole('button', { name: 'Chụp màn hình Kiosk' }).click();
    const form = page.getByRole('form', { name: 'Tham số lệnh: Chụp màn hình Kiosk' });
    const width = form.getByRole('spinbutton', { name: /Chiều rộng ảnh \(px\)/ });
    expect([await width.getAttribute('min'), await width.getAttribute('max')]).toEqual(['160', '1920']);
    const send = form.getByRole('button', { name: 'Gửi lệnh' });
    await width.fill('2000');
    await send.click();
    await expect.poll(() => form.getByRole('alert').textContent()).toBe('Chiều rộng ảnh (px) không được lớn hơn 1920.');
    await width.fill('480.5');
    await send.click();
    await expect.poll(() => form.getByRole('alert').textContent()).toBe('Chiều rộng ảnh (px) phải là số nguyên.');
    await page.getByRole('button', { name: 'English' }).click();
    const formEn = page.getByRole('form', { name: 'Command parameters: Screenshot Kiosk' });
    await formEn.getByRole('button', { name: 'Send command' }).click();
    await expect.poll(() => formEn.getByRole('alert').textContent()).toBe('Image width (px) must be a whole number.');
    await formEn.getByRole('spinbutton', { name: /Image width \(px\)/ }).fill('100');
    await formEn.getByRole('button', { name: 'Send command' }).click();
    await expect.poll(() => formEn.getByRole('alert').textContent()).toBe('Image width (px) must be at least 160.');
    await page.getByRole('button', { name: 'Tiếng Việt' }).click();
    await width.fill('480');
    await send.click();

    const image = shots.getByRole('img', { name: /^Ảnh màn hình kiosk-1, chụp lúc / });
    await expect.poll(() => image.count(), { timeout: 10_000 }).toBe(1);
    await expect
      .poll(() =>
        image.evaluate((img) => {
          // Node types: no DOM lib here (as in the other console tests).
          const loaded = img as unknown as { complete: boolean; naturalWidth: number; naturalHeight: number };
          return [loaded.complete, loaded.naturalWidth, loaded.naturalHeight];
        }),
      )
      .toEqual([true, 480, 270]);
    expect(captured).toHaveLength(1);
    // The very bytes the kiosk captured, served to the console.
    const served = await page.evaluate(
      async (src) => Array.from(new Uint8Array(await (await fetch(src)).arrayBuffer())),
      (await image.getAttribute('src')) ?? 'missing src',
    );
    expect(Buffer.from(served).equals(captured[0]!)).toBe(true);
    const outcome = page.getByRole('status', { name: 'Kết quả lệnh' });
    await expect.poll(() => outcome.textContent()).toBe('Chụp màn hình kiosk: Hoàn thành');
    // The command history keeps the size, not a quarter megabyte of base64.
    const history = page.getByRole('table', { name: 'Lệnh đã gửi' });
    expect(await history.getByRole('row').nth(1).textContent()).toContain(
      `{"mime":"image/png","bytes":${captured[0]!.length},"screenshot":true}`,
    );
    await shot(page, 'kiosk-screenshot');
    await capture.close();
  });
});

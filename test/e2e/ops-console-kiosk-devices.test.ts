import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceAvailabilities } from '../../kiosk-app/src/devices/availability.js';
import { peripheralsOf } from '../../kiosk-app/src/main/kiosk-devices.js';
import { KioskNode } from '../../kiosk-app/src/remote/kiosk-node.js';
import { type Harness, log, startHarness, waitFor } from '../../ops-center/src/testing/harness.js';
import { launchChromium } from '../support/chromium.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PASSWORD = 'mật-khẩu-điều-hành';
const SITE = 'ttht-cho-lon';

/**
 * The kiosk's printer and scanner in the console: kiosk-app's own remote node (as the Electron main runs it, its
 * availabilities published on each change) through a real aedes broker to a real ops-center, read in Chromium.
 */
describe('ops-center console: kiosk printer and scanner availability', () => {
  let consoleDir: string;
  let h: Harness;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  let node: KioskNode;
  const devices = new DeviceAvailabilities();

  beforeAll(async () => {
    consoleDir = await mkdtemp(join(tmpdir(), 'lophoc-console-'));
    await build({
      configFile: join(ROOT, 'ops-center/vite.config.ts'),
      build: { outDir: consoleDir, emptyOutDir: true, sourcemap: false },
      logLevel: 'error',
    });
    h = await startHarness({ consoleDir, initialAdmin: { username: 'admin', password: PASSWORD } });
    devices.set('printer', { available: true });
    devices.set('scanner', { available: true });
    node = new KioskNode({
      url: h.broker.url,
      site: SITE,
      node: 'kiosk-2',
      version: '0.1.0',
      log,
      devices: peripheralsOf({ printer: { path: '/dev/ttyUSB0' } as never, scanner: { path: '/dev/ttyACM0' } as never }),
      health: () => ({ rssBytes: 1, outboxDepth: 0, rendererCrashes: 0, rendererRestarts: 0, devices: devices.snapshot() }),
      actions: {
        reload: () => undefined,
        restart: () => undefined,
        syncNow: async () => ({ outboxDelivered: 0 }),
        screenshot: async () => ({ mime: 'image/png', bytes: Buffer.alloc(0) }),
      },
    });
    devices.on('change', (device, availability) => {
      node.publishAvailability(device, availability);
      node.publishHealth();
    });
    await node.start();
    await waitFor(
      async () => (await h.ops.store.nodes()).some((n) => n.node === 'kiosk-2' && n.devices.filter((d) => d.online === true).length === 2),
      'the kiosk birth and its devices',
    );
    browser = await launchChromium();
    page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(h.ops.url);
    const form = page.getByRole('form', { name: 'Đăng nhập' });
    await form.getByLabel('Tên đăng nhập').fill('admin');
    await form.getByLabel('Mật khẩu').fill(PASSWORD);
    await form.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.getByRole('status').filter({ hasText: 'Trực tiếp' }).waitFor();
  });
  afterAll(async () => {
    await node?.stop();
    await browser?.close();
    await h?.stop();
    await rm(consoleDir, { recursive: true, force: true });
  });

  // The console refetches the fleet at most once a second after a change (ops-center/src/http/live.ts).
  const LIVE = { timeout: 5000 };
  const rows = (name: string) =>
    page
      .getByRole('table', { name })
      .getByRole('row')
      .evaluateAll((trs) => trs.slice(1).map((tr) => [...tr.children].slice(0, 3).map((cell) => cell.textContent)));

  it('shows each peripheral ready or not with the reason, live, in Vietnamese and English, and counts it in the fleet', async () => {
    await page.goto(`${h.ops.url}/#/room/${SITE}/kiosk-2`);
    const table = 'Thiết bị ngoại vi của kiosk-2';
    await expect
      .poll(() => rows(table), LIVE)
      .toEqual([
        ['Máy in biên nhận', 'Sẵn sàng', ''],
        ['Máy quét mã QR', 'Sẵn sàng', ''],
      ]);
    // The paper runs out and the scanner's cable is pulled: told by the kiosk at once, shown without a reload.
    devices.set('printer', { available: false, reason: 'paper-out' });
    devices.set('scanner', { available: false, reason: 'disconnected' });
    await expect
      .poll(() => rows(table), LIVE)
      .toEqual([
        ['Máy in biên nhận', 'Không dùng được', 'Hết giấy'],
        ['Máy quét mã QR', 'Không dùng được', 'Mất kết nối với máy quét'],
      ]);
    // The room's device table says the same (an empty printer is not "offline").
    expect(await rows('Thiết bị trong phòng')).toEqual([
      ['kiosk-2', 'Trực tuyến', ''],
      ['Kiosk', 'Chưa rõ', ''],
      ['Máy in biên nhận', 'Không dùng được', 'Hết giấy'],
      ['Máy quét mã QR', 'Không dùng được', 'Mất kết nối với máy quét'],
    ]);
    await page.screenshot({ path: join(ROOT, 'docs/screenshots/ops-kiosk-devices.png'), fullPage: true });
    await page.getByRole('button', { name: 'English' }).click();
    await expect
      .poll(() => rows('Peripherals of kiosk-2'), LIVE)
      .toEqual([
        ['Receipt printer', 'Unavailable', 'Out of paper'],
        ['QR scanner', 'Unavailable', 'Scanner disconnected'],
      ]);
    devices.set('printer', { available: true, reason: 'paper-near-end' });
    await expect
      .poll(() => rows('Peripherals of kiosk-2'), LIVE)
      .toEqual([
        ['Receipt printer', 'Ready', 'Paper running low'],
        ['QR scanner', 'Unavailable', 'Scanner disconnected'],
      ]);
    await page.getByRole('button', { name: 'Tiếng Việt' }).click();

    // The fleet overview counts the unusable scanner among the devices down.
    await page.goto(`${h.ops.url}/#/`);
    const fleet = page
      .getByRole('tree')
      .or(page.getByRole('region', { name: 'Mạng lưới thiết bị' }))
      .first();
    await expect.poll(() => fleet.textContent(), LIVE).toContain('1 thiết bị lỗi');
    devices.set('scanner', { available: true });
    await expect.poll(() => fleet.textContent(), LIVE).not.toContain('thiết bị lỗi');
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addUser } from '@lophoc/ops-center';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, loginAs, type NodeClient, startHarness, waitFor } from '../../ops-center/src/testing/harness.js';
import { launchChromium } from '../support/chromium.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PASSWORD = 'mật-khẩu-điều-hành';
const shot = (page: Page, name: string) => page.screenshot({ path: join(ROOT, 'docs/screenshots', `ops-${name}.png`), fullPage: true });

/**
 * The operator console in Debian's Chromium against a real ops-center (SQLite) and a real aedes broker;
 * the classroom is a real MQTT client publishing DESIGN §3 messages. Found by roles and accessible names.
 */
describe('ops-center console: fleet, room, commands, alerts, attendance, kiosk statistics', () => {
  let consoleDir: string;
  let h: Harness;
  let gw: NodeClient;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  let seq = 1;
  const reading = (device: string, values: Record<string, number>, ts = Date.now()) =>
    gw.publish(`${device}/telemetry`, { ts, seq: seq++, values });

  beforeAll(async () => {
    consoleDir = await mkdtemp(join(tmpdir(), 'lophoc-console-'));
    // Built from the current sources, so the test never runs against a stale bundle.
    await build({
      configFile: join(ROOT, 'ops-center/vite.config.ts'),
      build: { outDir: consoleDir, emptyOutDir: true, sourcemap: false },
      logLevel: 'error',
    });
    h = await startHarness({ consoleDir, initialAdmin: { username: 'admin', password: PASSWORD } });
    await addUser(h.ops.store, 'minh', 'operator', PASSWORD, Date.now());
    const admin = await loginAs(h.ops.url, 'admin', PASSWORD);
    await admin('/api/sites', {
      method: 'PUT',
      body: JSON.stringify([
        { id: 'ttht-cho-lon', name: 'Trung tâm học tập Chợ Lớn', city: 'Thành phố Hồ Chí Minh', ward: 'Phường Chợ Lớn', kind: 'center' },
        { id: 'thcs-an-dong', name: 'Trường THCS An Đông', city: 'Thành phố Hồ Chí Minh', ward: 'Phường An Đông', kind: 'school' },
      ]),
    });
    gw = await h.connectNode();
    await gw.birth(
      [
        {
          id: 'th-1',
          profile: 'xy-md02',
          exposes: [
            { name: 'temperature', kind: 'reading', unit: '°C' },
            { name: 'humidity', kind: 'reading', unit: '%RH' },
          ],
        },
        { id: 'co2-1', profile: 'senseair-s8', exposes: [{ name: 'co2', kind: 'reading', unit: 'ppm' }] },
        {
          id: 'pj-1',
          profile: 'epson-escvp21',
          exposes: [
            { name: 'power_on', kind: 'command' },
            { name: 'power_off', kind: 'command' },
          ],
        },
        { id: 'reader-1', profile: 'rdm6300', exposes: [{ name: 'card', kind: 'event' }] },
      ],
      'Phòng 101',
    );
    await gw.state(true);
    await waitFor(async () => (await h.ops.store.readingNames()).includes('co2'), 'the birth message');
    const rules = await admin('/api/alert-rules', {
      method: 'PUT',
      body: JSON.stringify([{ id: 'co2-high', kind: 'threshold', metric: 'co2', above: 1500, severity: 'critical' }]),
    });
    if (rules.status !== 200) throw new Error(`alert rules refused: ${await rules.text()}`);
    await gw.publish('pj-1/availability', { online: false, ts: Date.now(), reason: 'không trả lời PWR?' }, true);
    await gw.publish('th-1/availability', { online: true, ts: Date.now() }, true);
    const other = await h.connectNode('gw-p202', 'thcs-an-dong');
    await other.birth([{ id: 'th-1', profile: 'xy-md02', exposes: [{ name: 'temperature', kind: 'reading', unit: '°C' }] }], 'Phòng 202');
    await other.state(false);
    for (let i = 0; i < 5; i++) await reading('th-1', { temperature: 30 + i / 10, humidity: 55 - i }, Date.now() - (5 - i) * 60_000);
    await waitFor(() => h.ops.ingest.stats.stored === 5, 'five readings stored');
    browser = await launchChromium();
    page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
  });
  afterAll(async () => {
    await browser?.close();
    await h?.stop();
    await rm(consoleDir, { recursive: true, force: true });
  });

  it('asks for a login and says so when it is wrong', async () => {
    await page.goto(h.ops.url);
    const form = page.getByRole('form', { name: 'Đăng nhập' });
    await form.getByLabel('Tên đăng nhập').fill('minh');
    await form.getByLabel('Mật khẩu').fill('sai mật khẩu');
    await form.getByRole('button', { name: 'Đăng nhập' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Sai tên đăng nhập hoặc mật khẩu.');
    await shot(page, 'login');
    await form.getByLabel('Mật khẩu').fill(PASSWORD);
    await form.getByRole('button', { name: 'Đăng nhập' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Trực tiếp');
  });

  it('shows the fleet tree city → ward → center → room with status counts, and live readings', async () => {
    const fleet = page.getByRole('region', { name: 'Mạng lưới thiết bị' });
    await expect.poll(() => fleet.getByRole('button', { name: 'Thành phố Hồ Chí Minh' }).getAttribute('aria-expanded')).toBe('true');
    await expect
      .poll(() => fleet.getByRole('listitem').filter({ hasText: 'Phường An Đông' }).first().textContent())
      .toContain('1 nút mất kết nối');
    expect(await fleet.getByRole('link', { name: 'Phòng 202' }).count()).toBe(1);
    const table = page.getByRole('table', { name: 'Số đo của ttht-cho-lon/gw-p101' });
    await expect
      .poll(() =>
        table
          .getByRole('row', { name: /Nhiệt độ/ })
          .getByRole('cell')
          .nth(2)
          .textContent(),
      )
      .toBe('30,4 °C');
    await reading('th-1', { temperature: 31.7, humidity: 50 });
    await expect
      .poll(() =>
        table
          .getByRole('row', { name: /Nhiệt độ/ })
          .getByRole('cell')
          .nth(2)
          .textContent(),
      )
      .toBe('31,7 °C');
    await shot(page, 'overview');
  });

  it('opens a room with device states, live charts and a command button whose result appears without reload', async () => {
    await page.getByRole('region', { name: 'Mạng lưới thiết bị' }).getByRole('link', { name: 'Phòng 101' }).click();
    const devices = page.getByRole('table', { name: 'Thiết bị trong phòng' });
    await expect.poll(() => devices.getByRole('row', { name: /pj-1/ }).textContent()).toContain('không trả lời PWR?');
    expect(await devices.getByRole('row', { name: /pj-1/ }).textContent()).toContain('Mất kết nối');
    const chart = page.getByRole('figure', { name: 'Biểu đồ Nhiệt độ th-1' });
    await expect.poll(() => chart.locator('canvas').count()).toBe(1);
    seq += 3; // three records never arrive: the room page shows the gap
    await reading('th-1', { temperature: 32.1, humidity: 49 });
    await expect
      .poll(() => devices.getByRole('row', { name: /gw-p101/ }).textContent())
      .toContain(`thiếu bản ghi seq ${seq - 4}–${seq - 2}`);
    await expect.poll(() => chart.locator('figcaption').textContent()).toBe('Nhiệt độ: 32,1 °C · 7 điểm trong 1 giờ qua');

    await page.getByRole('button', { name: 'Bật nguồn pj-1' }).click();
    await expect.poll(() => gw.commands.length).toBe(1);
    expect(gw.commands[0]).toMatchObject({ device: 'pj-1', method: 'power_on', params: {} });
    const history = page.getByRole('table', { name: 'Lệnh đã gửi' });
    await expect.poll(() => history.getByRole('row').nth(1).textContent()).toContain('Đã gửi');
    await gw.publish('cmd/result', { id: gw.commands[0]!.id, ok: true, result: { power: 'warm-up' }, ts: Date.now() });
    await expect.poll(() => history.getByRole('row').nth(1).textContent()).toContain('Hoàn thành');
    expect(await history.getByRole('row').nth(1).textContent()).toContain('minh');
    await shot(page, 'room');
  });

  it('lists a raised alert, and an operator acknowledges it', async () => {
    await reading('co2-1', { co2: 1820 });
    const nav = page.getByRole('navigation', { name: 'Điều hướng' });
    await expect.poll(() => nav.getByRole('link', { name: 'Cảnh báo (1)' }).count(), { timeout: 5000 }).toBe(1);
    await nav.getByRole('link', { name: 'Cảnh báo (1)' }).click();
    const active = page.getByRole('table', { name: 'Cảnh báo đang mở' });
    await expect.poll(() => active.getByRole('row', { name: /co2 1820 > 1500/ }).textContent()).toContain('Nghiêm trọng');
    await active.getByRole('button', { name: 'Xác nhận co2 1820 > 1500' }).click();
    await expect.poll(() => active.getByRole('row', { name: /co2 1820/ }).textContent()).toContain('Đã xác nhận bởi minh');
    await shot(page, 'alerts');
  });

  it('shows attendance per room from card taps', async () => {
    // As the edge agent's classroom rules publish them: a teacher's card opens the period, students tap in.
    const now = Date.now();
    const session = { session: 'p1', period: 'Tiết 1', teacher: 't-51c6', endsAt: now + 45 * 60_000 };
    await gw.publish('reader-1/event', { ts: now - 10_000, seq: seq++, type: 'session.opened', data: session });
    await gw.publish('reader-1/event', {
      ts: now - 5000,
      seq: seq++,
      type: 'attendance',
      data: { card: 'c-7f3a91', role: 'student', session: 'p1', late: false },
    });
    await gw.publish('reader-1/event', {
      ts: now,
      seq: seq++,
      type: 'attendance',
      data: { card: 'c-11b2c4', role: 'student', session: 'p1', late: true },
    });
    await expect.poll(async () => (await h.ops.store.events({ types: ['attendance'], from: 0, to: now + 1000 })).length).toBe(2);
    await page.getByRole('navigation', { name: 'Điều hướng' }).getByRole('link', { name: 'Điểm danh' }).click();
    const table = page.getByRole('table', { name: /^Tiết 1 \(.*\): 3 có mặt$/ });
    await expect.poll(() => table.count()).toBe(1);
    expect(await table.getByRole('row', { name: /c-11b2c4/ }).textContent()).toContain('đi muộn');
    expect(await table.getByRole('row', { name: /t-51c6/ }).textContent()).toContain('Giáo viên');
    expect(await page.getByRole('link', { name: 'Tải CSV' }).getAttribute('href')).toMatch(/^api\/attendance\.csv\?day=\d{4}-\d{2}-\d{2}$/);
    await shot(page, 'attendance');
  });

  it('shows kiosk statistics per day and center, and switches to English', async () => {
    const kiosk = await h.connectNode('kiosk-1');
    await kiosk.publish('screen/event', { ts: Date.now(), seq: 1, type: 'session.start', data: {} });
    await kiosk.publish('screen/event', { ts: Date.now(), seq: 2, type: 'search', data: {} });
    await kiosk.publish('outbox/rating', { ts: Date.now(), seq: 3, key: 'rating-00000001', data: { stars: 5 } });
    await expect.poll(async () => (await h.ops.store.kioskRecords({ from: 0, to: Date.now() + 1000 })).length).toBe(1);
    await page.getByRole('navigation', { name: 'Điều hướng' }).getByRole('link', { name: 'Thống kê kiosk' }).click();
    const stats = page.getByRole('table', { name: 'Thống kê kiosk' });
    await expect
      .poll(() =>
        stats
          .getByRole('row', { name: /ttht-cho-lon/ })
          .getByRole('cell')
          .allTextContents(),
      )
      .toEqual([expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), 'Trung tâm học tập Chợ Lớn (ttht-cho-lon)', '1', '1', '0', '0', '1', '5']);
    await shot(page, 'kiosk');
    await page.getByRole('button', { name: 'English' }).click();
    expect(await page.getByRole('table', { name: 'Kiosk statistics' }).count()).toBe(1);
    await page.getByRole('navigation', { name: 'Navigation' }).getByRole('link', { name: 'Overview' }).click();
    await expect.poll(() => page.getByRole('table', { name: 'Readings of ttht-cho-lon/gw-p101' }).count()).toBe(1);
  });

  it('logs out back to the login form, and the API refuses the old session', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await expect.poll(() => page.getByRole('form', { name: 'Log in' }).count()).toBe(1);
    expect(await page.evaluate(async () => (await fetch('api/latest')).status)).toBe(401);
  });
});

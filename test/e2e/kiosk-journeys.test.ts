import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKioskBrowserMode } from '../../kiosk-app/src/browser/server.js';
import { buildRenderer, KioskRig } from '../../kiosk-app/test/kiosk-rig.js';
import { launchChromium } from '../support/chromium.js';
import { freePort, ROOT } from '../support/processes.js';

/**
 * Every citizen journey of issue #7 in Debian Chromium, driven by roles and accessible names only, against the
 * kiosk in browser mode and the real content API. Screenshots of each screen go to docs/screenshots/.
 */
const CCCD = '079203012345|025123456|Nguyễn Văn An|15082003|Nam|123 Trần Hưng Đạo, Phường 1, Quận 5, TP. Hồ Chí Minh|20042021';
const shot = (page: Page, name: string) => page.screenshot({ path: join(ROOT, 'docs/screenshots', `kiosk-${name}.png`), fullPage: false });

describe('kiosk citizen journeys (Chromium, browser mode)', () => {
  let rig: KioskRig;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;

  beforeAll(async () => {
    await buildRenderer();
    rig = await new KioskRig().start();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await rig?.stop();
  });

  const open = async (query = '') => {
    page = await browser.context.newPage();
    await page.setViewportSize({ width: 1080, height: 1400 });
    await page.goto(`${rig.kiosk.url}${query}`);
    await page.getByRole('button', { name: /Chạm để bắt đầu/ }).click();
  };
  const key = (name: string) => page.getByRole('button', { name, exact: true });
  const typeKeys = async (keys: string) => {
    for (const k of keys) await (k === ' ' ? page.getByRole('button', { name: 'Dấu cách' }).click() : key(k).click());
  };

  it('attract screen → home → browse by category, center and time → course detail → enrol prefilled from a CCCD scan', async () => {
    page = await browser.context.newPage();
    await page.setViewportSize({ width: 1080, height: 1400 });
    await page.goto(rig.kiosk.url);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Trung tâm học tập cộng đồng');
    await shot(page, 'attract');
    await page.getByRole('button', { name: /Chạm để bắt đầu/ }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toMatch(/^Cập nhật lúc /);
    await shot(page, 'home');

    await page.getByRole('button', { name: 'Khóa học', exact: true }).click();
    await page.getByRole('group', { name: 'Lĩnh vực' }).getByRole('button', { name: 'Ngoại ngữ' }).click();
    await page.getByRole('group', { name: 'Nơi học' }).getByRole('button', { name: 'Trung tâm học tập cộng đồng phường Chợ Lớn' }).click();
    await page.getByRole('group', { name: 'Buổi học' }).getByRole('button', { name: 'Tối' }).click();
    await page.getByRole('group', { name: 'Ngày học' }).getByRole('button', { name: 'Trong tuần' }).click();
    await shot(page, 'browse');
    const list = page.getByRole('list', { name: 'Khóa học' });
    const count = await list.getByRole('listitem').count();
    expect(count).toBeGreaterThan(0);
    for (const text of await list.getByRole('listitem').allTextContents()) {
      expect(text).toContain('Trung tâm học tập cộng đồng phường Chợ Lớn');
      expect(text).toMatch(/(18|19):\d\d–/);
      expect(text).toMatch(/Thứ [2-6]/);
    }
    const firstTitle = (await list.getByRole('heading').first().textContent())!;
    await list.getByRole('button', { name: `Xem chi tiết: ${firstTitle}` }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(firstTitle);
    await shot(page, 'course');

    await page.getByRole('button', { name: 'Đăng ký', exact: true }).click();
    await rig.scan(CCCD);
    await expect.poll(() => page.getByRole('textbox', { name: 'Họ và tên' }).inputValue()).toBe('Nguyễn Văn An');
    await page.getByRole('textbox', { name: 'Số điện thoại' }).click();
    const pad = page.getByRole('group', { name: 'Bàn phím số: Số điện thoại' });
    for (const digit of '0901234567') await pad.getByRole('button', { name: digit, exact: true }).click();
    await page.getByRole('button', { name: 'Gửi đăng ký' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('đồng ý');
    await page.getByRole('checkbox', { name: /Tôi đồng ý/ }).check();
    await page.getByRole('button', { name: 'Đăng ký trên điện thoại' }).click();
    await expect.poll(() => page.getByRole('img', { name: 'Mã QR đăng ký trên điện thoại' }).count()).toBe(1);
    await shot(page, 'enrol');
    // A double tap on the button is one enrolment.
    await page.getByRole('button', { name: 'Gửi đăng ký' }).dblclick();
    await expect.poll(() => page.getByRole('status').last().textContent()).toContain('Đã nhận đăng ký');
    await shot(page, 'enrol-done');
    const stored = rig.intake('enrolment').filter((record) => record.payload.fullName === 'Nguyễn Văn An');
    expect(stored).toHaveLength(1);
    expect(stored[0]!.payload).toMatchObject({ phone: '0901234567', cccdNumber: '079203012345', dateOfBirth: '2003-08-15', consent: true });
    await page.close();
  });

  it('search with the on-screen Telex keyboard, typo and order tolerant; empty and absurd searches are handled', async () => {
    await open();
    await page.getByRole('button', { name: 'Tìm khóa học' }).click();
    await typeKeys('tieengs anh');
    await expect.poll(() => page.getByRole('searchbox', { name: 'Từ khóa tìm kiếm' }).inputValue()).toBe('tiếng anh');
    const list = page.getByRole('list', { name: 'Khóa học' });
    await expect.poll(async () => (await list.getByRole('heading').first().textContent()) ?? '').toMatch(/^Tiếng Anh/);
    await shot(page, 'search');
    await page.getByRole('button', { name: 'Xoá hết' }).click();
    await typeKeys('phong van tin hco');
    await expect.poll(async () => (await list.getByRole('heading').first().textContent()) ?? '').toMatch(/^Tin học văn phòng/);
    // VNI and the tone picker.
    await page.getByRole('button', { name: 'Xoá hết' }).click();
    await page.getByRole('button', { name: 'VNI' }).click();
    await typeKeys('tie6ng1 hoa');
    await expect.poll(() => page.getByRole('searchbox', { name: 'Từ khóa tìm kiếm' }).inputValue()).toBe('tiếng hoa');
    await page.getByRole('button', { name: 'Dấu ngã' }).click();
    await expect.poll(() => page.getByRole('searchbox', { name: 'Từ khóa tìm kiếm' }).inputValue()).toBe('tiếng hoã');
    await page.getByRole('button', { name: 'Bỏ dấu' }).click();
    await expect.poll(async () => (await list.getByRole('heading').first().textContent()) ?? '').toMatch(/^Tiếng Hoa/);
    await page.getByRole('button', { name: 'TELEX' }).click();
    await page.getByRole('button', { name: 'Xoá hết' }).click();
    await typeKeys('qqqqqqq');
    await expect.poll(() => page.getByRole('status').last().textContent()).toBe('Không tìm thấy khóa học phù hợp. Hãy thử từ khác.');
    await page.close();
  });

  it('procedures directory and detail', async () => {
    await open();
    await page.getByRole('button', { name: 'Thủ tục giáo dục' }).click();
    const list = page.getByRole('list', { name: 'Thủ tục giáo dục' });
    expect(await list.getByRole('listitem').count()).toBeGreaterThanOrEqual(30);
    await shot(page, 'procedures');
    await list.getByRole('button', { name: /^Chuyển trường đối với học sinh trung học cơ sở/ }).click();
    await expect.poll(() => page.getByRole('heading', { level: 2, name: 'Giấy tờ cần có' }).count()).toBe(1);
    expect(await page.getByRole('listitem').filter({ hasText: 'Học bạ (bản chính)' }).count()).toBe(1);
    await shot(page, 'procedure');
    await page.close();
  });

  it('dossier lookup by typing, by scanning, a wrong code, then a rating tied to the dossier', async () => {
    await open();
    await page.getByRole('button', { name: 'Tra cứu hồ sơ' }).click();
    await page.getByRole('textbox', { name: 'Mã hồ sơ' }).fill('12345');
    await page.getByRole('button', { name: 'Tra cứu', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Mã hồ sơ không đúng dạng');
    await page.getByRole('button', { name: 'Xoá hết' }).click();
    await typeKeys('000.25.30.h29-261120-0012');
    await page.getByRole('button', { name: 'Tra cứu', exact: true }).click();
    await expect
      .poll(() => page.getByRole('region', { name: 'Mã hồ sơ 000.25.30.H29-261120-0012' }).textContent())
      .toContain('Đang giải quyết');
    await page
      .getByRole('button', { name: 'Về trang chính' })
      .or(page.getByRole('button', { name: 'Trang chính' }))
      .first()
      .click();

    // A receipt scanned on any screen opens the lookup.
    await rig.scan('000.25.30.H29-261121-0003');
    const region = page.getByRole('region', { name: 'Mã hồ sơ 000.25.30.H29-261121-0003' });
    await expect.poll(() => region.textContent()).toContain('Đã có kết quả, mời đến nhận');
    await page.getByRole('button', { name: '5 sao: Rất hài lòng' }).click();
    await shot(page, 'dossier');
    await page.getByRole('button', { name: 'Gửi đánh giá' }).click();
    await expect.poll(() => page.getByRole('status').last().textContent()).toBe('Cảm ơn bạn đã đánh giá.');
    await expect
      .poll(() => rig.intake('rating').map((r) => r.payload))
      .toEqual([expect.objectContaining({ dossierCode: '000.25.30.H29-261121-0003', score: 5 })]);
    await page.close();
  });

  it('feedback form; a foreign QR and a CCCD with an impossible date get friendly messages', async () => {
    await open();
    await page.getByRole('button', { name: 'Góp ý' }).click();
    await page.getByRole('button', { name: 'Gửi góp ý' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Vui lòng nhập nội dung góp ý.');
    await page.getByRole('group', { name: 'Góp ý về' }).getByRole('button', { name: 'Khóa học' }).click();
    await typeKeys('lowps hocj raats hay');
    await expect.poll(() => page.getByRole('textbox', { name: 'Nội dung góp ý' }).inputValue()).toBe('lớp học rất hay');
    await shot(page, 'feedback');
    await page.getByRole('button', { name: 'Gửi góp ý' }).click();
    await expect.poll(() => page.getByRole('status').last().textContent()).toBe('Cảm ơn góp ý của bạn.');
    await expect
      .poll(() => rig.intake('feedback').map((r) => r.payload))
      .toEqual([expect.objectContaining({ topic: 'course', message: 'lớp học rất hay' })]);

    await rig.scan('WIFI:S:cafe;T:WPA;P:secret;;');
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('không phải thẻ căn cước');
    await rig.scan('079203012345|025123456|Nguyễn Văn An|31022003|Nam||');
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('Không đọc được thẻ căn cước');
    expect(await page.locator('body').textContent()).not.toContain('Error');
    await page.close();
  });

  it('English, large text at 200 % and high contrast', async () => {
    await open();
    await page.getByRole('button', { name: 'Chuyển sang tiếng Anh' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Community learning kiosk');
    await page.getByRole('button', { name: 'Large text' }).click();
    await page.getByRole('button', { name: 'High contrast' }).click();
    await page.getByRole('button', { name: 'Courses', exact: true }).click();
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    await shot(page, 'large-contrast');
    await page.close();
  });
});

/** WCAG checks run inside the page: target size, accessible names, AA contrast of every text run. */
const AUDIT = `(() => {
  const problems = [];
  const visible = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden'; };
  for (const el of document.querySelectorAll('button, input, textarea, select, a[href]')) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    const what = el.tagName + ' "' + (el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 40) + '"';
    if (r.width < 47.5 || r.height < 47.5) problems.push('small target ' + Math.round(r.width) + 'x' + Math.round(r.height) + ': ' + what);
    const named = el.tagName === 'BUTTON' ? (el.getAttribute('aria-label') || el.textContent || '').trim() !== '' : (el.labels && el.labels.length > 0) || el.hasAttribute('aria-label');
    if (!named) problems.push('no accessible name: ' + what);
  }
  const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null; const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
  const lum = ({ r, g, b }) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = (el) => { for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c && c.a > 0.5) return c; } return { r: 255, g: 255, b: 255, a: 1 }; };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || node.textContent.trim() === '' || !visible(el) || el.closest(':disabled') || el.closest('.overlay') && !el.closest('.dialog')) continue;
    const style = getComputedStyle(el);
    const fg = parse(style.color); const bg = background(el);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize); const bold = Number(style.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < needed) problems.push('contrast ' + ratio.toFixed(2) + ' < ' + needed + ': "' + node.textContent.trim().slice(0, 40) + '"');
  }
  if (document.documentElement.scrollWidth > window.innerWidth + 1) problems.push('horizontal scroll: ' + document.documentElement.scrollWidth + ' > ' + window.innerWidth);
  return [...new Set(problems)];
})()`;

describe('kiosk: offline, idle wipe, accessibility (Chromium)', () => {
  let rig: KioskRig;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;

  beforeAll(async () => {
    rig = await new KioskRig().start();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await rig?.stop();
  });

  const open = async (query = '') => {
    page = await browser.context.newPage();
    await page.setViewportSize({ width: 1080, height: 1400 });
    await page.goto(`${rig.kiosk.url}${query}`);
    await page.getByRole('button', { name: /Chạm để bắt đầu/ }).click();
  };
  const keyboard = () => page.getByRole('group', { name: /^Bàn phím ảo/ });
  const typeKeys = async (keys: string) => {
    for (const k of keys) {
      if (k === ' ') await keyboard().getByRole('button', { name: 'Dấu cách' }).click();
      else if (k !== k.toLowerCase()) {
        await keyboard()
          .getByRole('button', { name: /Chữ hoa/ })
          .click();
        await keyboard().getByRole('button', { name: k, exact: true }).click();
      } else await keyboard().getByRole('button', { name: k, exact: true }).click();
    }
  };
  const openFirstCourse = async () => {
    await page.getByRole('button', { name: 'Khóa học', exact: true }).click();
    await page.getByRole('list', { name: 'Khóa học' }).getByRole('button').first().click();
    await page.getByRole('button', { name: 'Đăng ký', exact: true }).click();
  };

  it('an enrolment made while the content API is down is kept and delivered once it is back', async () => {
    await open();
    await rig.stopContentApi();
    await rig.kiosk.syncNow();
    await page.reload();
    await page.getByRole('button', { name: /Chạm để bắt đầu/ }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Đang dùng dữ liệu đã lưu (mất kết nối)');
    await shot(page, 'offline');
    await page.getByRole('button', { name: 'Tra cứu hồ sơ' }).click();
    await page.getByRole('textbox', { name: 'Mã hồ sơ' }).fill('000.25.30.H29-261120-0012');
    await page.getByRole('button', { name: 'Tra cứu', exact: true }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe('Không kết nối được hệ thống một cửa. Vui lòng thử lại sau ít phút.');
    await page.getByRole('button', { name: 'Trang chính' }).click();
    await openFirstCourse();
    await typeKeys('Phamj Thij Xuaan Mai');
    await expect.poll(() => page.getByRole('textbox', { name: 'Họ và tên' }).inputValue()).toBe('Phạm Thị Xuân Mai');
    await page.getByRole('textbox', { name: 'Số điện thoại' }).click();
    for (const digit of '0987654321')
      await page
        .getByRole('group', { name: /Bàn phím số/ })
        .getByRole('button', { name: digit, exact: true })
        .click();
    await page.getByRole('checkbox', { name: /Tôi đồng ý/ }).check();
    await page.getByRole('button', { name: 'Gửi đăng ký' }).click();
    await expect.poll(() => page.getByRole('status').last().textContent()).toContain('sẽ tự gửi khi có mạng lại');
    expect(rig.kiosk.outboxDepth()).toBe(1);
    await rig.startContentApi(); // same port, a new server process state: the real network coming back
    await expect
      .poll(() => rig.intake('enrolment').filter((r) => r.payload.fullName === 'Phạm Thị Xuân Mai').length, { timeout: 10_000 })
      .toBe(1);
    await expect.poll(() => rig.kiosk.outboxDepth()).toBe(0);
    await page.close();
  });

  it('idle: a countdown, then a full wipe back to the attract screen with nothing of the citizen left', async () => {
    await open('?idle=1500&warning=2500');
    await openFirstCourse();
    await rig.scan('079185000123||Trần Thị Bích Ngọc|01011985|Nữ|45 An Dương Vương, Quận 5|10102022||||');
    await expect.poll(() => page.getByRole('textbox', { name: 'Họ và tên' }).inputValue()).toBe('Trần Thị Bích Ngọc');
    const dialog = page.getByRole('alertdialog', { name: 'Bạn còn đó không?' });
    await expect.poll(() => dialog.count(), { timeout: 5000 }).toBe(1);
    expect(await dialog.textContent()).toMatch(/sau \d giây/);
    await shot(page, 'idle-warning');
    await expect.poll(() => page.getByRole('button', { name: /Chạm để bắt đầu/ }).count(), { timeout: 8000 }).toBe(1);
    const html = await page.content();
    for (const trace of ['Trần Thị Bích Ngọc', '079185000123', 'Đăng ký:']) expect(html).not.toContain(trace);
    expect(await page.evaluate('sessionStorage.length + localStorage.length')).toBe(0);
    await page.getByRole('button', { name: /Chạm để bắt đầu/ }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Ki-ốt học tập cộng đồng');
    expect(await page.getByRole('button', { name: /Quay lại/ }).count()).toBe(0);
    // The core's files hold nothing of either citizen (the delivered enrolment was securely deleted).
    const kioskDir = join(rig.dir, 'kiosk');
    for (const file of await readdir(kioskDir)) {
      const bytes = await readFile(join(kioskDir, file));
      for (const trace of ['Trần Thị Bích Ngọc', 'Phạm Thị Xuân Mai', '0987654321'])
        expect(bytes.includes(Buffer.from(trace)), `${file} holds ${trace}`).toBe(false);
    }
    await page.close();
  });

  it('48 px targets, named controls, AA contrast and no horizontal scroll, in both themes and at 200 % text', async () => {
    await open();
    const audit = async (where: string) => expect({ where, problems: await page.evaluate(AUDIT) }).toEqual({ where, problems: [] });
    // The audit itself must catch a faint text and a small button, or its silence would prove nothing.
    await page.evaluate(
      `document.body.insertAdjacentHTML('beforeend', '<div id="bad"><p style="color:#aaa">faint</p><button style="min-height:20px;height:20px;min-width:0;padding:0">x</button></div>')`,
    );
    expect(((await page.evaluate(AUDIT)) as string[]).join('\n')).toMatch(/contrast .*"faint"[\s\S]*|small target .*"x"/);
    expect(((await page.evaluate(AUDIT)) as string[]).length).toBeGreaterThanOrEqual(2);
    await page.evaluate(`document.getElementById('bad').remove()`);
    for (const large of [false, true]) {
      for (const contrast of [false, true]) {
        await page.getByRole('button', { name: 'Trang chính' }).click();
        const size = page.getByRole('button', { name: 'Chữ to' });
        if ((await size.getAttribute('aria-pressed')) !== String(large)) await size.click();
        const theme = page.getByRole('button', { name: 'Tương phản cao' });
        if ((await theme.getAttribute('aria-pressed')) !== String(contrast)) await theme.click();
        const mode = `${large ? '200%' : '100%'}${contrast ? ', high contrast' : ''}`;
        await audit(`home ${mode}`);
        await openFirstCourse();
        await audit(`enrolment ${mode}`);
        await page.getByRole('button', { name: 'Trang chính' }).click();
        await page.getByRole('button', { name: 'Tra cứu hồ sơ' }).click();
        await audit(`dossier ${mode}`);
        await page.getByRole('button', { name: 'Trang chính' }).click();
        await page.getByRole('button', { name: 'Thủ tục giáo dục' }).click();
        await audit(`procedures ${mode}`);
      }
    }
    await page.close();
  });
});

describe('kiosk with no content API ever reached (Chromium)', () => {
  it('says so in a sentence, never a blank screen, and still takes feedback', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lophoc-kiosk-nocontent-'));
    const kiosk = await startKioskBrowserMode({
      contentApiUrl: `http://127.0.0.1:${await freePort()}/api/content/v1`,
      dataDir: dir,
      port: 0,
      log: pino({ level: 'silent' }),
    });
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      await page.goto(kiosk.url);
      await page.getByRole('button', { name: /Chạm để bắt đầu/ }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toBe('Chưa có danh mục khóa học. Vui lòng quay lại sau.');
      await page.getByRole('button', { name: 'Góp ý' }).click();
      await page.getByRole('textbox', { name: 'Nội dung góp ý' }).fill('Ki-ốt chưa có khóa học.');
      await page.getByRole('button', { name: 'Gửi góp ý' }).click();
      await expect.poll(() => page.getByRole('status').last().textContent()).toBe('Cảm ơn góp ý của bạn.');
      expect(kiosk.outboxDepth()).toBe(1);
    } finally {
      await browser.close();
      await kiosk.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

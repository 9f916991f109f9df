import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningPilot, startPilot } from '@lophoc/scripts/pilot';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAs } from '../../ops-center/src/testing/harness.js';
import { launchChromium } from '../support/chromium.js';

/**
 * DESIGN §1 on real parts only: an XY-MD02 simulator answering Modbus RTU on one end of a socat pty pair →
 * the edge agent polling the other end through serialport with the xy-md02 profile → an aedes broker on a
 * loopback port → the ops-center storing in SQLite and serving HTTP → the console in Chromium.
 * The vector response `01 04 04 01 31 02 22 2A CE` is 30.5 °C and 54.6 %RH.
 */
describe('walking skeleton: serial sensor → edge agent → broker → ops-center → console', () => {
  let dataDir: string;
  let pilot: RunningPilot;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lophoc-e2e-'));
    pilot = await startPilot({ dataDir, brokerPort: 0, httpPort: 0, kioskPort: 0, log: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await pilot?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('stores the vector reading in the ops-center SQLite file', async () => {
    const rows = await eventually(
      () => {
        const db = new Database(join(dataDir, 'ops-center', 'ops-center.db'), { readonly: true });
        try {
          return db
            .prepare<[], { node: string; device: string; name: string; value: number }>(
              "SELECT node, device, name, value FROM samples WHERE node = 'gw-p101' AND device = 'th-1' ORDER BY name",
            )
            .all();
        } finally {
          db.close();
        }
      },
      (rows) => rows.length >= 2,
    );
    expect(rows.slice(0, 2)).toEqual([
      { node: 'gw-p101', device: 'th-1', name: 'humidity', value: 54.6 },
      { node: 'gw-p101', device: 'th-1', name: 'temperature', value: 30.5 },
    ]);
  });

  it('serves it over HTTP with units from the birth message', async () => {
    const api = await loginAs(pilot.consoleUrl.replace(/\/$/, ''), pilot.admin.username, pilot.admin.password);
    const latest = await eventually(
      async () => (await (await api('/api/latest')).json()) as { name: string; value: number; unit?: string }[],
      (values) => values.length >= 2,
    );
    expect(latest).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ site: 'ttht-cho-lon', node: 'gw-p101', device: 'th-1', name: 'temperature', value: 30.5, unit: '°C' }),
        expect.objectContaining({ site: 'ttht-cho-lon', node: 'gw-p101', device: 'th-1', name: 'humidity', value: 54.6, unit: '%RH' }),
      ]),
    );
  });

  it('shows it in the console, in Vietnamese and in English, and updates it live', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      await page.goto(pilot.consoleUrl);
      const login = page.getByRole('form', { name: 'Đăng nhập' });
      await login.getByLabel('Tên đăng nhập').fill(pilot.admin.username);
      await login.getByLabel('Mật khẩu').fill(pilot.admin.password);
      await login.getByRole('button', { name: 'Đăng nhập' }).click();
      const table = page.getByRole('table', { name: 'Số đo của ttht-cho-lon/gw-p101' });
      const temperature = table.getByRole('row', { name: /^th-1 Nhiệt độ/ });
      await expect.poll(() => temperature.getByRole('cell').nth(2).textContent(), { timeout: 15_000 }).toBe('30,5 °C');
      await expect
        .poll(() =>
          table
            .getByRole('row', { name: /^th-1 Độ ẩm/ })
            .getByRole('cell')
            .nth(2)
            .textContent(),
        )
        .toBe('54,6 %RH');
      await expect.poll(() => page.getByRole('status').textContent()).toBe('Trực tiếp');

      await page.getByRole('button', { name: 'English' }).click();
      const english = page.getByRole('table', { name: 'Readings of ttht-cho-lon/gw-p101' });
      await expect
        .poll(() =>
          english
            .getByRole('row', { name: /^th-1 Temperature/ })
            .getByRole('cell')
            .nth(2)
            .textContent(),
        )
        .toBe('30.5 °C');

      // The sensor warms up; the next poll reaches the open page without a reload.
      pilot.sensor.temperatureC = 31.2;
      await expect
        .poll(
          () =>
            english
              .getByRole('row', { name: /^th-1 Temperature/ })
              .getByRole('cell')
              .nth(2)
              .textContent(),
          { timeout: 15_000 },
        )
        .toBe('31.2 °C');
    } finally {
      await browser.close();
    }
  });
});

async function eventually<T>(read: () => T | Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBroker } from '@lophoc/broker';
import { startOpsCenter } from '@lophoc/ops-center';
import { decodeMessage, type Message } from '@lophoc/protocol';
import pino from 'pino';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { launchChromium } from '../../test/support/chromium.js';
import { median } from './measure.js';

/**
 * Issue #6 target: the operator console interactive in under 1 s with 10,000 registered devices
 * (ThingsBoard's UI lags at 2,500). The fleet: 3 wards, 100 schools and centers, 2,500 classroom gateways,
 * 4 devices each (10,000 devices, 10,000 live readings), written into the ops-center's SQLite store.
 * Measured in Debian Chromium, fresh page each round, median of 5:
 * - first paint of the fleet tree (navigation → the city branch is on screen, data loaded);
 * - time to interactive: navigation → a click on the city opens it and its wards are on screen;
 * - peer: the same 10,000 devices as one static HTML table, no JavaScript (the floor of showing them at all).
 */
const WARDS = ['Phường Chợ Quán', 'Phường An Đông', 'Phường Chợ Lớn'];
const SITES = 100;
const ROOMS_PER_SITE = 25;
const CITY = 'Thành phố Hồ Chí Minh';
const ROUNDS = 5;
const log = pino({ level: 'silent' });

function fleetMessages(now: number): Message[] {
  const messages: Message[] = [];
  const message = (topic: string, payload: object) =>
    messages.push(decodeMessage(topic, Buffer.from(JSON.stringify({ v: 1, ...payload }))));
  for (let s = 0; s < SITES; s++) {
    for (let r = 0; r < ROOMS_PER_SITE; r++) {
      const base = `lophoc/v1/site-${s}/gw-${r}`;
      message(`${base}/state`, { online: (s * 31 + r) % 17 !== 0, ts: now, version: '0.1.0' });
      message(`${base}/birth`, {
        ts: now,
        kind: 'gateway',
        version: '0.1.0',
        room: `Phòng ${100 + r}`,
        devices: [
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
              { name: 'lamp_hours', kind: 'reading', unit: 'h' },
              { name: 'power_on', kind: 'command' },
            ],
          },
          { id: 'reader-1', profile: 'rdm6300', exposes: [{ name: 'card', kind: 'event' }] },
        ],
      });
      message(`${base}/th-1/telemetry`, { ts: now, seq: 1, values: { temperature: 28 + (r % 5), humidity: 60 } });
      message(`${base}/co2-1/telemetry`, { ts: now, seq: 2, values: { co2: 600 + r * 10 } });
      message(`${base}/pj-1/telemetry`, { ts: now, seq: 3, values: { lamp_hours: 1000 + s } });
      if (r % 9 === 0) message(`${base}/pj-1/availability`, { online: false, ts: now, reason: 'no answer to PWR?' });
    }
  }
  return messages;
}

async function timeConsole(page: Page, url: string): Promise<{ paint: number; interactive: number }> {
  const start = performance.now();
  await page.goto(url);
  const city = page.getByRole('button', { name: CITY });
  await city.waitFor();
  const paint = performance.now() - start;
  await city.click();
  await page.getByRole('button', { name: WARDS[0] }).waitFor();
  return { paint, interactive: performance.now() - start };
}

export default async function runConsoleBench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lophoc-console-bench-'));
  const consoleDir = join(dir, 'console');
  await build({
    configFile: fileURLToPath(new URL('../../ops-center/vite.config.ts', import.meta.url)),
    build: { outDir: consoleDir, emptyOutDir: true, sourcemap: false },
    logLevel: 'error',
  });
  const broker = await startBroker({ port: 0, log });
  const ops = await startOpsCenter({ dataDir: dir, mqttUrl: broker.url, port: 0, log, consoleDir, content: false, tickMs: 600_000 });
  const now = Date.now();
  await ops.store.upsertSites(
    Array.from({ length: SITES }, (_, s) => ({
      id: `site-${s}`,
      name: `${s % 4 === 0 ? 'Trung tâm học tập cộng đồng' : 'Trường'} số ${s + 1}`,
      city: CITY,
      ward: WARDS[s % WARDS.length]!,
      kind: s % 4 === 0 ? ('center' as const) : ('school' as const),
    })),
  );
  await ops.store.write(fleetMessages(now), now);
  const devices = (await ops.store.nodes()).reduce((sum, node) => sum + node.devices.length, 0);

  const table = (await ops.store.nodes())
    .flatMap((node) =>
      node.devices.map(
        (d) =>
          `<tr><td>${node.site}</td><td>${node.room}</td><td>${node.node}</td><td>${d.device}</td><td>${d.online === false ? 'offline' : 'online'}</td></tr>`,
      ),
    )
    .join('');
  const html = `<!doctype html><html lang="vi"><meta charset="utf-8"><title>devices</title><table><caption>Thiết bị</caption><tbody>${table}</tbody></table></html>`;
  const staticServer = createServer((_, response) => response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html));
  await new Promise<void>((resolve) => staticServer.listen(0, '127.0.0.1', resolve));
  const staticUrl = `http://127.0.0.1:${(staticServer.address() as { port: number }).port}/`;

  const browser = await launchChromium();
  const paints: number[] = [];
  const interactive: number[] = [];
  const peer: number[] = [];
  try {
    for (let round = 0; round <= ROUNDS; round++) {
      const page = await browser.context.newPage();
      const times = await timeConsole(page, `${ops.url}/`);
      await page.close();
      const staticPage = await browser.context.newPage();
      const start = performance.now();
      await staticPage.goto(staticUrl, { waitUntil: 'load' });
      await staticPage.getByRole('row').last().waitFor();
      const staticMs = performance.now() - start;
      await staticPage.close();
      if (round === 0) continue; // warm-up: Chromium's first start of a renderer
      paints.push(times.paint);
      interactive.push(times.interactive);
      peer.push(staticMs);
    }
  } finally {
    await browser.close();
    staticServer.close();
    await ops.stop();
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  }
  const fmt = (ms: number) => `${Math.round(ms)} ms`.padStart(10);
  process.stdout.write(`\nOperator console with ${devices.toLocaleString('en-US')} registered devices (Chromium, median of ${ROUNDS})\n`);
  process.stdout.write(`${'case'.padEnd(56)}${'LopHoc'.padStart(10)}${'peer'.padStart(10)}  peer\n`);
  process.stdout.write(
    `${'fleet tree painted with data'.padEnd(56)}${fmt(median(paints))}${fmt(median(peer))}  static HTML table of all devices, no JS\n`,
  );
  process.stdout.write(
    `${'interactive: click on the city opens its wards'.padEnd(56)}${fmt(median(interactive))}${fmt(median(peer))}  static HTML table of all devices, no JS\n`,
  );
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { languageFromEnv } from './i18n.js';
import { statusReport } from './status.js';
import { type AgentStatus, writeStatus } from './status-file.js';

const now = Date.UTC(2026, 10, 30, 2, 0, 0);
const status: AgentStatus = {
  ts: now - 3000,
  pid: 1234,
  startedAt: now - 90_061_000,
  site: 'ttht-an-dong',
  node: 'gw-p2',
  broker: { url: 'mqtts://broker.example:8883', connected: true },
  devices: [
    { id: 'th-1', profile: 'xy-md02', online: true },
    { id: 'projector', profile: 'epson-escvp21', online: false, reason: 'no answer to 3 polls' },
  ],
  outbox: { depth: 12, bytes: 2048, appended: 500, acknowledged: 488, dropped: 0 },
};

describe('lophoc-agent status', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-status-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reports connection, devices and outbox, in English or Vietnamese', async () => {
    await writeStatus(dir, status);
    const en = await statusReport(dir, 'en', now);
    expect(en.ok).toBe(false); // a device is offline
    expect(en.text).toBe(
      [
        'ttht-an-dong/gw-p2 · Uptime: 1d 01:01:01',
        'MQTT broker: mqtts://broker.example:8883 — Connected',
        'Devices:',
        '  th-1             xy-md02              online',
        '  projector        epson-escvp21        offline — no answer to 3 polls',
        'Outbox: 12 records waiting (2048 bytes); appended 500, acknowledged 488, dropped 0',
      ].join('\n'),
    );
    expect((await statusReport(dir, 'vi', now)).text).toContain('Hàng đợi gửi: 12 bản ghi chờ');
  });

  it('tells a stopped agent from one that never ran', async () => {
    expect((await statusReport(dir, 'en', now)).text).toBe(`lophoc-agent has never run with data folder ${dir}.`);
    await writeStatus(dir, { ...status, ts: now - 60_000 });
    const stale = await statusReport(dir, 'vi', now);
    expect(stale.ok).toBe(false);
    expect(stale.text).toMatch(/^lophoc-agent không chạy \(trạng thái cuối lúc .*\)\.$/);
  });

  it('picks the language from the locale', () => {
    expect(languageFromEnv({ LANG: 'vi_VN.UTF-8' })).toBe('vi');
    expect(languageFromEnv({ LC_ALL: 'en_US.UTF-8', LANG: 'vi_VN.UTF-8' })).toBe('en');
    expect(languageFromEnv({})).toBe('en');
  });
});

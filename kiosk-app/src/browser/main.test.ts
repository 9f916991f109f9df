import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPtyPair } from '@lophoc/simulators';
import { describe, expect, it } from 'vitest';
import { startEscPosPrinter } from '../../../simulators/src/printers/escpos-printer.js';
import { startSerialQrScanner } from '../../../simulators/src/scanners/serial-qr-scanner.js';
import { KioskRig } from '../../test/kiosk-rig.js';

const BIN = join(import.meta.dirname, '../../bin/lophoc-kiosk-browser.js');

function run(env: Record<string, string>, onLine?: (line: string, stop: () => void) => void, args: string[] = []) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    onLine?.(stdout, () => child.kill('SIGTERM'));
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr })),
  );
}

describe('lophoc-kiosk-browser', () => {
  it('refuses a missing content API URL with one line and exit 1', async () => {
    const { code, stderr } = await run({ LOPHOC_CONTENT_API_URL: '' });
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      'lophoc-kiosk-browser: LOPHOC_CONTENT_API_URL must be the content API URL, e.g. http://127.0.0.1:8080/api/content/v1',
    );
  });

  it('starts with the content API down, prints its URL, and stops cleanly on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lophoc-kiosk-bin-'));
    try {
      const result = await run(
        { LOPHOC_CONTENT_API_URL: 'http://127.0.0.1:9/api/content/v1', LOPHOC_KIOSK_DATA_DIR: dir, LOPHOC_KIOSK_PORT: '0' },
        (out, stop) => {
          if (out.includes('lophoc-kiosk-browser: http://127.0.0.1:')) stop();
        },
      );
      expect(result.stdout).toMatch(/lophoc-kiosk-browser: http:\/\/127\.0\.0\.1:\d+\//);
      expect(result.code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a wrong printer or scanner setting with one line naming it', async () => {
    const { code, stderr } = await run(
      { LOPHOC_CONTENT_API_URL: 'http://127.0.0.1:9/api/content/v1', LOPHOC_KIOSK_PRINTER: '/dev/ttyUSB0' },
      undefined,
      ['--printer-encoding=utf8'],
    );
    expect(code).toBe(1);
    expect(stderr.trim()).toMatch(/^lophoc-kiosk-browser: --printer-encoding: .*"windows-1258"/);
  });

  it('uses the receipt printer and the serial QR scanner it is given (simulators on socat ptys)', async () => {
    const rig = new KioskRig();
    rig.dir = await mkdtemp(join(tmpdir(), 'lophoc-kiosk-bin-devices-'));
    const printerPty = await openPtyPair(rig.dir, 'printer');
    const scannerPty = await openPtyPair(rig.dir, 'scanner');
    const printer = await startEscPosPrinter(printerPty.device);
    const scanner = await startSerialQrScanner(scannerPty.device);
    await rig.startContentApi();
    let stopKiosk: (() => void) | undefined;
    let resolveUrl: (url: string) => void = () => undefined;
    const ready = new Promise<string>((resolve) => {
      resolveUrl = resolve;
    });
    const exited = run(
      {
        LOPHOC_CONTENT_API_URL: rig.contentUrl,
        LOPHOC_KIOSK_DATA_DIR: join(rig.dir, 'kiosk'),
        LOPHOC_KIOSK_PORT: '0',
        LOPHOC_KIOSK_PRINTER: printerPty.host,
      },
      (out, stop) => {
        stopKiosk = stop;
        const url = /lophoc-kiosk-browser: (http:\/\/\S+)/.exec(out)?.[1];
        if (url) resolveUrl(url);
      },
      ['--scanner', scannerPty.host],
    );
    try {
      const url = await ready;
      // The scanner: a receipt code read by the simulator reaches the page's event stream.
      const stream = await fetch(`${url}kiosk-api/scans`);
      const reader = stream.body!.getReader();
      await scanner.scan('000.25.30.H29-261120-0012');
      let frames = '';
      while (!frames.includes('receipt')) frames += new TextDecoder().decode((await reader.read()).value);
      expect(frames).toContain('{"kind":"receipt","code":"000.25.30.H29-261120-0012"}');
      await reader.cancel();
      // The printer: an enrolment's answer says its receipt printed, and the simulator decoded it in Vietnamese.
      const catalog = (await (await fetch(`${url}kiosk-api/catalog`)).json()) as { courses: { id: string }[] };
      const receipt = printer.nextReceipt();
      const answer = await fetch(`${url}kiosk-api/submit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          kind: 'enrolment',
          key: 'enrol-bin-000001',
          data: { courseId: catalog.courses[0]!.id, fullName: 'Trần Thị Bích Ngọc', phone: '0912345678', consent: true },
        }),
      });
      expect(await answer.json()).toMatchObject({ ok: true, receipt: { printed: true } });
      expect((await receipt).lines.map((line) => line.text).join('\n')).toContain('Trần Thị Bích Ngọc');
    } finally {
      stopKiosk?.();
      expect((await exited).code).toBe(0);
      await scanner.close();
      await printer.close();
      await scannerPty.close();
      await printerPty.close();
      await rig.stop();
    }
  });
});

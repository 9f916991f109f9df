import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPtyPair, type PtyPair } from '@lophoc/simulators';
import { SerialPort } from 'serialport';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SerialLink } from './serial-link.js';

const SERIAL = { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 } as const;

describe('SerialLink reads', () => {
  let dir: string;
  let pty: PtyPair;
  let device: SerialPort;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-serial-'));
    pty = await openPtyPair(dir, 'dev');
    device = new SerialPort({ path: pty.device, baudRate: 9600, autoOpen: false });
    await new Promise<void>((resolve, reject) => device.open((error) => (error ? reject(error) : resolve())));
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => device.close(() => resolve()));
    await pty.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Starts a link on the host end that records each chunk it emits, with the time it came. */
  async function link(readGapMs: number) {
    const serial = new SerialLink(pty.host, SERIAL, {}, 1000, readGapMs);
    const chunks: { at: number; text: string }[] = [];
    serial.on('data', (chunk: Buffer) => chunks.push({ at: performance.now(), text: chunk.toString() }));
    await serial.openNow();
    return { serial, chunks, text: () => chunks.map((chunk) => chunk.text).join('') };
  }
  const lines = (n: number) => Array.from({ length: n }, (_, i) => `T=${i}.0\n`);

  it('with a read gap, a streaming device is read at most once per gap, every byte in order', async () => {
    const { serial, chunks, text } = await link(50);
    try {
      for (const line of lines(30)) {
        device.write(line);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await expect.poll(text, { timeout: 5000 }).toBe(lines(30).join(''));
    } finally {
      await serial.stop();
    }
    expect(chunks.length).toBeLessThan(30);
    // Timers never fire early: consecutive reads are a gap apart (1 ms of clock rounding allowed).
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.at - chunks[i - 1]!.at).toBeGreaterThanOrEqual(49);
  });

  it('without a gap, a line written after the previous one was read is read on its own, at once', async () => {
    const { serial, chunks, text } = await link(0);
    const started = performance.now();
    try {
      for (const [i, line] of lines(30).entries()) {
        device.write(line);
        await expect.poll(() => chunks.length, { interval: 1, timeout: 5000 }).toBe(i + 1);
      }
    } finally {
      await serial.stop();
    }
    expect(text()).toBe(lines(30).join(''));
    // With a 50 ms gap this would take at least 29 × 50 ms.
    expect(performance.now() - started).toBeLessThan(29 * 50);
  });
});

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

  /** Writes 30 lines 2 ms apart from the device end; returns the chunks the link emitted. */
  async function stream(readGapMs: number): Promise<Buffer[]> {
    const link = new SerialLink(pty.host, SERIAL, {}, 1000, readGapMs);
    const chunks: Buffer[] = [];
    link.on('data', (chunk: Buffer) => chunks.push(chunk));
    await link.openNow();
    try {
      for (let i = 0; i < 30; i++) {
        device.write(`T=${i}.0\n`);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      const expected = Array.from({ length: 30 }, (_, i) => `T=${i}.0\n`).join('');
      await expect.poll(() => Buffer.concat(chunks).toString(), { timeout: 3000 }).toBe(expected);
    } finally {
      await link.stop();
    }
    return chunks;
  }

  it('with a read gap, a streaming device is read in a few large chunks, every byte in order', async () => {
    const chunks = await stream(50);
    // 30 writes over ≥ 60 ms: with 50 ms between reads, a handful of reads at most.
    expect(chunks.length).toBeLessThanOrEqual(6);
  });

  it('without a gap, each write is read on its own', async () => {
    // (The chunks joined at the end equal what was sent: they are copies, not views of the link's reused buffer.)
    expect((await stream(0)).length).toBeGreaterThan(10);
  });
});

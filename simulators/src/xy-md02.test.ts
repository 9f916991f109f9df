import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withCrc } from './modbus/crc16.js';
import { openPtyPair, type PtyPair } from './pty-pair.js';
import { startXyMd02, XyMd02State } from './xy-md02.js';

const hex = (s: string) => Buffer.from(s.replaceAll(' ', ''), 'hex');

describe('XY-MD02 simulator over a real pty pair', () => {
  let dir: string;
  let pty: PtyPair;
  let host: SerialPort;
  let sim: Awaited<ReturnType<typeof startXyMd02>>;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-sim-'));
    pty = await openPtyPair(dir, 'th');
    sim = await startXyMd02(pty.device);
    host = new SerialPort({ path: pty.host, baudRate: 9600 });
    await new Promise((resolve) => host.once('open', resolve));
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => host.close(() => resolve()));
    await sim.stop();
    await pty.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function exchange(request: Buffer, expectedLength: number): Promise<Buffer> {
    const chunks: Buffer[] = [];
    const done = new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply; got ${Buffer.concat(chunks).toString('hex')}`)), 1000);
      const onData = (chunk: Buffer) => {
        chunks.push(chunk);
        const all = Buffer.concat(chunks);
        if (all.length >= expectedLength) {
          clearTimeout(timer);
          host.off('data', onData);
          resolve(all);
        }
      };
      host.on('data', onData);
    });
    host.write(request);
    return done;
  }

  it('answers the vector request with the vector response (30.5 °C, 54.6 %RH)', async () => {
    expect(await exchange(hex('01 04 00 01 00 02 20 0B'), 9)).toEqual(hex('01 04 04 01 31 02 22 2A CE'));
  });

  it('encodes a negative temperature as signed ×0.1 (0xFF33 = −20.5 °C)', async () => {
    sim.state.temperatureC = -20.5;
    const reply = await exchange(withCrc(hex('01 04 00 01 00 01')), 7);
    expect(reply.subarray(3, 5)).toEqual(hex('FF 33'));
  });

  it('resynchronises after line garbage and ignores other unit ids', async () => {
    const otherUnit = withCrc(hex('02 04 00 01 00 02'));
    const reply = await exchange(Buffer.concat([hex('00 FF 13'), otherUnit, hex('01 04 00 01 00 02 20 0B')]), 9);
    expect(reply).toEqual(hex('01 04 04 01 31 02 22 2A CE'));
    expect(sim.slave.stats.otherUnits).toBe(1);
    expect(sim.slave.stats.crcErrors).toBeGreaterThan(0);
  });

  it('answers an unknown register with exception 02 (illegal data address)', async () => {
    expect(await exchange(withCrc(hex('01 04 00 09 00 01')), 5)).toEqual(withCrc(hex('01 84 02')));
  });

  it('stays silent while unplugged', async () => {
    sim.state.unplugged = true;
    await expect(exchange(hex('01 04 00 01 00 02 20 0B'), 9)).rejects.toThrow(/no reply/);
  });

  it('exposes the holding registers of the real device', () => {
    const state = new XyMd02State();
    expect(state.readHolding(0x0101)).toBe(1);
    expect(state.readHolding(0x0200)).toBeUndefined();
  });
});

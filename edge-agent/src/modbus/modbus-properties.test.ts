import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPtyPair, withCrc } from '@lophoc/simulators';
import fc from 'fast-check';
import pino from 'pino';
import { SerialPort } from 'serialport';
import { describe, expect, it } from 'vitest';
import { ModbusPoller } from '../devices/modbus-poller.js';
import { RecordingSink } from '../test-support/recording-sink.js';
import { decodeRegisters, type RegisterLayout, registerCount } from './register-value.js';
import { planReads } from './request-plan.js';
import { ModbusRtuBus } from './rtu-bus.js';

const layouts = fc.record({
  type: fc.constantFrom('int16', 'uint16', 'int32', 'uint32', 'float32' as const),
  scale: fc.constantFrom(1, 0.1, 0.01, 10),
  offset: fc.constantFrom(0, -40, 5),
  wordOrder: fc.constantFrom('big', 'little' as const),
}) as fc.Arbitrary<RegisterLayout>;

describe('modbus codec properties', () => {
  it('decodeRegisters: any words of the right count decode without throwing; integers stay in range', () => {
    fc.assert(
      fc.property(layouts, fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 2, maxLength: 2 }), (layout, words) => {
        const value = decodeRegisters(words.slice(0, registerCount(layout.type)), layout);
        if (layout.type !== 'float32') {
          expect(Number.isFinite(value)).toBe(true);
          const raw = (value - layout.offset) / layout.scale;
          const [min, max] = { int16: [-32768, 32767], uint16: [0, 65535], int32: [-(2 ** 31), 2 ** 31 - 1], uint32: [0, 2 ** 32 - 1] }[
            layout.type
          ];
          expect(raw).toBeGreaterThanOrEqual(min! - 1e-6);
          expect(raw).toBeLessThanOrEqual(max! + 1e-6);
        }
      }),
    );
  });
  it('planReads: every reading lies inside its request, requests never exceed 125 registers', () => {
    const reading = fc.record({
      function: fc.constantFrom('input', 'holding' as const),
      address: fc.integer({ min: 0, max: 300 }),
      layout: layouts,
    });
    fc.assert(
      fc.property(fc.uniqueArray(reading, { selector: (r) => `${r.function}:${r.address}`, maxLength: 60 }), (specs) => {
        const named = specs.map((spec, i) => ({ ...spec, name: `r${i}` }));
        const plan = planReads(named);
        const found = new Set<string>();
        for (const request of plan) {
          expect(request.count).toBeLessThanOrEqual(125);
          for (const r of request.readings) {
            const spec = named.find((s) => s.name === r.name)!;
            expect(spec.function).toBe(request.function);
            expect(request.address + r.index).toBe(spec.address);
            expect(r.index + registerCount(r.layout.type)).toBeLessThanOrEqual(request.count);
            found.add(r.name);
          }
        }
        expect(found.size).toBe(named.length);
      }),
    );
  });
});

describe('a broken slave on a real pty', () => {
  it('garbage, half frames and bad CRCs never become readings; the misses are counted and the device goes offline', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lophoc-mbprop-'));
    const pty = await openPtyPair(dir, 'bus');
    const device = new SerialPort({ path: pty.device, baudRate: 9600 });
    await new Promise((resolve) => device.once('open', resolve));
    const samples = fc.sample(
      fc.oneof(
        fc.uint8Array({ minLength: 1, maxLength: 12 }).map(Buffer.from),
        fc.constant(Buffer.from('01040401310222', 'hex')), // the vector reply without its CRC: a half frame
        fc.constant(Buffer.from('010404013102222ACF', 'hex')), // one CRC bit flipped
        fc.constant(withCrc(Buffer.from('02040401310222', 'hex'))), // a valid frame from another unit
      ),
      { numRuns: 200, seed: 42 },
    );
    let next = 0;
    device.on('data', () => setTimeout(() => device.write(samples[next++ % samples.length]!), 5));
    const bus = await ModbusRtuBus.open(pty.host, { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 });
    const sink = new RecordingSink();
    const poller = new ModbusPoller({
      device: 'th',
      unitId: 1,
      timeoutMs: 100,
      retries: 0,
      groups: [
        {
          intervalMs: 100,
          readings: [
            { name: 'temperature', function: 'input', address: 1, layout: { type: 'int16', scale: 0.1, offset: 0, wordOrder: 'big' } },
            { name: 'humidity', function: 'input', address: 2, layout: { type: 'uint16', scale: 0.1, offset: 0, wordOrder: 'big' } },
          ],
        },
      ],
      offlineAfterMisses: 3,
      bus,
      sink,
      log: pino({ level: 'silent' }),
    });
    poller.start();
    await expect.poll(() => sink.lastAvailability('th')?.online, { timeout: 5000 }).toBe(false);
    await expect.poll(() => next, { timeout: 5000 }).toBeGreaterThan(15);
    await poller.stop();
    // A random 9-byte answer could pass the CRC once in 65,536; none of these seeded samples does.
    expect(sink.telemetries).toEqual([]);
    await bus.close();
    await new Promise<void>((resolve) => device.close(() => resolve()));
    await pty.close();
    await rm(dir, { recursive: true, force: true });
  }, 15_000);
});

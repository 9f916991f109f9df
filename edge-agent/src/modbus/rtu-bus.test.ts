import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  openPtyPair,
  type PtyPair,
  SenseairS8State,
  SoundLevelState,
  startModbusBus,
  startModbusTcpServer,
  XyMd02State,
} from '@lophoc/simulators';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModbusPoller } from '../devices/modbus-poller.js';
import { RecordingSink } from '../test-support/recording-sink.js';
import { ModbusRtuBus } from './rtu-bus.js';

const log = pino({ level: 'silent' });
const SERIAL = { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 } as const;
const u16 = { type: 'uint16', scale: 1, offset: 0, wordOrder: 'big' } as const;

describe('RS-485 bus shared by several Modbus devices', () => {
  let dir: string;
  let pty: PtyPair;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-bus-'));
    pty = await openPtyPair(dir, 'rs485');
  });
  afterEach(async () => {
    await pty.close();
    await rm(dir, { recursive: true, force: true });
  });

  const poller = (
    bus: ModbusRtuBus,
    sink: RecordingSink,
    device: string,
    unitId: number,
    fn: 'input' | 'holding',
    address: number,
    scale = 1,
  ) =>
    new ModbusPoller({
      device,
      unitId,
      timeoutMs: 150,
      retries: 1,
      groups: [{ intervalMs: 100, readings: [{ name: 'value', function: fn, address, layout: { ...u16, scale } }] }],
      offlineAfterMisses: 2,
      bus,
      sink,
      log,
    });

  it('a silent device goes offline without stalling the others; one request in flight; it comes back', async () => {
    const climate = new XyMd02State();
    const sound = new SoundLevelState();
    const co2 = new SenseairS8State();
    co2.unplugged = true;
    const sims = await startModbusBus(pty.device, [
      { unitId: 1, registers: sound, responseDelayMs: 10 },
      { unitId: 2, registers: { readInput: (a) => climate.readInput(a) }, responseDelayMs: 10 },
      { unitId: 0xfe, registers: co2, responseDelayMs: 10 },
    ]);
    const bus = await ModbusRtuBus.open(pty.host, SERIAL);
    const sink = new RecordingSink();
    const pollers = [
      poller(bus, sink, 'noise', 1, 'holding', 0, 0.1),
      poller(bus, sink, 'climate', 2, 'input', 1, 0.1),
      poller(bus, sink, 'co2', 0xfe, 'input', 3),
    ];
    for (const p of pollers) p.start();
    await expect.poll(() => sink.lastAvailability('co2')?.online, { timeout: 5000 }).toBe(false);
    expect(sink.lastAvailability('co2')?.reason).toMatch(/^no answer to 2 polls: input register 3 at unit 254 on .*rs485\.host: Timed out/);
    const before = { noise: sink.values('noise', 'value').length, climate: sink.values('climate', 'value').length };
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // The live devices keep being read while the dead one times out: at least one reading every ~400 ms each.
    expect(sink.values('noise', 'value').length - before.noise).toBeGreaterThanOrEqual(3);
    expect(sink.values('climate', 'value').length - before.climate).toBeGreaterThanOrEqual(3);
    expect(sink.values('noise', 'value')).toContain(54);
    expect(sink.values('climate', 'value')).toContain(30.5);
    // Requests never overlapped: every answered request was a well-formed frame for its own unit.
    expect(sims.slaves.every((slave) => slave.stats.crcErrors === 0)).toBe(true);
    co2.unplugged = false;
    await expect.poll(() => sink.lastAvailability('co2')?.online, { timeout: 3000 }).toBe(true);
    expect(sink.values('co2', 'value')).toContain(400);
    for (const p of pollers) await p.stop();
    await bus.close();
    await sims.stop();
  }, 15_000);

  it('serves unit ids in turn: a busy device cannot starve another', async () => {
    const sims = await startModbusBus(pty.device, [
      { unitId: 1, registers: new SoundLevelState(), responseDelayMs: 5 },
      { unitId: 2, registers: new SoundLevelState(), responseDelayMs: 5 },
    ]);
    const bus = await ModbusRtuBus.open(pty.host, SERIAL);
    const order: number[] = [];
    const read = (unitId: number) =>
      bus.read({ unitId, function: 'holding', address: 0, count: 1, timeoutMs: 500 }).then(() => order.push(unitId));
    await Promise.all([read(1), read(1), read(1), read(1), read(2), read(2)]);
    // The first request of unit 1 is on the wire before the others queue; then the two units alternate.
    expect(order).toEqual([1, 1, 2, 1, 2, 1]);
    await bus.close();
    await sims.stop();
  });

  it('unplug and replug the bus mid-stream: devices unavailable with the reason at once, back by themselves', async () => {
    let sims = await startModbusBus(pty.device, [{ unitId: 1, registers: new SoundLevelState(), responseDelayMs: 5 }]);
    const bus = await ModbusRtuBus.open(pty.host, SERIAL, { initialMs: 50, maxMs: 200 });
    const sink = new RecordingSink();
    const noise = poller(bus, sink, 'noise', 1, 'holding', 0, 0.1);
    noise.start();
    await expect.poll(() => sink.lastAvailability('noise')?.online).toBe(true);
    await sims.stop();
    await pty.close();
    await expect.poll(() => sink.lastAvailability('noise')?.online, { timeout: 3000 }).toBe(false);
    expect(sink.lastAvailability('noise')?.reason).toMatch(/serial port .*rs485\.host closed \(unplugged\?\)|rs485\.host/);
    pty = await openPtyPair(dir, 'rs485');
    sims = await startModbusBus(pty.device, [{ unitId: 1, registers: new SoundLevelState(), responseDelayMs: 5 }]);
    await expect.poll(() => sink.lastAvailability('noise')?.online, { timeout: 5000 }).toBe(true);
    const count = sink.values('noise', 'value').length;
    await expect.poll(() => sink.values('noise', 'value').length, { timeout: 3000 }).toBeGreaterThan(count);
    await noise.stop();
    await bus.close();
    await sims.stop();
  }, 20_000);
});

describe('Modbus TCP through modbus-serial', () => {
  it('reads a device over TCP, goes offline when it stops answering, and reconnects when it is back', async () => {
    const climate = new XyMd02State();
    let server = await startModbusTcpServer({ registers: { readInput: (a) => climate.readInput(a) }, unitId: 1 });
    const port = server.port;
    const bus = ModbusRtuBus.openTcp('127.0.0.1', port, { initialMs: 50, maxMs: 200 });
    const sink = new RecordingSink();
    const poller = new ModbusPoller({
      device: 'th-tcp',
      unitId: 1,
      timeoutMs: 200,
      retries: 0,
      groups: [
        {
          intervalMs: 100,
          readings: [{ name: 'temperature', function: 'input', address: 1, layout: { ...u16, type: 'int16', scale: 0.1 } }],
        },
      ],
      offlineAfterMisses: 2,
      bus,
      sink,
      log,
    });
    poller.start();
    await expect.poll(() => sink.values('th-tcp', 'temperature'), { timeout: 3000 }).toContain(30.5);
    await server.stop();
    await expect.poll(() => sink.lastAvailability('th-tcp')?.online, { timeout: 3000 }).toBe(false);
    climate.temperatureC = 26.1;
    server = await startModbusTcpServer({ registers: { readInput: (a) => climate.readInput(a) }, unitId: 1, port });
    await expect.poll(() => sink.values('th-tcp', 'temperature'), { timeout: 5000 }).toContain(26.1);
    expect(sink.lastAvailability('th-tcp')?.online).toBe(true);
    await poller.stop();
    await bus.close();
    await server.stop();
  }, 15_000);
});

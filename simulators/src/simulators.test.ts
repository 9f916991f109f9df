import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withCrc } from './modbus/crc16.js';
import { EpsonPower, startEpsonProjector } from './projectors/epson-escvp21.js';
import { startPjlinkProjector } from './projectors/pjlink.js';
import { openPtyPair, type PtyPair } from './pty-pair.js';
import { RecordedHidDevice, recordTyping, wedgeTextForTag } from './readers/hid-recording.js';
import { rdm6300Frame, startRdm6300 } from './readers/rdm6300.js';
import { MhZ19State, startMhZ19 } from './sensors/mh-z19.js';
import { SenseairS8State, SoundLevelState, startModbusBus } from './sensors/modbus-sensors.js';
import { XyMd02State } from './xy-md02.js';

const hex = (s: string) => Buffer.from(s.replaceAll(' ', ''), 'hex');

/** Collects what the host end receives until `done` says it is complete. */
function receive(host: SerialPort, done: (all: Buffer) => boolean, timeoutMs = 2000): Promise<Buffer> {
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      host.off('data', onData);
      reject(new Error(`timed out; got ${JSON.stringify(Buffer.concat(chunks).toString('latin1'))}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      const all = Buffer.concat(chunks);
      if (done(all)) {
        clearTimeout(timer);
        host.off('data', onData);
        resolve(all);
      }
    };
    host.on('data', onData);
  });
}

describe('serial simulators over real pty pairs', () => {
  let dir: string;
  let pty: PtyPair;
  let host: SerialPort;
  const stops: (() => Promise<void>)[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-sims-'));
    pty = await openPtyPair(dir, 'dev');
    host = new SerialPort({ path: pty.host, baudRate: 9600 });
    await new Promise((resolve) => host.once('open', resolve));
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => host.close(() => resolve()));
    for (const stop of stops.splice(0).reverse()) await stop();
    await pty.close();
    await rm(dir, { recursive: true, force: true });
  });
  const ask = async (text: string, until: (s: string) => boolean, timeoutMs?: number) => {
    const reply = receive(host, (all) => until(all.toString('latin1')), timeoutMs);
    host.write(text);
    return (await reply).toString('latin1');
  };

  it('Epson ESC/VP21: PWR? → PWR=00\\r:, PWR ON holds its ":" through warm-up, LAMP?, ERR', async () => {
    const sim = await startEpsonProjector(pty.device, { warmUpMs: 300, coolDownMs: 200, lampHours: 1234 });
    stops.push(sim.stop);
    expect(await ask('PWR?\r', (s) => s.endsWith(':'))).toBe('PWR=00\r:');
    expect(await ask('SOURCE?\r', (s) => s.endsWith(':'))).toBe('ERR\r:');
    const started = Date.now();
    const on = ask('PWR ON\r', (s) => s.endsWith(':'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sim.state.power).toBe(EpsonPower.warmUp);
    expect(await on).toBe(':');
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(await ask('PWR?\r', (s) => s.endsWith(':'))).toBe('PWR=01\r:');
    expect(await ask('LAMP?\r', (s) => s.endsWith(':'))).toBe('LAMP=1234\r:');
    expect(await ask('SOURCE 41\r', (s) => s.endsWith(':'))).toBe(':');
    expect(await ask('SOURCE?\r', (s) => s.endsWith(':'))).toBe('SOURCE=41\r:');
    expect(await ask('BOGUS\r', (s) => s.endsWith(':'))).toBe('ERR\r:');
    expect(await ask('\r', (s) => s.endsWith(':'))).toBe(':');
    expect(await ask('PWR OFF\r', (s) => s.endsWith(':'))).toBe(':');
    expect(await ask('PWR?\r', (s) => s.endsWith(':'))).toBe('PWR=03\r:');
  });

  it('RDM6300: the vector frame, repeated while the card is held, and a corrupted one', async () => {
    expect(rdm6300Frame('67003B51C6')).toEqual(hex('02 36 37 30 30 33 42 35 31 43 36 43 42 03'));
    const sim = await startRdm6300(pty.device, { repeatMs: 50 });
    stops.push(sim.stop);
    const got = receive(host, (all) => all.length >= 42);
    sim.present('67003B51C6');
    expect((await got).subarray(0, 42)).toEqual(Buffer.concat([0, 1, 2].map(() => rdm6300Frame('67003B51C6'))));
    sim.remove();
    await new Promise((resolve) => setTimeout(resolve, 120)); // let repeats already on the wire arrive
    const bad = receive(host, (all) => all.length >= 14 && all.at(-1) === 0x03);
    sim.sendCorrupted();
    expect((await bad).subarray(-13, -1).toString()).toBe('68003B51C6CB');
  });

  it('MH-Z19: the vector request gets the vector reply; faults', async () => {
    const state = new MhZ19State();
    const sim = await startMhZ19(pty.device, state);
    stops.push(sim.stop);
    const reply = receive(host, (all) => all.length >= 9);
    host.write(hex('00 FF 01 86 00 00 00 00 00 79'));
    expect(await reply).toEqual(hex('FF 86 01 90 40 00 00 00 A9'));
    state.fault = 'silent';
    const none = receive(host, (all) => all.length >= 1, 300);
    host.write(hex('FF 01 86 00 00 00 00 00 79'));
    await expect(none).rejects.toThrow(/timed out/);
    state.fault = 'bad-checksum';
    const bad = receive(host, (all) => all.length >= 9);
    host.write(hex('FF 01 86 00 00 00 00 00 79'));
    expect((await bad)[8]).not.toBe(0xa9);
  });

  it('RS-485 bus: sound level (unit 1), XY-MD02 (unit 2) and a silent member answer only their own requests', async () => {
    const climate = new XyMd02State();
    const sound = new SoundLevelState();
    const s8 = new SenseairS8State();
    s8.unplugged = true;
    const bus = await startModbusBus(pty.device, [
      { unitId: 1, registers: sound },
      { unitId: 2, registers: { readInput: (a) => climate.readInput(a) } },
      { unitId: 0xfe, registers: s8 },
    ]);
    stops.push(bus.stop);
    const exchange = async (request: Buffer, length: number) => {
      const reply = receive(host, (all) => all.length >= length);
      host.write(request);
      return reply;
    };
    expect(await exchange(hex('01 03 00 00 00 01 84 0A'), 7)).toEqual(hex('01 03 02 02 1C B8 ED'));
    expect(await exchange(withCrc(hex('02 04 00 01 00 02')), 9)).toEqual(withCrc(hex('02 04 04 01 31 02 22')));
    await expect(exchange(hex('FE 04 00 03 00 01 D5 C5'), 7)).rejects.toThrow(/timed out/);
    s8.unplugged = false;
    expect(await exchange(hex('FE 04 00 03 00 01 D5 C5'), 7)).toEqual(hex('FE 04 02 01 90 AC D8'));
  });
});

describe('PJLink simulator over TCP and UDP', () => {
  async function session(port: number) {
    const socket = connect(port, '127.0.0.1');
    let buffer = '';
    const waiters: (() => void)[] = [];
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      for (const wake of waiters.splice(0)) wake();
    });
    const line = async (): Promise<string> => {
      for (;;) {
        const end = buffer.indexOf('\r');
        if (end >= 0) {
          const text = buffer.slice(0, end);
          buffer = buffer.slice(end + 1);
          return text;
        }
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    };
    return { socket, line, send: (text: string) => socket.write(text) };
  }

  it('greets with the vector random and accepts the vector digest (JBMIAProjectorLink)', async () => {
    const sim = await startPjlinkProjector({ password: 'JBMIAProjectorLink', random: () => '498e4a67', warmUpMs: 100 });
    const s = await session(sim.port);
    expect(await s.line()).toBe('PJLINK 1 498e4a67');
    expect(createHash('md5').update('498e4a67JBMIAProjectorLink').digest('hex')).toBe('5d8409bc1c3fa39749434aa3a5c38682');
    s.send('5d8409bc1c3fa39749434aa3a5c38682%1POWR ?\r');
    expect(await s.line()).toBe('%1POWR=0');
    s.send('%1POWR 1\r');
    expect(await s.line()).toBe('%1POWR=OK');
    s.send('%1POWR ?\r');
    expect(await s.line()).toBe('%1POWR=3');
    s.send('%1INPT 99\r');
    expect(await s.line()).toBe('%1INPT=ERR2');
    s.send('%1XXXX ?\r');
    expect(await s.line()).toBe('%1XXXX=ERR1');
    s.socket.destroy();
    await sim.stop();
  });

  it('refuses a wrong digest with PJLINK ERRA; class 1 without auth greets PJLINK 0', async () => {
    const sim = await startPjlinkProjector({ password: 'p', random: () => '00112233' });
    const s = await session(sim.port);
    expect(await s.line()).toBe('PJLINK 1 00112233');
    s.send('00000000000000000000000000000000%1POWR ?\r');
    expect(await s.line()).toBe('PJLINK ERRA');
    expect(sim.state.authFailures).toBe(1);
    await sim.stop();
    const open = await startPjlinkProjector({ class2: false });
    const t = await session(open.port);
    expect(await t.line()).toBe('PJLINK 0');
    t.send('%2SRCH ?\r');
    expect(await t.line()).toBe('%2SRCH=ERR1');
    t.socket.destroy();
    await open.stop();
  });

  it('class 2: answers %2SRCH with %2ACKN=<mac> and notifies power changes', async () => {
    const sim = await startPjlinkProjector({ macAddress: 'aa:bb:cc:dd:ee:ff', warmUpMs: 50 });
    const udp = createSocket('udp4');
    const messages: string[] = [];
    udp.on('message', (m) => messages.push(m.toString()));
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', () => resolve()));
    udp.send('%2SRCH\r', sim.udpPort!, '127.0.0.1');
    await expect.poll(() => messages).toContain('%2ACKN=aa:bb:cc:dd:ee:ff\r');
    sim.setPower('1');
    await expect.poll(() => messages).toContain('%2POWR=1\r');
    udp.close();
    await sim.stop();
  });
});

describe('recorded HID reports', () => {
  it('types the vector card number and plays through the node-hid surface', async () => {
    expect(wedgeTextForTag('67003B51C6')).toBe('0003887558\n');
    const reports = recordTyping('0003887558\n');
    expect(reports.filter((_, i) => i % 2 === 0).map((r) => r.report[2])).toEqual([
      0x27, 0x27, 0x27, 0x20, 0x25, 0x25, 0x24, 0x22, 0x22, 0x25, 0x28,
    ]);
    expect(recordTyping('A')[0]!.report).toEqual(hex('02 00 04 00 00 00 00 00'));
    const device = new RecordedHidDevice();
    const seen: Buffer[] = [];
    device.on('data', (report: Buffer) => seen.push(report));
    await device.play(reports);
    expect(seen).toHaveLength(22);
    device.close();
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FrameProfile, type LineProfile, parseProfile } from '@lophoc/device-profiles';
import {
  MhZ19State,
  openPtyPair,
  type PtyPair,
  RecordedHidDevice,
  recordTyping,
  startEpsonProjector,
  startMhZ19,
  startPjlinkProjector,
  startRdm6300,
  wedgeTextForTag,
} from '@lophoc/simulators';
import pino from 'pino';
import { SerialPort } from 'serialport';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fastProfile } from '../test-support/fast-profiles.js';
import { RecordingSink } from '../test-support/recording-sink.js';
import type { HidBackend, HidReportSource } from '../transports/hid-source.js';
import { HidLink } from '../transports/hid-source.js';
import { SerialLink } from '../transports/serial-link.js';
import { TcpLink } from '../transports/tcp-link.js';
import { CommandError } from './driver.js';
import { FrameDriver } from './frame-driver.js';
import { HidKeyboardDriver } from './hid-keyboard-driver.js';
import { LineDriver } from './line-driver.js';

const log = pino({ level: 'silent' });
const SERIAL = { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 } as const;
const fastBackoff = { initialMs: 50, maxMs: 200 };

describe('drivers against their simulators', () => {
  let dir: string;
  let pty: PtyPair;
  const cleanups: (() => Promise<void> | void)[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-drv-'));
    pty = await openPtyPair(dir, 'dev');
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await pty.close();
    await rm(dir, { recursive: true, force: true });
  });
  const serialLink = async () => {
    const link = new SerialLink(pty.host, SERIAL, fastBackoff);
    await link.openNow();
    cleanups.push(() => link.stop());
    return link;
  };

  it('Epson ESC/VP21 over a pty: polls power and lamp, powers on through warm-up, reports the power change', async () => {
    const sim = await startEpsonProjector(pty.device, { warmUpMs: 400, coolDownMs: 100, lampHours: 2100 });
    cleanups.push(sim.stop);
    const sink = new RecordingSink();
    const driver = new LineDriver({
      device: 'projector-1',
      profile: await fastProfile<LineProfile>('epson-escvp21', 150),
      link: await serialLink(),
      sink,
      log,
      offlineAfterMisses: 2,
    });
    driver.start();
    cleanups.push(() => driver.stop());
    await expect.poll(() => sink.values('projector-1', 'lamp_hours')).toContain(2100);
    await expect.poll(() => sink.values('projector-1', 'power')).toContain(0);
    expect(sink.lastAvailability('projector-1')).toEqual({ device: 'projector-1', online: true });

    const started = Date.now();
    await expect(driver.execute('power_on')).resolves.toEqual({ reply: ':' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(350); // the ":" comes after warm-up
    await expect.poll(() => sink.events.filter((e) => e.type === 'power').map((e) => e.data)).toContainEqual({ value: 1, previous: 0 });
    await expect(driver.execute('set_input', { source: '41' })).resolves.toEqual({ reply: ':' });
    expect(sim.state.source).toBe('41');
  });

  it('Epson: refuses bad parameters before sending, reports ERR as refused, never turns ERR into a reading', async () => {
    const sim = await startEpsonProjector(pty.device, { warmUpMs: 50 });
    cleanups.push(sim.stop);
    const sink = new RecordingSink();
    const driver = new LineDriver({
      device: 'p',
      profile: await fastProfile<LineProfile>('epson-escvp21', 100),
      link: await serialLink(),
      sink,
      log,
      offlineAfterMisses: 2,
    });
    driver.start();
    cleanups.push(() => driver.stop());
    await expect(driver.execute('set_input', { source: '99' })).rejects.toThrow(
      'command "set_input": parameter source must be one of 10, 11, 14, 20, 30, 41, 42, 52, 53, A0, got "99"',
    );
    await expect(driver.execute('set_input', {})).rejects.toThrow('parameter source is required');
    await expect(driver.execute('set_input', { source: '30', extra: 1 })).rejects.toThrow('unknown parameter "extra"');
    await expect(driver.execute('explode')).rejects.toMatchObject({ code: 'unknown-command' });
    expect(sim.state.commands.some((c) => c.startsWith('SOURCE '))).toBe(false);
    // SOURCE is refused while the lamp is off: ERR\r:
    await expect(driver.execute('set_input', { source: '30' })).rejects.toMatchObject({ code: 'refused' });
    await expect.poll(() => sink.values('p', 'input').length + driver.decoder.stats.errors).toBeGreaterThan(0);
    expect(sink.values('p', 'input')).toEqual([]); // SOURCE? answers ERR while off
  });

  it('Epson: a projector that falls silent goes offline after N misses, with the reason, and comes back', async () => {
    const sim = await startEpsonProjector(pty.device);
    cleanups.push(sim.stop);
    const sink = new RecordingSink();
    const profile = await fastProfile<LineProfile>('epson-escvp21', 100);
    const driver = new LineDriver({
      device: 'p',
      profile,
      link: await serialLink(),
      sink,
      log,
      offlineAfterMisses: 2,
      readTimeoutMs: 150,
      retries: 0,
    });
    driver.start();
    cleanups.push(() => driver.stop());
    await expect.poll(() => sink.lastAvailability('p')?.online).toBe(true);
    sim.state.fault = 'silent';
    await expect.poll(() => sink.lastAvailability('p')?.online, { timeout: 3000 }).toBe(false);
    expect(sink.lastAvailability('p')?.reason).toMatch(/^no answer to 2 polls: ".*\?\\r" to .*dev\.host: no reply within 150 ms$/);
    sim.state.fault = 'garbage';
    await expect.poll(() => sink.lastAvailability('p')?.online, { timeout: 3000 }).toBe(true);
  });

  it('PJLink with MD5 authentication over TCP: reads, commands, and the class 1 power event', async () => {
    const sim = await startPjlinkProjector({ password: 'JBMIAProjectorLink', random: () => '498e4a67', warmUpMs: 200, coolDownMs: 100 });
    cleanups.push(sim.stop);
    const link = new TcpLink(sim.host, sim.port, fastBackoff);
    cleanups.push(() => link.stop());
    const sink = new RecordingSink();
    const driver = new LineDriver({
      device: 'pj',
      profile: await fastProfile<LineProfile>('pjlink', 100),
      link,
      sink,
      log,
      offlineAfterMisses: 2,
      password: 'JBMIAProjectorLink',
    });
    driver.start();
    cleanups.push(() => driver.stop());
    await expect.poll(() => sink.values('pj', 'power')).toContain(0);
    await expect(driver.execute('power_on')).resolves.toEqual({ reply: '%1POWR=OK' });
    await expect.poll(() => sink.values('pj', 'power')).toContain(1);
    await expect(driver.execute('set_input', { input: '32' })).resolves.toEqual({ reply: '%1INPT=OK' });
    await expect.poll(() => sink.values('pj', 'input')).toContain(32);
    expect(sink.events.filter((e) => e.type === 'power').map((e) => e.data.value)).toEqual(expect.arrayContaining([0, 3, 1]));
    expect(sim.state.authFailures).toBe(0);
  });

  it('PJLink: a wrong password makes the projector unavailable with the reason; none needed without auth', async () => {
    const sim = await startPjlinkProjector({ password: 'right' });
    cleanups.push(sim.stop);
    const link = new TcpLink(sim.host, sim.port, fastBackoff);
    cleanups.push(() => link.stop());
    const sink = new RecordingSink();
    const driver = new LineDriver({
      device: 'pj',
      profile: await fastProfile<LineProfile>('pjlink', 100),
      link,
      sink,
      log,
      offlineAfterMisses: 2,
      password: 'wrong',
    });
    driver.start();
    cleanups.push(() => driver.stop());
    await expect.poll(() => sink.lastAvailability('pj')?.reason).toMatch(/refused the PJLink password \(PJLINK ERRA\)/);
    expect(sink.telemetries).toEqual([]);

    const open = await startPjlinkProjector({ class2: false });
    cleanups.push(open.stop);
    const openLink = new TcpLink(open.host, open.port, fastBackoff);
    cleanups.push(() => openLink.stop());
    const openDriver = new LineDriver({
      device: 'pj2',
      profile: await fastProfile<LineProfile>('pjlink', 100),
      link: openLink,
      sink,
      log,
      offlineAfterMisses: 2,
    });
    openDriver.start();
    cleanups.push(() => openDriver.stop());
    await expect.poll(() => sink.values('pj2', 'power')).toContain(0);
  });

  it('RDM6300: one event per tap while the card repeats, none for corrupted frames or noise', async () => {
    const sim = await startRdm6300(pty.device, { repeatMs: 50 });
    cleanups.push(sim.stop);
    const sink = new RecordingSink();
    const profile = await fastProfile<FrameProfile>('rdm6300');
    const shortDebounce = { ...profile, events: profile.events.map((e) => ({ ...e, debounceMs: 300 })) };
    const driver = new FrameDriver({
      device: 'reader',
      profile: shortDebounce,
      link: await serialLink(),
      sink,
      log,
      offlineAfterMisses: 1,
    });
    driver.start();
    cleanups.push(() => driver.stop());
    expect(sink.lastAvailability('reader')?.online).toBe(true);
    sim.sendCorrupted();
    sim.sendRaw(Buffer.from([0x02, 0x36, 0x37, 0x00, 0xff, 0x03, 0x02]));
    sim.present('67003B51C6');
    await expect.poll(() => driver.repeats).toBeGreaterThanOrEqual(3);
    sim.remove();
    expect(sink.events).toEqual([{ device: 'reader', type: 'card', data: { value: '67003B51C6' }, ts: expect.any(Number) }]);
    expect(driver.decoder.stats.errors).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 400));
    sim.present('67003B51C6');
    await expect.poll(() => sink.events.length).toBe(2);
    sim.remove();
  });

  it('MH-Z19: 400 ppm; a bad checksum or a half reply never becomes a reading; silence → offline', async () => {
    const state = new MhZ19State();
    const sim = await startMhZ19(pty.device, state);
    cleanups.push(sim.stop);
    const sink = new RecordingSink();
    const driver = new FrameDriver({
      device: 'co2',
      profile: await fastProfile<FrameProfile>('mh-z19', 100),
      link: await serialLink(),
      sink,
      log,
      offlineAfterMisses: 2,
      readTimeoutMs: 200,
      retries: 0,
    });
    driver.start();
    cleanups.push(() => driver.stop());
    await expect.poll(() => sink.values('co2', 'co2')).toContain(400);
    state.fault = 'bad-checksum';
    state.co2Ppm = 9999;
    await expect.poll(() => sink.lastAvailability('co2')?.online, { timeout: 3000 }).toBe(false);
    state.fault = 'short';
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sink.values('co2', 'co2')).not.toContain(9999);
    state.fault = 'none';
    state.co2Ppm = 812;
    await expect.poll(() => sink.values('co2', 'co2'), { timeout: 3000 }).toContain(812);
    expect(sink.lastAvailability('co2')?.online).toBe(true);
  });

  it('a streaming line sensor: unsolicited lines become readings (no polls sent); garbage and half lines never do', async () => {
    const profile = parseProfile(
      [
        'id: stream-sensor',
        'vendor: Test',
        'model: streaming T/H sensor',
        'category: sensor',
        'transport: { serial: {} }',
        'codec: { kind: line, terminator: "\\n" }',
        'readings:',
        "  - { name: temperature, unit: °C, parse: { regex: '^T=(-?\\d+\\.\\d)$' } }",
        '  - { name: humidity, parse: { keyValue: H } }',
        'events:',
        '  - { name: alarm, parse: { keyValue: ALARM } }',
      ].join('\n'),
      'stream-sensor.yaml',
    ) as LineProfile;
    const device = new SerialPort({ path: pty.device, baudRate: 9600, autoOpen: false });
    await new Promise<void>((resolve, reject) => device.open((error) => (error ? reject(error) : resolve())));
    cleanups.push(() => new Promise<void>((resolve) => device.close(() => resolve())));
    const written: Buffer[] = [];
    device.on('data', (chunk: Buffer) => written.push(chunk));
    const sink = new RecordingSink();
    const driver = new LineDriver({ device: 'th', profile, link: await serialLink(), sink, log, offlineAfterMisses: 1 });
    driver.start();
    cleanups.push(() => driver.stop());
    // Split mid-line on purpose: the decoder joins the halves.
    for (const bytes of ['T=23.4\nH=55.', '5\nT=abc\n\u0000\u00ff#@!\nT=-1', '.5\nALARM=HIGH\nH=wet\nT=20.0\n']) {
      device.write(Buffer.from(bytes, 'latin1'));
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    await expect.poll(() => sink.telemetries.length).toBe(4);
    expect(sink.telemetries.map((t) => t.values)).toEqual([
      { temperature: 23.4 },
      { humidity: 55.5 },
      { temperature: -1.5 },
      { temperature: 20 },
    ]);
    expect(sink.events.map((e) => [e.type, e.data])).toEqual([['alarm', { value: 'HIGH' }]]);
    // `H=wet` is a humidity line without a number: counted, never a reading. `T=abc` and the noise match nothing.
    expect(driver.decoder.stats.errors).toBe(1);
    expect(sink.availabilities).toEqual([{ device: 'th', online: true }]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(Buffer.concat(written).length).toBe(0);
  });

  it('unplug and replug mid-stream: the reader goes unavailable with the reason and comes back by itself', async () => {
    let sim = await startRdm6300(pty.device, { repeatMs: 30 });
    const sink = new RecordingSink();
    const link = await serialLink();
    const driver = new FrameDriver({
      device: 'reader',
      profile: await fastProfile<FrameProfile>('rdm6300'),
      link,
      sink,
      log,
      offlineAfterMisses: 1,
    });
    driver.start();
    cleanups.push(() => driver.stop());
    sim.present('67003B51C6');
    await expect.poll(() => sink.events.length).toBe(1);
    // Pull the cable mid-frame: the pty pair disappears while frames are flowing.
    sim.sendRaw(Buffer.from([0x02, 0x36, 0x37, 0x30]));
    await sim.stop();
    await pty.close();
    await expect.poll(() => sink.lastAvailability('reader')?.online, { timeout: 5000 }).toBe(false);
    expect(sink.lastAvailability('reader')?.reason).toMatch(/dev\.host/);
    pty = await openPtyPair(dir, 'dev');
    sim = await startRdm6300(pty.device, { repeatMs: 30 });
    cleanups.push(() => sim.stop());
    await expect.poll(() => sink.lastAvailability('reader')?.online, { timeout: 5000 }).toBe(true);
    sim.present('1200ABCDEF');
    await expect.poll(() => sink.events.map((e) => e.data.value), { timeout: 3000 }).toContain('1200ABCDEF');
  }, 20_000);
});

describe('HID keyboard-wedge reader through the node-hid surface (recorded reports)', () => {
  class RecordedBackend implements HidBackend {
    device: RecordedHidDevice | undefined = new RecordedHidDevice('/dev/hidraw7');
    opened = 0;
    async list() {
      return this.device ? [{ path: this.device.path, vendorId: 0xffff, productId: 0x0035, product: 'RFID Reader' }] : [];
    }
    async open(path: string): Promise<HidReportSource> {
      if (!this.device || path !== this.device.path) throw new Error(`cannot open ${path}`);
      this.opened++;
      return this.device;
    }
  }

  it('turns a typed card into one event, drops a partial scan, and survives unplug/replug', async () => {
    const backend = new RecordedBackend();
    const link = new HidLink('reader-2', { vendorId: 0xffff, productId: 0x0035 }, backend, fastBackoff);
    const sink = new RecordingSink();
    const profile = await fastProfile('hid-rfid-reader');
    const driver = new HidKeyboardDriver({ device: 'reader-2', profile: profile as never, link, sink, log });
    link.start();
    driver.start();
    await expect.poll(() => sink.lastAvailability('reader-2')?.online).toBe(true);
    await backend.device!.play([...recordTyping('00038'), ...recordTyping(wedgeTextForTag('67003B51C6'), { startMs: 200 })]);
    await backend.device!.play(recordTyping(wedgeTextForTag('67003B51C6'))); // held card: debounced
    expect(sink.events).toEqual([{ device: 'reader-2', type: 'card', data: { value: '0003887558' }, ts: expect.any(Number) }]);
    expect(driver.decoder.stats.errors).toBe(1);
    expect(driver.decoder.stats.repeats).toBe(1);

    backend.device!.unplug();
    backend.device = undefined;
    await expect.poll(() => sink.lastAvailability('reader-2')?.online).toBe(false);
    expect(sink.lastAvailability('reader-2')?.reason).toMatch(/could not read from HID device \(unplugged\?\)|no HID device ffff:0035/);
    backend.device = new RecordedHidDevice('/dev/hidraw7');
    await expect.poll(() => sink.lastAvailability('reader-2')?.online, { timeout: 3000 }).toBe(true);
    await backend.device.play(recordTyping('0000000042\n'));
    expect(sink.events.at(-1)?.data).toEqual({ value: '0000000042' });
    await expect(driver.execute('anything')).rejects.toBeInstanceOf(CommandError);
    await driver.stop();
    await link.stop();
  });

  it('a QR scanner: Shift-typed codes become code events', async () => {
    const backend = new RecordedBackend();
    const link = new HidLink('scanner', { path: '/dev/hidraw7' }, backend, fastBackoff);
    const sink = new RecordingSink();
    const driver = new HidKeyboardDriver({
      device: 'scanner',
      profile: (await fastProfile('hid-barcode-scanner')) as never,
      link,
      sink,
      log,
    });
    link.start();
    driver.start();
    await expect.poll(() => sink.lastAvailability('scanner')?.online).toBe(true);
    await backend.device!.play(recordTyping('000.00.00.H29-260115-0001\n'));
    expect(sink.events.map((e) => e.data.value)).toEqual(['000.00.00.H29-260115-0001']);
    await driver.stop();
    await link.stop();
  });
});

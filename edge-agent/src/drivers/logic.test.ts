import { type Command, type LineProfile, parseProfile } from '@lophoc/device-profiles';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { encodeWrite } from '../devices/modbus-poller.js';
import { RecordingSink } from '../test-support/recording-sink.js';
import { Backoff } from '../transports/backoff.js';
import { ByteLink } from '../transports/link.js';
import { CommandError } from './driver.js';
import { LineDriver } from './line-driver.js';
import { renderTemplate, validateParams } from './params.js';
import { parseGreeting, pjlinkDigest } from './pjlink-auth.js';
import { schedulePolls } from './poll-schedule.js';
import { RequestChannel, RequestTimeoutError } from './request-channel.js';

const command = (params: Command['params']): Command => ({ name: 'set', params, request: 'X {a}\r', timeoutMs: 100 });

describe('PJLink authentication (vectors README)', () => {
  it('computes the vector digests', () => {
    expect(pjlinkDigest('498e4a67', 'JBMIAProjectorLink')).toBe('5d8409bc1c3fa39749434aa3a5c38682');
    expect(pjlinkDigest('00112233', 'p')).toBe('1572f5a8442415fa056aa38c18d507b3');
  });
  it('reads the greetings', () => {
    expect(parseGreeting('PJLINK 0')).toEqual({ kind: 'open' });
    expect(parseGreeting('PJLINK 1 498e4a67')).toEqual({ kind: 'auth', random: '498e4a67' });
    expect(parseGreeting('PJLINK ERRA')).toEqual({ kind: 'refused' });
    expect(parseGreeting('PJLINK 1 xyz')).toBeUndefined();
    expect(parseGreeting('%1POWR=1')).toBeUndefined();
  });
});

describe('command parameters', () => {
  it('checks range, integer, enum, boolean, text, required and extras', () => {
    const level = { type: 'integer', min: 0, max: 100, required: true } as const;
    expect(validateParams(command({ a: level }), { a: 40 })).toEqual({ a: 40 });
    expect(() => validateParams(command({ a: level }), { a: 101 })).toThrow('command "set": parameter a must be at most 100, got 101');
    expect(() => validateParams(command({ a: level }), { a: -1 })).toThrow('must be at least 0, got -1');
    expect(() => validateParams(command({ a: level }), { a: 1.5 })).toThrow('must be an integer, got 1.5');
    expect(() => validateParams(command({ a: level }), { a: '5' })).toThrow('must be a number, got "5"');
    expect(() => validateParams(command({ a: { type: 'string', required: true } }), { a: 'x\rPWR OFF' })).toThrow(
      'must not contain control characters',
    );
    expect(() => validateParams(command({ a: { type: 'boolean', required: true } }), { a: 1 })).toThrow('must be true or false');
    expect(validateParams(command({ a: { type: 'boolean', required: false } }), {})).toEqual({});
    try {
      validateParams(command({}), { a: 1 });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CommandError);
      expect((error as CommandError).code).toBe('bad-params');
      expect((error as Error).message).toBe('command "set": unknown parameter "a" (takes none)');
    }
  });
  it('renders templates', () => {
    expect(renderTemplate('%1INPT {input}\r', { input: '31' })).toBe('%1INPT 31\r');
    expect(renderTemplate('MUTE {on}\r', { on: true })).toBe('MUTE 1\r');
  });
  it('encodes Modbus writes as the inverse of a reading', () => {
    const write = { function: 'holding', address: 0x103, type: 'int16', scale: 0.1, offset: 0, wordOrder: 'big' } as const;
    expect(encodeWrite(write, -1.5)).toEqual([0xfff1]);
    expect(encodeWrite({ ...write, type: 'uint32', scale: 1 }, 65538)).toEqual([1, 2]);
    expect(encodeWrite({ ...write, type: 'uint32', scale: 1, wordOrder: 'little' }, 65538)).toEqual([2, 1]);
    expect(encodeWrite({ ...write, type: 'float32', scale: 1 }, 30.5)).toEqual([0x41f4, 0]);
  });
});

describe('request channel', () => {
  it('keeps one request in flight, gives replies in order, and times out', async () => {
    const channel = new RequestChannel<string>();
    const sent: string[] = [];
    const a = channel.request(
      () => sent.push('a'),
      (t) => t.length === 2,
      200,
    );
    const b = channel.request(
      () => sent.push('b'),
      (t) => t.length === 1,
      50,
    );
    expect(sent).toEqual(['a']);
    expect(channel.offer('a1')).toBe(true);
    expect(channel.offer('a2')).toBe(true);
    expect(await a).toEqual(['a1', 'a2']);
    expect(sent).toEqual(['a', 'b']);
    await expect(b).rejects.toBeInstanceOf(RequestTimeoutError);
    expect(channel.offer('late')).toBe(false); // nothing in flight: unsolicited
  });
  it('fails the request in flight when sending throws (link down)', async () => {
    const channel = new RequestChannel<string>();
    await expect(
      channel.request(
        () => {
          throw new Error('serial port x is down');
        },
        () => true,
        100,
      ),
    ).rejects.toThrow('serial port x is down');
  });
});

describe('timing', () => {
  it('backoff doubles up to the cap, with bounded jitter, and resets', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0 });
    expect([1, 2, 3, 4, 5].map(() => backoff.next())).toEqual([100, 200, 400, 800, 1000]);
    backoff.reset();
    expect(backoff.next()).toBe(100);
    const jittered = new Backoff({ initialMs: 100, jitter: 0.2 }, () => 1);
    expect(jittered.next()).toBe(110);
    expect(() => new Backoff({ initialMs: 0 })).toThrow(TypeError);
  });
  it('polls each reading on its interval plus jitter, never overlapping itself, and stops', async () => {
    const starts: number[] = [];
    const t0 = Date.now();
    const stop = schedulePolls(
      [{ intervalMs: 100, jitterMs: 50 }],
      async () => {
        starts.push(Date.now() - t0);
        await new Promise((resolve) => setTimeout(resolve, 30));
      },
      () => 1,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    stop();
    const count = starts.length;
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(starts.length).toBe(count);
    expect(starts[0]).toBeGreaterThanOrEqual(45);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(175); // 30 busy + 100 + 50
  });
});

describe('line driver with an echoing device (BenQ RS-232, vectors README)', () => {
  /** A BenQ projector in a few lines: echoes `*pow=?#` before answering `*POW=ON#`. */
  class EchoingProjector extends ByteLink {
    readonly name = 'benq-test';
    readonly isUp = true;
    readonly downReason = undefined;
    start(): void {}
    async stop(): Promise<void> {}
    write(bytes: Buffer | string): void {
      const command = bytes.toString().replace(/\r/g, '');
      const answer =
        command === '*pow=?#'
          ? '*POW=ON#'
          : command === '*ltim=?#'
            ? '*LTIM=1383#'
            : command === '*pow=on#'
              ? '*POW=ON#'
              : '*Illegal format#';
      setTimeout(() => this.emit('data', Buffer.from(`\r\n${command}\r\n${answer}\r\n`)), 5);
    }
  }

  it('skips the echo and reads the answer; the worked example of docs/devices.md', async () => {
    const profile = parseProfile(
      [
        'id: benq-rs232',
        'vendor: BenQ',
        'model: RS-232 projector',
        'category: projector',
        'transport: { serial: { baudRate: 115200 } }',
        'codec: { kind: line, terminator: "#" }',
        'readings:',
        '  - { name: lamp_hours, unit: h, intervalMs: 100, request: "\\r*ltim=?#\\r", parse: { regex: \'\\*LTIM=(\\d+)\' } }',
        'commands:',
        '  - { name: power_on, request: "\\r*pow=on#\\r", reply: { expect: "POW=ON" } }',
        '  - { name: bogus, request: "\\r*bogus#\\r", reply: { expect: "OK" } }',
      ].join('\n'),
      'benq-rs232.yaml',
    );
    const sink = new RecordingSink();
    const driver = new LineDriver({
      device: 'benq',
      profile: profile as LineProfile,
      link: new EchoingProjector(),
      sink,
      log: pino({ level: 'silent' }),
      offlineAfterMisses: 1,
    });
    driver.start();
    await expect.poll(() => sink.values('benq', 'lamp_hours')).toContain(1383);
    await expect(driver.execute('power_on')).resolves.toEqual({ reply: '*POW=ON' });
    await expect(driver.execute('bogus')).rejects.toThrow('"bogus" was refused: "*Illegal format"');
    await driver.stop();
  });
});

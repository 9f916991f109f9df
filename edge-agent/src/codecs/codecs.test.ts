import { type FrameCodec, parseProfile } from '@lophoc/device-profiles';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeChecksum, crc16Modbus, verifyChecksum, withChecksum } from './checksum.js';
import { FrameDecoder } from './frame-decoder.js';
import { readFrameField } from './frame-fields.js';
import { HidKeyboardDecoder, reportsForText } from './hid-keyboard.js';
import { LineDecoder } from './line-decoder.js';
import { extractLineValue, toReadingValue } from './line-parse.js';

const hex = (s: string) => Buffer.from(s.replaceAll(' ', ''), 'hex');

const RDM6300: FrameCodec = {
  kind: 'frame',
  start: '02',
  end: '03',
  length: 14,
  checksum: { kind: 'xor', encoding: 'ascii-hex', over: { from: 1, to: 10 } },
};
const MHZ19: FrameCodec = {
  kind: 'frame',
  start: 'FF',
  length: 9,
  checksum: { kind: 'twos-complement', encoding: 'binary', over: { from: 1, to: 7 } },
};
const RDM_VALID = hex('02 36 37 30 30 33 42 35 31 43 36 43 42 03');
const RDM_BAD = Buffer.from([0x02, ...Buffer.from('68003B51C6CB'), 0x03]);
const MHZ_REPLY = hex('FF 86 01 90 40 00 00 00 A9');
const EPSON = { terminator: '\r', prompt: ':', maxLength: 256, encoding: 'ascii' } as const;

describe('checksums (vectors README)', () => {
  it('CRC-16/MODBUS of the XY-MD02, S8 and sound-level requests', () => {
    expect(crc16Modbus(hex('01 04 00 01 00 02'))).toBe(0x0b20);
    expect(crc16Modbus(hex('FE 04 00 03 00 01'))).toBe(0xc5d5);
    expect(crc16Modbus(hex('01 03 00 00 00 01'))).toBe(0x0a84);
    expect(crc16Modbus(Buffer.from('123456789'))).toBe(0x4b37);
  });
  it('MH-Z19 two’s complement: request 0x79, response 0xA9', () => {
    expect(computeChecksum('twos-complement', hex('01 86 00 00 00 00 00'))).toBe(0x79);
    expect(computeChecksum('twos-complement', hex('86 01 90 40 00 00 00'))).toBe(0xa9);
  });
  it('RDM6300 xor over hex characters: 0xCB', () => {
    expect(computeChecksum('xor', hex('67 00 3B 51 C6'))).toBe(0xcb);
    expect(verifyChecksum(RDM_VALID, RDM6300.checksum!)).toBe(true);
    expect(verifyChecksum(RDM_BAD, RDM6300.checksum!)).toBe(false);
  });
  it('sum, and writing a checksum in place', () => {
    expect(computeChecksum('sum', hex('FF 01 02'))).toBe(0x02);
    const frame = withChecksum(hex('FF 86 01 90 40 00 00 00 00'), MHZ19.checksum!);
    expect(frame).toEqual(MHZ_REPLY);
    const crc = withChecksum(hex('01 04 00 01 00 02 00 00'), { kind: 'crc16-modbus', encoding: 'binary', over: { from: 0, to: 5 } });
    expect(crc).toEqual(hex('01 04 00 01 00 02 20 0B'));
  });
});

describe('frame codec', () => {
  it('decodes the RDM6300 vector to card 67003B51C6 and refuses the bad checksum', () => {
    const decoder = new FrameDecoder(RDM6300);
    expect(decoder.push(RDM_BAD)).toEqual([]);
    const [frame] = decoder.push(RDM_VALID);
    expect(readFrameField(frame!, { byteOffset: 1, length: 10, type: 'ascii', scale: 1, offset: 0 })).toBe('67003B51C6');
    expect(readFrameField(frame!, { byteOffset: 3, length: 8, type: 'ascii-hex', scale: 1, offset: 0 })).toBe(3887558);
    expect(decoder.stats.decoded).toBe(1);
    expect(decoder.stats.errors).toBeGreaterThan(0);
  });
  it('decodes the MH-Z19 vector to 400 ppm, byte by byte', () => {
    const decoder = new FrameDecoder(MHZ19);
    const frames = [...MHZ_REPLY].flatMap((byte) => decoder.push(Buffer.from([byte])));
    expect(frames).toHaveLength(1);
    expect(readFrameField(frames[0]!, { byteOffset: 2, type: 'uint16be', scale: 1, offset: 0 })).toBe(400);
  });
  it('finds a frame after noise and a half frame', () => {
    const decoder = new FrameDecoder(RDM6300);
    const frames = decoder.push(Buffer.concat([hex('00 03 02 36 37'), RDM_VALID.subarray(0, 6), RDM_VALID]));
    expect(frames).toEqual([RDM_VALID]);
  });
  it('reads every numeric field type', () => {
    const frame = hex('01 FF FE 00 00 80 3F 41 F4 00 00');
    const field = (byteOffset: number, type: Parameters<typeof readFrameField>[1]['type']) =>
      readFrameField(frame, { byteOffset, type, scale: 1, offset: 0 });
    expect(field(1, 'uint8')).toBe(255);
    expect(field(1, 'int8')).toBe(-1);
    expect(field(1, 'int16be')).toBe(-2);
    expect(field(3, 'float32le')).toBe(1);
    expect(field(7, 'float32be')).toBe(30.5);
    expect(() => field(9, 'uint32be')).toThrow('runs past the end of a 11-byte frame');
  });

  const profiles = [RDM6300, MHZ19];
  const validFrames = [RDM_VALID, MHZ_REPLY];
  it.each(profiles.map((codec, i) => [codec.start, codec, validFrames[i]!] as const))(
    'start %s: random bytes never crash and never yield a frame with a bad checksum',
    (_, codec) => {
      fc.assert(
        fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 20 }), (chunks) => {
          const decoder = new FrameDecoder(codec);
          for (const chunk of chunks) {
            for (const frame of decoder.push(chunk)) {
              expect(verifyChecksum(frame, codec.checksum!)).toBe(true);
              expect(frame.length).toBe(codec.length);
            }
          }
        }),
        { numRuns: 300 },
      );
    },
  );
  it.each(profiles.map((codec, i) => [codec.start, codec, validFrames[i]!] as const))(
    'start %s: frames interleaved with noise, any chunking: every whole frame is found, noise counted',
    (_, codec, valid) => {
      const startByte = valid[0]!;
      const noise = fc.uint8Array({ minLength: 1, maxLength: 6 }).map((bytes) => Buffer.from(bytes.filter((b) => b !== startByte)));
      fc.assert(
        fc.property(
          fc.array(fc.oneof(fc.constant(valid), noise), { maxLength: 12 }),
          fc.integer({ min: 1, max: 7 }),
          (pieces, chunkSize) => {
            const stream = Buffer.concat(pieces);
            const decoder = new FrameDecoder(codec);
            const frames: Buffer[] = [];
            for (let i = 0; i < stream.length; i += chunkSize) frames.push(...decoder.push(stream.subarray(i, i + chunkSize)));
            expect(frames).toEqual(pieces.filter((p) => p === valid));
            const noisy = pieces.some((p) => p !== valid && p.length > 0);
            if (noisy) expect(decoder.stats.errors).toBeGreaterThan(0);
          },
        ),
        { numRuns: 300 },
      );
    },
  );
  it.each(profiles.map((codec, i) => [codec.start, codec, validFrames[i]!] as const))(
    'start %s: truncated frames and random bytes: only checksum-valid frames come out, and the next whole frame is not lost',
    (_, codec, valid) => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: valid.length - 1 }), fc.integer({ min: 1, max: 7 }), (cut, chunkSize) => {
          // A frame cut short (cable pulled, reader moved away), then a whole one.
          const stream = Buffer.concat([valid.subarray(0, cut), valid]);
          const decoder = new FrameDecoder(codec);
          const frames: Buffer[] = [];
          for (let i = 0; i < stream.length; i += chunkSize) frames.push(...decoder.push(stream.subarray(i, i + chunkSize)));
          expect(frames).toEqual([valid]);
          expect(decoder.stats.errors).toBeGreaterThan(0);
        }),
        { numRuns: 200 },
      );
      // With random bytes an 8-bit checksum matches by chance once in 256 candidates (no decoder can tell those
      // from real frames), so the guarantee is: nothing comes out that fails the end, length or checksum check.
      fc.assert(
        fc.property(
          fc.array(
            fc.oneof(
              fc.constant(valid),
              fc.integer({ min: 1, max: valid.length - 1 }).map((n) => valid.subarray(0, n)),
              fc.uint8Array({ maxLength: 8 }).map(Buffer.from),
            ),
            { maxLength: 12 },
          ),
          (pieces) => {
            const decoder = new FrameDecoder(codec);
            for (const frame of decoder.push(Buffer.concat(pieces))) {
              expect(frame.length).toBe(codec.length);
              expect(verifyChecksum(frame, codec.checksum!)).toBe(true);
            }
          },
        ),
        { numRuns: 300 },
      );
    },
  );
});

describe('line codec', () => {
  it('reads the Epson replies: PWR=01\\r: and the bare ":" of a set', () => {
    const decoder = new LineDecoder(EPSON);
    expect(decoder.push(Buffer.from('PWR=01\r:'))).toEqual([{ kind: 'line', text: 'PWR=01' }, { kind: 'prompt' }]);
    expect(decoder.push(Buffer.from(':'))).toEqual([{ kind: 'prompt' }]);
    expect(decoder.push(Buffer.from('ERR\r'))).toEqual([{ kind: 'line', text: 'ERR' }]);
    expect(decoder.push(Buffer.from(':LAMP=12'))).toEqual([{ kind: 'prompt' }]);
    expect(decoder.push(Buffer.from('34\r:'))).toEqual([{ kind: 'line', text: 'LAMP=1234' }, { kind: 'prompt' }]);
  });
  it('drops an overlong line up to its terminator, counting one error', () => {
    const decoder = new LineDecoder({ ...EPSON, maxLength: 8 });
    expect(decoder.push(Buffer.from('AAAAAAAAAAAAAAAA'))).toEqual([]);
    expect(decoder.push(Buffer.from('AAAA\rPWR=01\r'))).toEqual([{ kind: 'line', text: 'PWR=01' }]);
    expect(decoder.stats.errors).toBe(1);
  });
  it('parses values with regex, keyValue and maps', () => {
    expect(extractLineValue('PWR=01\r:', { regex: 'PWR=(\\d\\d)' })).toBe('01');
    expect(extractLineValue('LAMP=1234', { keyValue: 'LAMP' })).toBe('1234');
    expect(extractLineValue('XLAMP=1', { keyValue: 'LAMP' })).toBeUndefined();
    expect(extractLineValue('%1POWR=ERR3', { regex: '%1POWR=(\\d)$' })).toBeUndefined();
    expect(toReadingValue('01')).toBe(1);
    expect(toReadingValue('ERR')).toBeUndefined();
    expect(toReadingValue('31', { '31': 3 })).toBe(3);
    expect(toReadingValue('99', { '31': 3 })).toBeUndefined();
  });
  it('random and interleaved bytes: no crash, no token longer than maxLength, no terminator inside a line', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.uint8Array({ maxLength: 30 }), fc.constantFrom(...['PWR=01\r:', ':', 'ERR\r', '\r'].map((s) => Buffer.from(s)))),
        ),
        (chunks) => {
          const decoder = new LineDecoder({ ...EPSON, maxLength: 16 });
          for (const chunk of chunks) {
            for (const token of decoder.push(chunk)) {
              if (token.kind === 'line') {
                expect(token.text.length).toBeLessThanOrEqual(16);
                expect(token.text).not.toContain('\r');
                expect(token.text.length).toBeGreaterThan(0);
              }
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
  // A streamed reading (profile reading without a request): every line its parse matches is a reading.
  const streamedValue = (decoder: LineDecoder, chunk: Uint8Array) =>
    decoder
      .push(chunk)
      .map((token) => (token.kind === 'line' ? extractLineValue(token.text, { regex: '^T=(-?\\d+\\.\\d)$' }) : undefined))
      .filter((raw) => raw !== undefined)
      .map((raw) => toReadingValue(raw));
  const SENSOR = { terminator: '\n', maxLength: 32, encoding: 'ascii' } as const;
  it('streamed readings: a stream of lines cut anywhere gives every value once, in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -999, max: 999 }), { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (tenths, cuts) => {
          const bytes = Buffer.from(tenths.map((t) => `T=${(t / 10).toFixed(1)}\n`).join(''));
          const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const decoder = new LineDecoder(SENSOR);
          const values: (number | undefined)[] = [];
          let from = 0;
          for (const to of [...at, bytes.length]) {
            values.push(...streamedValue(decoder, bytes.subarray(from, to)));
            from = to;
          }
          expect(values).toEqual(tenths.map((t) => Number((t / 10).toFixed(1))));
        },
      ),
      { numRuns: 300 },
    );
  });
  it('streamed readings: random bytes between the lines never make a reading that was not sent', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.uint8Array({ maxLength: 20 }), fc.constantFrom('T=21.5\n', 'T=-3.0\n', '\n'))), (chunks) => {
        const decoder = new LineDecoder(SENSOR);
        for (const chunk of chunks) {
          for (const value of streamedValue(decoder, typeof chunk === 'string' ? Buffer.from(chunk) : chunk)) {
            expect([21.5, -3]).toContain(value);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('hid-keyboard codec', () => {
  const codec = { terminator: 'enter', burstGapMs: 50, debounceMs: 1000 } as const;
  const type = (decoder: HidKeyboardDecoder, reports: Buffer[], start: number, stepMs = 4) =>
    reports.flatMap((report, i) => decoder.push(report, start + i * stepMs));

  it('types the vector: key codes 27 27 27 20 25 25 24 22 22 25 28 → 0003887558', () => {
    const reports = [0x27, 0x27, 0x27, 0x20, 0x25, 0x25, 0x24, 0x22, 0x22, 0x25, 0x28].flatMap((usage) => [
      Buffer.from([0, 0, usage, 0, 0, 0, 0, 0]),
      Buffer.alloc(8),
    ]);
    expect(type(new HidKeyboardDecoder(codec), reports, 0)).toEqual(['0003887558']);
    expect(reportsForText('0003887558\n')).toEqual(reports);
  });
  it('applies Shift, debounces a repeat and abandons a scan interrupted by a pause', () => {
    const decoder = new HidKeyboardDecoder(codec);
    expect(type(decoder, reportsForText('Ab-C/9?\n'), 0)).toEqual(['Ab-C/9?']);
    expect(type(decoder, reportsForText('Ab-C/9?\n'), 500)).toEqual([]);
    expect(decoder.stats.repeats).toBe(1);
    expect(type(decoder, reportsForText('Ab-C/9?\n'), 5000)).toEqual(['Ab-C/9?']);
    expect(type(decoder, reportsForText('12'), 9000)).toEqual([]);
    expect(type(decoder, reportsForText('34\n'), 9200)).toEqual(['34']);
    expect(decoder.stats.errors).toBe(1);
  });
  it('ends a scan on a pause when the reader types no terminator', () => {
    const decoder = new HidKeyboardDecoder({ ...codec, terminator: 'none' });
    expect(type(decoder, reportsForText('QR1'), 0)).toEqual([]);
    expect(decoder.flush(10)).toBeUndefined();
    expect(decoder.flush(200)).toBe('QR1');
  });
  it('random reports: no crash, scans only hold typeable characters', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.uint8Array({ minLength: 0, maxLength: 9 }), fc.nat(100))), (reports) => {
        const decoder = new HidKeyboardDecoder(codec);
        let now = 0;
        for (const [report, gap] of reports) {
          now += gap;
          for (const scan of decoder.push(report, now)) expect(scan).toMatch(/^[\x20-\x7e]+$/);
        }
      }),
      { numRuns: 300 },
    );
  });
  it('truncated and interleaved scans never produce a value that was not typed whole', () => {
    const scans = ['0003887558', 'LH-2026-0001'];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...scans), fc.boolean(), fc.nat(200))), (plan) => {
        const decoder = new HidKeyboardDecoder({ ...codec, debounceMs: 0 });
        let now = 0;
        for (const [text, whole, pause] of plan) {
          now += pause;
          const reports = reportsForText(whole ? `${text}\n` : text.slice(0, 4));
          for (const scan of type(decoder, reports, now)) expect(scans).toContain(scan);
          // A reader that stops mid-scan falls silent; without that pause no decoder could tell two scans apart.
          now += reports.length * 4 + (whole ? 0 : codec.burstGapMs + 10);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('shipped profiles parse with their codecs', () => {
  it('accepts a frame profile built in the test', () => {
    const profile = parseProfile(
      'id: t\nvendor: v\nmodel: m\ncategory: sensor\ntransport: {serial: {}}\ncodec: {kind: frame, start: FF, length: 9}\nreadings: [{name: co2, request: FF 01 86 00 00 00 00 00 79, parse: {byteOffset: 2, type: uint16be}}]\n',
      't.yaml',
    );
    expect(profile.codec.kind).toBe('frame');
  });
});

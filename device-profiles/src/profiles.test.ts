import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { hexToBytes, isFrameParse } from './fields.js';
import { loadProfiles, PROFILES_DIR } from './loader.js';
import { type FrameCodec, isFrameProfile, isModbusProfile, type ModbusReading, type Profile } from './schema.js';

// The shipped profiles checked against the byte vectors they cite (vectors README). The codecs themselves
// live in edge-agent; these few lines of arithmetic only confirm the profiles describe the vectors.

let profiles: Map<string, Profile>;
beforeAll(async () => {
  profiles = await loadProfiles();
});

function get(id: string): Profile {
  const profile = profiles.get(id);
  if (!profile) throw new Error(`no profile ${id}`);
  return profile;
}

/** Modbus RTU CRC16 (vectors README "Modbus RTU"): init 0xFFFF, reflected poly 0xA001, low byte first. */
function crc16(bytes: readonly number[]): number[] {
  let crc = 0xffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return [crc & 0xff, crc >>> 8];
}

const FUNCTION_CODES = { coil: 1, discrete: 2, holding: 3, input: 4 } as const;

/** The read request for readings at contiguous registers, as an RTU master sends it. */
function readRequest(unitId: number, readings: ModbusReading[]): number[] {
  const first = readings[0]!.modbus;
  const count = readings.reduce((sum, r) => sum + (r.modbus.type.endsWith('16') ? 1 : 2), 0);
  const pdu = [unitId, FUNCTION_CODES[first.function], first.address >> 8, first.address & 0xff, count >> 8, count & 0xff];
  return [...pdu, ...crc16(pdu)];
}

function registerValue(word: number, modbus: ModbusReading['modbus']): number {
  const raw = modbus.type === 'int16' && word & 0x8000 ? word - 0x10000 : word;
  return Math.round((raw * modbus.scale + modbus.offset) * 1e6) / 1e6;
}

function frameChecksum(frame: readonly number[], codec: FrameCodec): number[] {
  const checksum = codec.checksum!;
  let covered = frame.slice(checksum.over!.from, checksum.over!.to + 1);
  if (checksum.encoding === 'ascii-hex') covered = hexToBytes(String.fromCharCode(...covered));
  const sum = covered.reduce((acc, byte) => (checksum.kind === 'xor' ? acc ^ byte : acc + byte), 0) & 0xff;
  const value = checksum.kind === 'twos-complement' ? (0x100 - sum) & 0xff : sum;
  return checksum.encoding === 'ascii-hex' ? [...value.toString(16).toUpperCase().padStart(2, '0')].map((c) => c.charCodeAt(0)) : [value];
}

describe('shipped profiles', () => {
  it('all load, one per file', async () => {
    const files = (await readdir(PROFILES_DIR)).filter((name) => name.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(5);
    expect([...profiles.keys()].sort()).toEqual(files.map((name) => name.replace('.yaml', '')).sort());
  });

  it.each(['xy-md02', 'senseair-s8', 'sound-level-rs485', 'epson-escvp21', 'rdm6300', 'mh-z19'])(
    '%s names its schema and sources',
    async (id) => {
      const text = await readFile(join(PROFILES_DIR, `${id}.yaml`), 'utf8');
      expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../profile.schema.json');
      expect(get(id).docs.length).toBeGreaterThan(0);
    },
  );
});

describe('xy-md02 (vector: 01 04 00 01 00 02 20 0B → 01 04 04 01 31 02 22 2A CE)', () => {
  it('reads both registers in the vector request', () => {
    const profile = get('xy-md02');
    if (!isModbusProfile(profile)) throw new Error('not modbus');
    expect(profile.transport.serial).toEqual({ baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1, rs485: true });
    expect(readRequest(profile.codec.unitId, profile.readings)).toEqual(hexToBytes('01 04 00 01 00 02 20 0B'));
  });
  it('decodes the vector response to 30.5 °C and 54.6 %RH, and 0xFF33 to −20.5 °C', () => {
    const profile = get('xy-md02');
    if (!isModbusProfile(profile)) throw new Error('not modbus');
    const [temperature, humidity] = profile.readings;
    expect(crc16(hexToBytes('01 04 04 01 31 02 22'))).toEqual([0x2a, 0xce]);
    expect(registerValue(0x0131, temperature!.modbus)).toBe(30.5);
    expect(registerValue(0x0222, humidity!.modbus)).toBe(54.6);
    expect(registerValue(0xff33, temperature!.modbus)).toBe(-20.5);
    expect([temperature!.unit, humidity!.unit]).toEqual(['°C', '%RH']);
  });
});

describe('other Modbus sensors', () => {
  it.each([
    ['senseair-s8', 'FE 04 00 03 00 01 D5 C5', 0x0190, 400],
    ['sound-level-rs485', '01 03 00 00 00 01 84 0A', 0x021c, 54],
  ])('%s sends %s and decodes %i to %d', (id, request, word, value) => {
    const profile = get(id);
    if (!isModbusProfile(profile)) throw new Error('not modbus');
    expect(readRequest(profile.codec.unitId, profile.readings)).toEqual(hexToBytes(request));
    expect(registerValue(word, profile.readings[0]!.modbus)).toBe(value);
  });
});

describe('frame profiles', () => {
  it('rdm6300 matches the vector frame and its checksum, and refuses the bad one', () => {
    const profile = get('rdm6300');
    if (!isFrameProfile(profile)) throw new Error('not frame');
    const frame = hexToBytes('02 36 37 30 30 33 42 35 31 43 36 43 42 03');
    expect(frame.length).toBe(profile.codec.length);
    expect(frame[0]).toBe(hexToBytes(profile.codec.start)[0]);
    expect(frame.at(-1)).toBe(hexToBytes(profile.codec.end!)[0]);
    expect(frameChecksum(frame, profile.codec)).toEqual(frame.slice(11, 13)); // "CB"
    const tampered = [...frame];
    tampered[2] = '8'.charCodeAt(0); // ASCII 68003B51C6CB, the vector's invalid frame
    expect(frameChecksum(tampered, profile.codec)).not.toEqual(tampered.slice(11, 13));
    const parse = profile.events[0]!.parse!;
    if (!isFrameParse(parse)) throw new Error('not a frame parse');
    expect(String.fromCharCode(...frame.slice(parse.byteOffset, parse.byteOffset + parse.length!))).toBe('67003B51C6');
  });

  it('mh-z19 sends the vector request and decodes the vector response to 400 ppm', () => {
    const profile = get('mh-z19');
    if (!isFrameProfile(profile)) throw new Error('not frame');
    const request = hexToBytes(profile.readings[0]!.request);
    expect(request).toEqual(hexToBytes('FF 01 86 00 00 00 00 00 79'));
    expect(frameChecksum(request, profile.codec)).toEqual([0x79]);
    const response = hexToBytes('FF 86 01 90 40 00 00 00 A9');
    expect(frameChecksum(response, profile.codec)).toEqual([0xa9]);
    const parse = profile.readings[0]!.parse;
    expect(parse.type).toBe('uint16be');
    expect(response[parse.byteOffset]! * 256 + response[parse.byteOffset + 1]!).toBe(400);
  });
});

describe('epson-escvp21 (vector: PWR?\\r → PWR=01\\r:)', () => {
  it('parses the vector replies and acknowledges sets with ":"', () => {
    const profile = get('epson-escvp21');
    expect(profile.codec).toMatchObject({ kind: 'line', terminator: '\r', prompt: ':' });
    const byName = new Map(profile.readings.map((reading) => [reading.name, reading]));
    const match = (name: string, reply: string) => new RegExp((byName.get(name)!.parse as { regex: string }).regex).exec(reply)?.[1];
    expect(byName.get('power')!.request).toBe('PWR?\r');
    expect(match('power', 'PWR=01\r:')).toBe('01');
    expect(match('lamp_hours', 'LAMP=1234\r:')).toBe('1234');
    const powerOn = profile.commands.find((command) => command.name === 'power_on')!;
    expect(powerOn.request).toBe('PWR ON\r');
    expect(new RegExp(powerOn.reply!.expect).test(':')).toBe(true);
    expect(new RegExp(powerOn.reply!.expect).test('ERR\r:')).toBe(false);
    expect(powerOn.timeoutMs).toBeGreaterThan(40_000); // PWR ON may take ~40 s before its ":"
  });
});

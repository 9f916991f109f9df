import { describe, expect, it } from 'vitest';
import { type ProfileInput, profileSchema } from './schema.js';

const modbus: ProfileInput = {
  id: 'th',
  vendor: 'Test',
  model: 'TH',
  category: 'sensor',
  transport: { serial: {} },
  codec: { kind: 'modbus-rtu' },
  readings: [{ name: 'temperature', modbus: { function: 'input', address: 1 } }],
};
const line: ProfileInput = {
  ...modbus,
  category: 'projector',
  codec: { kind: 'line', terminator: '\r' },
  readings: [{ name: 'power', request: 'PWR?\r', parse: { regex: 'PWR=(\\d\\d)' } }],
};
const frame: ProfileInput = {
  ...modbus,
  codec: { kind: 'frame', start: 'FF', length: 9, checksum: { kind: 'twos-complement', over: { from: 1, to: 7 } } },
  readings: [{ name: 'co2', request: 'FF 01 86 00 00 00 00 00 79', parse: { byteOffset: 2, type: 'uint16be' } }],
};
const keyboard: ProfileInput = {
  ...modbus,
  category: 'card-reader',
  transport: { hid: {} },
  codec: { kind: 'hid-keyboard' },
  readings: [],
  events: [{ name: 'card', parse: { regex: '^(\\d{10})$' } }],
};

/** The issues of an invalid profile, as `path: message`. */
function issues(value: unknown): string[] {
  const result = profileSchema.safeParse(value);
  if (result.success) return [];
  return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('profileSchema', () => {
  it.each([
    ['modbus', modbus],
    ['line', line],
    ['frame', frame],
    ['hid-keyboard', keyboard],
  ])('accepts a minimal %s profile', (_, profile) => {
    expect(issues(profile)).toEqual([]);
  });

  it('accepts a reserved Modbus address (Senseair S8 answers 0xFE) but not 256', () => {
    expect(issues({ ...modbus, codec: { kind: 'modbus-rtu', unitId: 0xfe } })).toEqual([]);
    expect(issues({ ...modbus, codec: { kind: 'modbus-rtu', unitId: 256 } })).toEqual([
      'codec.unitId: Too big: expected number to be <=255',
    ]);
  });

  it('wants exactly one transport, and one the codec runs over', () => {
    expect(issues({ ...modbus, transport: {} })).toEqual(['transport: give exactly one of serial, tcp, udp, hid']);
    expect(issues({ ...modbus, transport: { serial: {}, tcp: { port: 502 } } })).toContain(
      'transport: give exactly one of serial, tcp, udp, hid',
    );
    expect(issues({ ...modbus, transport: { tcp: { port: 502 } } })).toEqual([
      'transport.tcp: the modbus-rtu codec runs over serial, not tcp',
    ]);
    expect(issues({ ...line, transport: { hid: {} } })).toEqual(['transport.hid: the line codec runs over serial, tcp or udp, not hid']);
    expect(issues({ ...modbus, transport: { serial: { dataBits: 9 } } })).toEqual([
      'transport.serial.dataBits: Invalid option: expected one of 5|6|7|8',
    ]);
  });

  it('matches each reading source to the codec, naming the reading', () => {
    expect(issues({ ...modbus, readings: [{ name: 'temperature', request: 'T?', modbus: { function: 'input', address: 1 } }] })).toEqual([
      'readings.0.request: reading "temperature": a modbus-rtu reading takes its value from modbus, not request',
    ]);
    expect(issues({ ...modbus, readings: [{ name: 'temperature' }] })).toEqual([
      'readings.0.modbus: reading "temperature": a modbus-rtu reading needs modbus: {function, address}',
    ]);
    expect(issues({ ...line, readings: [{ name: 'power', request: 'PWR?\r', parse: { byteOffset: 1, type: 'uint8' } }] })).toEqual([
      'readings.0.parse: reading "power": a line value is parsed with regex or keyValue, not byteOffset',
    ]);
    expect(issues({ ...frame, readings: [{ name: 'co2', request: 'FF 01', parse: { regex: '(\\d+)' } }] })).toEqual([
      'readings.0.parse: reading "co2": a frame is parsed with {byteOffset, type}, not regex',
    ]);
    expect(issues({ ...keyboard, readings: [{ name: 'x', request: 'x', parse: { regex: '(x)' } }] })).toEqual([
      'readings.0: reading "x": a hid-keyboard device only types, so it has events, not readings',
    ]);
  });

  it('checks frame readings against the frame', () => {
    const reading = (parse: object, request = 'FF 01 86 00 00 00 00 00 79') => ({ ...frame, readings: [{ name: 'co2', request, parse }] });
    expect(issues(reading({ byteOffset: 8, type: 'uint16be' }))).toEqual([
      'readings.0.parse.byteOffset: a 2-byte field at 8 runs past the end of a 9-byte frame',
    ]);
    expect(issues(reading({ byteOffset: 1, type: 'ascii', length: 2 }))).toEqual([
      'readings.0.parse.type: reading "co2": a reading is a number; ascii fields are for events',
    ]);
    expect(issues(reading({ byteOffset: 1, type: 'ascii-hex' }))).toEqual(['readings.0.parse: ascii-hex fields need a length']);
    expect(issues(reading({ byteOffset: 1, type: 'uint16be', length: 4 }))).toEqual([
      'readings.0.parse.length: uint16be fields are 2 bytes long',
    ]);
    expect(issues(reading({ byteOffset: 2, type: 'uint16be' }, 'FF 1'))).toEqual([
      'readings.0.request: a frame request must be hex bytes, e.g. "FF 01 86 00 00 00 00 00 79"',
    ]);
  });

  it('checks the frame codec itself', () => {
    const codec = (extra: object) => ({ ...frame, codec: { kind: 'frame', start: '02', ...extra } });
    expect(issues(codec({}))).toEqual(['codec: a frame needs an end, a length or both']);
    expect(issues(codec({ end: '03', checksum: { kind: 'xor' } }))).toEqual(['codec.checksum: xor checksums need over: {from, to}']);
    expect(issues(codec({ length: 9, checksum: { kind: 'sum', over: { from: 5, to: 9 } } }))).toEqual([
      'codec.checksum.over.to: is past the end of a 9-byte frame',
    ]);
    expect(issues(codec({ length: 9, checksum: { kind: 'sum', over: { from: 5, to: 4 } } }))).toEqual([
      'codec.checksum.over.to: must not be before from',
    ]);
    expect(issues(codec({ start: 2, length: 9 }))).toEqual(['codec.start: Invalid input: expected string, received number']);
    expect(issues(codec({ length: 9, checksum: { kind: 'crc16-modbus', over: { from: 1, to: 7 } } }))).toEqual([
      'codec.checksum.over.to: leaves no room for the 2-byte crc16-modbus value in a 9-byte frame',
    ]);
    expect(issues(codec({ end: '03', length: 14, checksum: { kind: 'xor', encoding: 'ascii-hex', over: { from: 1, to: 11 } } }))).toEqual([
      'codec.checksum.over.to: leaves no room for the 2-byte xor value and the end bytes in a 14-byte frame',
      'codec.checksum.over: ascii-hex checksums cover an even number of hex characters',
    ]);
    expect(issues(codec({ start: '02 02', end: '03 03', length: 3 }))).toContain(
      'codec.length: is shorter than the start and end bytes (4)',
    );
  });

  it('refuses contradictory timings', () => {
    expect(issues({ ...line, readings: [{ ...line.readings![0]!, intervalMs: 1000, jitterMs: 1000 }] })).toEqual([
      'readings.0.jitterMs: must be below intervalMs (1000): jitter spreads polls, it cannot exceed their period',
    ]);
  });

  it('checks Modbus registers', () => {
    const reading = (source: object) => ({ ...modbus, readings: [{ name: 'x', modbus: { function: 'input', address: 1, ...source } }] });
    expect(issues(reading({ function: 'coil', type: 'float32' }))).toEqual([
      'readings.0.modbus.type: a coil is one bit; use int16 or uint16',
    ]);
    expect(issues(reading({ address: 65535, type: 'uint32' }))).toEqual([
      'readings.0.modbus.address: uint32 values need two registers; 65535 is the last',
    ]);
    expect(issues(reading({ address: 65536 }))).toEqual(['readings.0.modbus.address: Too big: expected number to be <=65535']);
  });

  it('checks regular expressions', () => {
    const parse = (regex: string) => ({ ...line, readings: [{ name: 'power', request: 'PWR?\r', parse: { regex } }] });
    expect(issues(parse('PWR=(\\d\\d'))[0]).toMatch(/^readings\.0\.parse\.regex: is not a valid regular expression/);
    expect(issues(parse('PWR=(\\d)(\\d)'))).toEqual(['readings.0.parse.regex: must have exactly 1 capture group, found 2']);
    expect(issues(parse('PWR=(?:\\d)(?<code>\\d)'))).toEqual([]);
  });

  it('keeps names unique and well-formed', () => {
    const reading = line.readings![0]!;
    expect(issues({ ...line, readings: [reading, reading] })).toEqual(['readings.1.name: duplicate reading name "power"']);
    expect(issues({ ...line, readings: [{ ...reading, name: 'Power' }] })).toEqual([
      'readings.0.name: must be snake_case, starting with a letter',
    ]);
    expect(issues({ ...keyboard, events: [{ name: 'card' }, { name: 'card' }] })).toEqual(['events.1.name: duplicate event name "card"']);
  });

  it('checks command requests against their params and the codec', () => {
    const command = (extra: object) => ({ ...line, commands: [{ name: 'input', request: 'SOURCE {source}\r', ...extra }] });
    const source = { type: 'enum', values: ['10', '30'] };
    expect(issues(command({ params: { source } }))).toEqual([]);
    expect(issues(command({}))).toEqual(['commands.0.request: command "input": {source} is not one of its params']);
    expect(issues(command({ params: { source, volume: { type: 'integer' } } }))).toEqual([
      'commands.0.params.volume: command "input": parameter volume is not used in the request',
    ]);
    expect(issues(command({ params: { source: { type: 'enum' } } }))).toEqual(['commands.0.params.source: an enum parameter needs values']);
    expect(issues(command({ params: { source: { type: 'string', min: 1 } } }))).toEqual([
      'commands.0.params.source.min: only number and integer parameters take a range',
    ]);
    expect(issues(command({ params: { source: { type: 'integer', min: 2, max: 1 } } }))).toEqual([
      'commands.0.params.source.max: must not be below min',
    ]);
    expect(issues(command({ request: { function: 'holding', address: 1 } }))).toEqual([
      'commands.0.request: command "input": a line command request is a text template, not a Modbus write',
    ]);
  });

  it('checks Modbus writes', () => {
    const write = (extra: object) => ({ ...modbus, commands: [{ name: 'set', request: { function: 'holding', address: 1 }, ...extra }] });
    expect(issues(write({ params: { value: { type: 'integer' } } }))).toEqual([]);
    expect(issues(write({}))).toEqual([
      'commands.0.params: command "set": a write without a fixed value takes exactly one parameter, found 0',
    ]);
    expect(issues(write({ request: { function: 'coil', address: 1, value: 1 } }))).toEqual([]);
    expect(issues(write({ request: 'SET\r' }))).toEqual([
      'commands.0.request: command "set": a modbus-rtu command request is a write: {function, address}',
    ]);
  });

  it('refuses events from Modbus devices, commands to keyboards and empty profiles', () => {
    expect(issues({ ...modbus, events: [{ name: 'alarm' }] })).toEqual([
      'events.0: event "alarm": a modbus-rtu device only answers polls, so it has readings, not events',
    ]);
    expect(issues({ ...keyboard, commands: [{ name: 'beep', request: 'x' }] })).toEqual([
      'commands.0: command "beep": a hid-keyboard device cannot be sent commands',
    ]);
    expect(issues({ ...modbus, readings: [] })).toEqual([': a profile needs at least one reading, event or command']);
  });

  it('refuses unknown fields everywhere', () => {
    expect(issues({ ...modbus, colour: 'blue' })).toEqual([': Unrecognized key: "colour"']);
    expect(issues({ ...modbus, codec: { kind: 'modbus-rtu', baudRate: 9600 } })).toEqual(['codec: Unrecognized key: "baudRate"']);
  });
});

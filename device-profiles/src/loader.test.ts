import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProfileError } from './errors.js';
import { loadProfileFile, loadProfiles, parseProfile } from './loader.js';

const FILE = 'device-profiles/profiles/th-sensor.yaml';

/** Runs parseProfile and returns the ProfileError it throws. */
function refusal(text: string, file = FILE): ProfileError {
  try {
    parseProfile(text, file);
  } catch (error) {
    if (error instanceof ProfileError) return error;
    throw error;
  }
  throw new Error('the profile was accepted');
}

const where = (error: ProfileError) => ({ file: error.file, line: error.line, column: error.column, field: error.field });

const VALID = `id: th-sensor
vendor: Test
model: TH
category: sensor
transport:
  serial: {}
codec:
  kind: modbus-rtu
readings:
  - name: temperature
    unit: °C
    modbus:
      function: input
      address: 1
      type: int16
      scale: 0.1
`;

describe('parseProfile', () => {
  it('accepts a valid profile and fills in the defaults', () => {
    const profile = parseProfile(VALID, FILE);
    expect(profile.transport.serial).toEqual({ baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 });
    expect(profile.codec).toEqual({ kind: 'modbus-rtu', unitId: 1, timeoutMs: 1000, retries: 2 });
    expect(profile.readings[0]).toEqual({
      name: 'temperature',
      unit: '°C',
      intervalMs: 5000,
      modbus: { function: 'input', address: 1, type: 'int16', scale: 0.1, offset: 0, wordOrder: 'big' },
    });
    expect(profile).toMatchObject({ usb: [], docs: [], events: [], commands: [] });
  });

  it('names file, line, column and field in a one-line message', () => {
    const error = refusal(VALID.replace('type: int16', 'type: int8'));
    expect(where(error)).toEqual({ file: FILE, line: 15, column: 13, field: 'readings.0.modbus.type' });
    expect(error.message).toBe(
      `${FILE}:15:13: readings.0.modbus.type: Invalid option: expected one of "int16"|"uint16"|"int32"|"uint32"|"float32"`,
    );
    expect(error.name).toBe('ProfileError');
  });

  it('refuses a value of the wrong type, at the value', () => {
    const error = refusal(VALID.replace('scale: 0.1', 'scale: tenth'));
    expect(where(error)).toMatchObject({ line: 16, column: 14, field: 'readings.0.modbus.scale' });
    expect(error.reason).toBe('Invalid input: expected number, received string');
  });

  it('refuses an unknown field, at its key', () => {
    const error = refusal(VALID.replace('    unit: °C', '    units: °C'));
    expect(where(error)).toMatchObject({ line: 11, column: 5, field: 'readings.0.units' });
    expect(error.reason).toBe('unknown field');
  });

  it('prefers a misspelt field to the missing field it stands for', () => {
    const error = refusal(VALID.replace('      address: 1', '      adress: 1'));
    expect(where(error)).toMatchObject({ line: 14, column: 7, field: 'readings.0.modbus.adress' });
  });

  it('refuses a missing required field, at the parent mapping', () => {
    const error = refusal(VALID.replace('      address: 1\n', ''));
    expect(where(error)).toMatchObject({ line: 12, column: 5, field: 'readings.0.modbus.address' });
    expect(error.reason).toBe('missing required field (expected number)');
    const top = refusal(VALID.replace('vendor: Test\n', ''));
    expect(where(top)).toMatchObject({ line: 1, column: 1, field: 'vendor' });
  });

  it('refuses a bad enum value', () => {
    const error = refusal(VALID.replace('category: sensor', 'category: thermometer'));
    expect(where(error)).toMatchObject({ line: 4, column: 11, field: 'category' });
    expect(error.reason).toMatch(/^Invalid option: expected one of "sensor"\|"card-reader"/);
  });

  it('refuses an unknown codec kind, naming the kinds', () => {
    const error = refusal(VALID.replace('kind: modbus-rtu', 'kind: modbus'));
    expect(where(error)).toMatchObject({ line: 8, column: 9, field: 'codec.kind' });
    expect(error.reason).toMatch(/'modbus-rtu' \| 'modbus-tcp' \| 'line' \| 'frame' \| 'hid-keyboard'/);
  });

  it('reports a YAML syntax error with its position', () => {
    const error = refusal(VALID.replace('  serial: {}', '  serial: {baudRate: 9600'));
    expect(where(error)).toMatchObject({ file: FILE, line: 7, column: 1, field: '' });
    expect(error.message).toMatch(/^device-profiles\/profiles\/th-sensor\.yaml:7:1: YAML: Flow map in block collection/);
    expect(error.message).not.toContain('\n');
  });

  it('refuses a duplicate key', () => {
    const error = refusal(VALID.replace('category: sensor\n', 'category: sensor\ncategory: other\n'));
    expect(where(error)).toMatchObject({ line: 5, column: 1 });
    expect(error.reason).toBe('YAML: Map keys must be unique');
  });

  it('refuses an id that is not the file name', () => {
    const error = refusal(VALID, 'profiles/th-sensor-2.yaml');
    expect(where(error)).toEqual({ file: 'profiles/th-sensor-2.yaml', line: 1, column: 5, field: 'id' });
    expect(error.reason).toBe('"th-sensor" must equal the file name "th-sensor-2"');
  });

  it('refuses a modbus reading in a line profile, naming the reading', () => {
    const text = `id: th-sensor
vendor: Test
model: TH
category: sensor
transport:
  serial: {}
codec:
  kind: line
  terminator: "\\r"
readings:
  - name: temperature
    request: "T?\\r"
    parse: { regex: 'T=(-?\\d+)' }
    modbus:
      function: input
      address: 1
`;
    const error = refusal(text);
    expect(where(error)).toMatchObject({ line: 14, column: 5, field: 'readings.0.modbus' });
    expect(error.reason).toBe('reading "temperature" reads Modbus registers, but the codec is line');
  });

  it('refuses a duplicate reading name, at the second one', () => {
    const text = `${VALID}  - name: temperature
    modbus: { function: input, address: 2 }
`;
    const error = refusal(text);
    expect(where(error)).toMatchObject({ line: 17, column: 11, field: 'readings.1.name' });
    expect(error.reason).toBe('duplicate reading name "temperature"');
  });

  it('refuses a duplicate command name', () => {
    const text = `id: th-sensor
vendor: Test
model: TH
category: projector
transport:
  tcp: { port: 4352 }
codec:
  kind: line
  terminator: "\\r"
commands:
  - name: power_on
    request: "%1POWR 1\\r"
  - name: power_on
    request: "%1POWR 0\\r"
`;
    expect(where(refusal(text))).toMatchObject({ line: 13, column: 11, field: 'commands.1.name' });
  });

  it('refuses text that is not NFC, at the string', () => {
    // "Nhiệt độ" typed with combining marks (NFD), as some Vietnamese input methods do.
    const decomposed = 'Nhiệt độ'.normalize('NFD');
    const error = refusal(VALID.replace('    unit: °C', `    unit: °C\n    description: ${decomposed}`));
    expect(where(error)).toMatchObject({ line: 12, column: 18, field: 'readings.0.description' });
    expect(error.reason).toMatch(/NFC/);
    expect(() => parseProfile(VALID.replace('    unit: °C', '    unit: °C\n    description: Nhiệt độ'), FILE)).not.toThrow();
  });

  it('reports a union by its closest branch, not "Invalid input"', () => {
    const text = `id: th-sensor
vendor: Test
model: TH
category: sensor
transport:
  serial: {}
codec:
  kind: line
  terminator: "\\r"
readings:
  - name: temperature
    request: "T?\\r"
    parse: { regex: 'T=\\d+' }
`;
    const error = refusal(text);
    expect(where(error)).toMatchObject({ line: 13, column: 21, field: 'readings.0.parse.regex' });
    expect(error.reason).toBe('must have exactly 1 capture group, found 0');
  });

  it('refuses an empty file and a null section', () => {
    expect(where(refusal(''))).toMatchObject({ line: 1, column: 1, field: '' });
    expect(refusal('# nothing\n').reason).toMatch(/empty/);
    const error = refusal(VALID.replace('  serial: {}', '  serial:'));
    expect(where(error)).toMatchObject({ line: 6, column: 10, field: 'transport.serial' });
  });

  it('refuses an alias without an anchor', () => {
    const error = refusal(VALID.replace('unit: °C', 'unit: *celsius'));
    expect(where(error)).toMatchObject({ line: 11, column: 11, field: 'readings.0.unit' });
  });

  it('refuses a YAML warning such as an unknown tag', () => {
    expect(refusal(VALID.replace('model: TH', 'model: !device TH')).line).toBe(3);
  });
});

describe('loadProfileFile and loadProfiles', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'profiles-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads every .yaml file by id, in order', async () => {
    await writeFile(join(dir, 'th-sensor.yaml'), VALID);
    await writeFile(join(dir, 'a-sensor.yaml'), VALID.replace('id: th-sensor', 'id: a-sensor'));
    await writeFile(join(dir, 'README.md'), '# not a profile');
    const profiles = await loadProfiles(dir);
    expect([...profiles.keys()]).toEqual(['a-sensor', 'th-sensor']);
    expect(profiles.get('a-sensor')?.readings[0]?.modbus?.scale).toBe(0.1);
  });

  it('names the file of a broken profile', async () => {
    const path = join(dir, 'th-sensor.yaml');
    await writeFile(path, VALID.replace('address: 1', 'address: -1'));
    await expect(loadProfileFile(path)).rejects.toThrow(`${path}:14:16: readings.0.modbus.address: Too small`);
    await expect(loadProfiles(dir)).rejects.toBeInstanceOf(ProfileError);
  });

  it('refuses two profiles with one id in different subfolders', async () => {
    await mkdir(join(dir, 'epson'));
    await mkdir(join(dir, 'generic'));
    await writeFile(join(dir, 'epson', 'th-sensor.yaml'), VALID);
    await writeFile(join(dir, 'generic', 'th-sensor.yaml'), `# yaml-language-server: $schema=../../profile.schema.json\n${VALID}`);
    await expect(loadProfiles(dir)).rejects.toThrow(
      `${join(dir, 'generic', 'th-sensor.yaml')}:2:5: id: "th-sensor" is already the id of ${join(dir, 'epson', 'th-sensor.yaml')}`,
    );
  });

  it('refuses a .yml file rather than skipping it', async () => {
    await writeFile(join(dir, 'th-sensor.yml'), VALID);
    await expect(loadProfiles(dir)).rejects.toThrow(/th-sensor\.yml:1:1: profiles are named <id>\.yaml/);
  });
});

describe('bad device facts are refused at load with file, line and field (issue #3)', () => {
  const mhz19 = (codecLines: string, readingExtra = '') =>
    [
      'id: co2',
      'vendor: Winsen',
      'model: MH-Z19',
      'category: sensor',
      'transport: { serial: {} }',
      'codec:',
      '  kind: frame',
      '  start: FF',
      codecLines,
      'readings:',
      '  - name: co2',
      `    request: FF 01 86 00 00 00 00 00 79${readingExtra}`,
      '    parse: { byteOffset: 2, type: uint16be }',
      '',
    ].join('\n');
  it('an impossible checksum', () => {
    expect(() => parseProfile(mhz19('  length: 9\n  checksum: { kind: crc16-modbus, over: { from: 1, to: 7 } }'), 'co2.yaml')).toThrow(
      /^co2\.yaml:10:\d+: codec\.checksum\.over\.to: leaves no room for the 2-byte crc16-modbus value in a 9-byte frame/,
    );
  });
  it('an unknown codec', () => {
    expect(() => parseProfile(mhz19('  length: 9').replace('kind: frame', 'kind: framed'), 'co2.yaml')).toThrow(
      /^co2\.yaml:7:\d+: codec\.kind: /,
    );
  });
  it('contradictory timings', () => {
    expect(() => parseProfile(mhz19('  length: 9', '\n    intervalMs: 1000\n    jitterMs: 5000'), 'co2.yaml')).toThrow(
      /^co2\.yaml:14:\d+: readings\.0\.jitterMs: must be below intervalMs \(1000\)/,
    );
  });
});

describe('streamed line readings (no request: the device sends them unasked)', () => {
  const sensor = (reading: string, codec = 'line') =>
    [
      'id: t-sensor',
      'vendor: Test',
      'model: T',
      'category: sensor',
      'transport: { serial: {} }',
      'codec:',
      `  kind: ${codec}`,
      codec === 'line' ? '  terminator: "\\n"' : '  start: "02"\n  length: 4',
      'readings:',
      '  - name: temperature',
      reading,
      '',
    ].join('\n');

  it('are accepted with a regex or keyValue parse, and have no request', () => {
    const profile = parseProfile(sensor("    parse: { regex: '^T=(-?\\d+\\.\\d)$' }"), 't-sensor.yaml');
    expect(profile.readings[0]).toMatchObject({ name: 'temperature', parse: { regex: '^T=(-?\\d+\\.\\d)$' } });
    expect(profile.readings[0]!.request).toBeUndefined();
    expect(parseProfile(sensor('    parse: { keyValue: T }'), 't-sensor.yaml').readings[0]!.parse).toEqual({ keyValue: 'T' });
  });

  it('still need a parse, which selects their lines', () => {
    expect(() => parseProfile(sensor('    unit: °C'), 't-sensor.yaml')).toThrow(
      /^t-sensor\.yaml:10:\d+: readings\.0\.parse: reading "temperature": a line reading needs parse/,
    );
  });

  it('refuse jitterMs (they are not polled), at the field', () => {
    expect(() => parseProfile(sensor('    parse: { keyValue: T }\n    jitterMs: 100'), 't-sensor.yaml')).toThrow(
      /^t-sensor\.yaml:12:\d+: readings\.0\.jitterMs: reading "temperature" has no request, so it is streamed, not polled: jitterMs does not apply/,
    );
  });

  it('are for line codecs only: a frame reading without a request is refused', () => {
    expect(() => parseProfile(sensor('    parse: { byteOffset: 1, type: uint8 }', 'frame'), 't-sensor.yaml')).toThrow(
      /^t-sensor\.yaml:11:\d+: readings\.0\.request: reading "temperature": a frame reading needs a request \(streamed readings are for line codecs\)/,
    );
  });
});

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROFILES_DIR } from '@lophoc/device-profiles';
import { openPtyPair, type PtyPair, startXyMd02, withCrc } from '@lophoc/simulators';
import pino from 'pino';
import { SerialPort } from 'serialport';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bindProfiles } from '../agent.js';
import { parseGatewayConfig } from '../config.js';
import { type DeviceSet, openDeviceSet } from '../device-set.js';
import { CommandError } from '../drivers/driver.js';
import { RecordingSink } from '../test-support/recording-sink.js';

const log = pino({ level: 'silent' });

/**
 * The shipped XY-MD02 profile with write commands on its documented holding registers (0x0103 temperature
 * correction, signed ×0.1 °C; 0x0102 baud-rate code), polled every 100 ms.
 */
async function xyMd02WithCommands(dir: string): Promise<string> {
  const shipped = await readFile(join(PROFILES_DIR, 'xy-md02.yaml'), 'utf8');
  const profiles = join(dir, 'profiles');
  await mkdir(profiles, { recursive: true });
  await writeFile(
    join(profiles, 'xy-md02.yaml'),
    [
      shipped.replaceAll('intervalMs: 5000', 'intervalMs: 100'),
      'commands:',
      '  - name: set_temperature_correction',
      '    params: { celsius: { type: number, min: -10, max: 10 } }',
      '    request: { function: holding, address: 0x0103, type: int16, scale: 0.1 }',
      // Wider than the device accepts (0..2), so the device itself refuses 5.
      '  - name: set_baud_code',
      '    params: { code: { type: integer, min: 0, max: 9 } }',
      '    request: { function: holding, address: 0x0102 }',
      // Two words in one request (function 16): temperature correction (high word), humidity correction (low word).
      '  - name: set_corrections',
      '    params: { raw: { type: integer, min: 0, max: 4294967295 } }',
      '    request: { function: holding, address: 0x0103, type: uint32 }',
      '',
    ].join('\n'),
  );
  return profiles;
}

describe('Modbus write commands through the real driver, over a pty', () => {
  let dir: string;
  let pty: PtyPair;
  let devices: DeviceSet | undefined;
  const sink = new RecordingSink();

  const open = async () => {
    const config = parseGatewayConfig({
      site: 's',
      node: 'n',
      mqtt: { url: 'mqtt://127.0.0.1:1' },
      dataDir: dir,
      devices: [{ id: 'th-1', profile: 'xy-md02', port: pty.host }],
    });
    const bound = await bindProfiles(config, await xyMd02WithCommands(dir));
    devices = await openDeviceSet(bound, { offlineAfterMisses: 3, sink, log, hid: () => ({}) as never });
    devices.start();
    return devices.drivers.get('th-1')!;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-modbus-write-'));
    pty = await openPtyPair(dir, 'rs485');
  });
  afterEach(async () => {
    await devices?.stop();
    devices = undefined;
    await pty.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('function 06 writes the temperature correction; the device stores it and its readings follow', async () => {
    const sensor = await startXyMd02(pty.device);
    try {
      const driver = await open();
      await expect(driver.execute('set_temperature_correction', { celsius: 1.5 })).resolves.toEqual({ written: 1.5 });
      expect(sensor.state.temperatureCorrection).toBe(15);
      expect(sensor.state.readHolding(0x0103)).toBe(15);
      await expect(driver.execute('set_temperature_correction', { celsius: -2.3 })).resolves.toEqual({ written: -2.3 });
      expect(sensor.state.readHolding(0x0103)).toBe(0xffe9); // −23 as a signed 16-bit word
      await expect.poll(() => sink.values('th-1', 'temperature').at(-1), { timeout: 3000 }).toBe(28.2);
    } finally {
      await sensor.stop();
    }
  });

  it('function 16 writes two registers in one request', async () => {
    const sensor = await startXyMd02(pty.device);
    try {
      const driver = await open();
      const raw = 15 * 0x10000 + (0x10000 - 10); // temperature +1.5 °C, humidity −1.0 %RH
      await expect(driver.execute('set_corrections', { raw })).resolves.toEqual({ written: raw });
      expect([sensor.state.temperatureCorrection, sensor.state.humidityCorrection]).toEqual([15, -10]);
      await expect.poll(() => sink.values('th-1', 'humidity').at(-1), { timeout: 3000 }).toBe(53.6);
    } finally {
      await sensor.stop();
    }
  });

  it('a value the device refuses (exception 03) fails the command and changes nothing', async () => {
    const sensor = await startXyMd02(pty.device);
    try {
      const driver = await open();
      const refused = await driver.execute('set_baud_code', { code: 5 }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(CommandError);
      expect((refused as CommandError).code).toBe('refused');
      expect((refused as CommandError).message).toMatch(/th-1: "set_baud_code": .*(Illegal data value|exception)/i);
      expect(sensor.state.baudCode).toBe(0);
      await expect(driver.execute('set_baud_code', { code: 2 })).resolves.toEqual({ written: 2 });
      expect(sensor.state.baudCode).toBe(2);
    } finally {
      await sensor.stop();
    }
  });

  it('a reply that echoes another value than was written fails the command', async () => {
    // A device with a valid CRC but a wrong echo: answers every write of register 0x0103 with value 0x0007.
    const device = new SerialPort({ path: pty.device, baudRate: 9600 });
    await new Promise<void>((resolve, reject) => device.once('open', resolve).once('error', reject));
    device.on('data', (request: Buffer) => {
      if (request[1] === 0x06) device.write(withCrc(Buffer.from([request[0]!, 0x06, request[2]!, request[3]!, 0x00, 0x07])));
    });
    try {
      const driver = await open();
      const wrong = await driver.execute('set_temperature_correction', { celsius: 1.5 }).catch((error: unknown) => error);
      expect(wrong).toBeInstanceOf(CommandError);
      expect((wrong as CommandError).message).toBe('th-1: "set_temperature_correction": unit 1 echoed register value 7, expected 15');
    } finally {
      await new Promise<void>((resolve) => device.close(() => resolve()));
    }
  });
});

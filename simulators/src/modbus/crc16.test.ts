import { describe, expect, it } from 'vitest';
import { crc16Modbus, hasValidCrc, withCrc } from './crc16.js';

const hex = (s: string) => Buffer.from(s.replaceAll(' ', ''), 'hex');

describe('CRC-16/MODBUS (vectors README, "Modbus RTU")', () => {
  it.each([
    ['01 04 00 01 00 02', '20 0B'],
    ['01 04 04 01 31 02 22', '2A CE'],
    ['FE 04 00 03 00 01', 'D5 C5'],
    ['FE 04 02 01 90', 'AC D8'],
    ['01 03 00 00 00 01', '84 0A'],
    ['01 03 02 02 1C', 'B8 ED'],
  ])('%s → %s', (body, crc) => {
    expect(withCrc(hex(body))).toEqual(Buffer.concat([hex(body), hex(crc)]));
    expect(hasValidCrc(Buffer.concat([hex(body), hex(crc)]))).toBe(true);
  });
  it('detects a flipped bit', () => {
    expect(hasValidCrc(hex('01 04 04 01 31 02 23 2A CE'))).toBe(false);
    expect(hasValidCrc(hex('01 04'))).toBe(false);
  });
  it('matches the check value of the CRC catalogue', () => {
    expect(crc16Modbus(Buffer.from('123456789'))).toBe(0x4b37);
  });
});

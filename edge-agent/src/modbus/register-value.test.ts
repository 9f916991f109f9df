import { describe, expect, it } from 'vitest';
import { decodeRegisters } from './register-value.js';

const layout = { scale: 1, offset: 0, wordOrder: 'big' } as const;

describe('decodeRegisters', () => {
  it('decodes the XY-MD02 vector: 0x0131 → 30.5 °C, 0x0222 → 54.6 %RH', () => {
    expect(decodeRegisters([0x0131], { ...layout, type: 'int16', scale: 0.1 })).toBe(30.5);
    expect(decodeRegisters([0x0222], { ...layout, type: 'uint16', scale: 0.1 })).toBe(54.6);
  });
  it('decodes signed temperatures (0xFF33 = −20.5 °C)', () => {
    expect(decodeRegisters([0xff33], { ...layout, type: 'int16', scale: 0.1 })).toBe(-20.5);
    expect(decodeRegisters([0xff33], { ...layout, type: 'uint16', scale: 0.1 })).toBe(6533.1);
  });
  it('decodes the Senseair S8 vector: 0x0190 → 400 ppm', () => {
    expect(decodeRegisters([0x0190], { ...layout, type: 'uint16' })).toBe(400);
  });
  it('honours word order for 32-bit values', () => {
    expect(decodeRegisters([0x0001, 0x0002], { ...layout, type: 'uint32' })).toBe(65538);
    expect(decodeRegisters([0x0002, 0x0001], { ...layout, type: 'uint32', wordOrder: 'little' })).toBe(65538);
    expect(decodeRegisters([0xffff, 0xfffe], { ...layout, type: 'int32' })).toBe(-2);
    expect(decodeRegisters([0x41f4, 0x0000], { ...layout, type: 'float32' })).toBe(30.5);
  });
  it('applies scale then offset', () => {
    expect(decodeRegisters([100], { ...layout, type: 'uint16', scale: 0.5, offset: -10 })).toBe(40);
  });
  it('refuses the wrong number of registers', () => {
    expect(() => decodeRegisters([1], { ...layout, type: 'float32' })).toThrow('float32 needs 2 register(s), got 1');
  });
});

/** How a reading is laid out in Modbus registers (device profile `readings[].modbus`). */
export interface RegisterLayout {
  type: 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32';
  scale: number;
  offset: number;
  /** Order of the two 16-bit words of a 32-bit value; bytes inside a word are always big-endian (Modbus §4.2). */
  wordOrder: 'big' | 'little';
}

export function registerCount(type: RegisterLayout['type']): 1 | 2 {
  return type === 'int16' || type === 'uint16' ? 1 : 2;
}

/** Engineering value of the registers of one reading: raw × scale + offset, rounded to drop float noise. */
export function decodeRegisters(words: readonly number[], layout: RegisterLayout): number {
  const needed = registerCount(layout.type);
  if (words.length !== needed) throw new RangeError(`${layout.type} needs ${needed} register(s), got ${words.length}`);
  const bytes = Buffer.alloc(needed * 2);
  const ordered = needed === 2 && layout.wordOrder === 'little' ? [words[1]!, words[0]!] : words;
  for (const [i, word] of ordered.entries()) bytes.writeUInt16BE(word & 0xffff, i * 2);
  const raw = (() => {
    switch (layout.type) {
      case 'int16':
        return bytes.readInt16BE(0);
      case 'uint16':
        return bytes.readUInt16BE(0);
      case 'int32':
        return bytes.readInt32BE(0);
      case 'uint32':
        return bytes.readUInt32BE(0);
      case 'float32':
        return bytes.readFloatBE(0);
    }
  })();
  return roundSignificant(raw * layout.scale + layout.offset);
}

/** 0.1 × 305 is 30.500000000000004 in binary floating point; 12 significant digits is far beyond any sensor. */
function roundSignificant(value: number): number {
  return Number.isFinite(value) ? Number.parseFloat(value.toPrecision(12)) : value;
}

import type { Checksum } from '@lophoc/device-profiles';

export type ChecksumKind = Exclude<Checksum['kind'], 'none'>;

/** CRC-16/MODBUS (vectors README, "Modbus RTU"): init 0xFFFF, reflected polynomial 0xA001. */
export function crc16Modbus(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

/** The checksum value of `bytes` for one algorithm. */
export function computeChecksum(kind: ChecksumKind, bytes: Uint8Array): number {
  switch (kind) {
    case 'xor':
      return bytes.reduce((acc, byte) => acc ^ byte, 0);
    case 'sum':
      return bytes.reduce((acc, byte) => (acc + byte) & 0xff, 0);
    case 'twos-complement':
      // MH-Z19 (vectors README): 0xFF − sum + 1, mod 256.
      return (0x100 - bytes.reduce((acc, byte) => (acc + byte) & 0xff, 0)) & 0xff;
    case 'crc16-modbus':
      return crc16Modbus(bytes);
  }
}

/** Bytes the checksum value occupies on the wire. */
export function checksumWidth(kind: ChecksumKind, encoding: Checksum['encoding']): number {
  const bytes = kind === 'crc16-modbus' ? 2 : 1;
  return encoding === 'ascii-hex' ? bytes * 2 : bytes;
}

/** The checksum as written on the wire: binary (CRC low byte first, Modbus RTU) or hex characters. */
export function encodeChecksum(kind: ChecksumKind, encoding: Checksum['encoding'], value: number): Buffer {
  const width = kind === 'crc16-modbus' ? 2 : 1;
  if (encoding === 'ascii-hex')
    return Buffer.from(
      value
        .toString(16)
        .toUpperCase()
        .padStart(width * 2, '0'),
      'ascii',
    );
  return width === 2 ? Buffer.from([value & 0xff, value >>> 8]) : Buffer.from([value]);
}

const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;

/** Decodes hex characters in pairs ("6700" → 67 00); undefined when any pair is not hex. */
export function decodeAsciiHex(chars: Uint8Array): Buffer | undefined {
  if (chars.length % 2 !== 0) return undefined;
  const text = Buffer.from(chars).toString('latin1');
  const out = Buffer.alloc(chars.length / 2);
  for (let i = 0; i < out.length; i++) {
    const pair = text.slice(i * 2, i * 2 + 2);
    if (!HEX_PAIR.test(pair)) return undefined;
    out[i] = Number.parseInt(pair, 16);
  }
  return out;
}

/**
 * Whether a frame carries the right checksum. The checksum follows the last covered byte (profile schema,
 * `checksum.over`). With ascii-hex the covered bytes are hex characters, decoded before summing (RDM6300).
 */
export function verifyChecksum(frame: Uint8Array, checksum: Checksum): boolean {
  if (checksum.kind === 'none' || !checksum.over) return true;
  const { from, to } = checksum.over;
  const width = checksumWidth(checksum.kind, checksum.encoding);
  if (to + 1 + width > frame.length) return false;
  const covered = frame.subarray(from, to + 1);
  const data = checksum.encoding === 'ascii-hex' ? decodeAsciiHex(covered) : covered;
  if (!data) return false;
  const expected = encodeChecksum(checksum.kind, checksum.encoding, computeChecksum(checksum.kind, data));
  const actual = Buffer.from(frame.subarray(to + 1, to + 1 + width));
  return checksum.encoding === 'ascii-hex' ? actual.toString().toUpperCase() === expected.toString() : actual.equals(expected);
}

/** A frame with its checksum written in place after the covered bytes (for requests and simulators). */
export function withChecksum(frame: Uint8Array, checksum: Checksum): Buffer {
  const out = Buffer.from(frame);
  if (checksum.kind === 'none' || !checksum.over) return out;
  const { from, to } = checksum.over;
  const covered = out.subarray(from, to + 1);
  const data = checksum.encoding === 'ascii-hex' ? decodeAsciiHex(covered) : covered;
  if (!data) throw new RangeError(`bytes ${from}-${to} are not hex characters`);
  encodeChecksum(checksum.kind, checksum.encoding, computeChecksum(checksum.kind, data)).copy(out, to + 1);
  return out;
}

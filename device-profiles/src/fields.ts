import type { FrameParse, FrameProfile, LineParse, LineProfile, ModbusProfile, Parse, Profile } from './schema.js';

/*
 * Helpers about validated profiles and field values, shared with the engine that runs the codecs. This module
 * imports no zod or yaml (only types), so the gateway daemon can use it through `@lophoc/device-profiles/fields`.
 */

/** Frame field types that yield a number. */
export const FRAME_NUMBER_TYPES = [
  'uint8',
  'int8',
  'uint16be',
  'uint16le',
  'int16be',
  'int16le',
  'uint32be',
  'uint32le',
  'int32be',
  'int32le',
  'float32be',
  'float32le',
  'ascii-hex',
  'ascii-decimal',
] as const;
/** Frame field types that yield text: only events may use them (telemetry values are numbers, DESIGN §3). */
export const FRAME_TEXT_TYPES = ['ascii', 'hex'] as const;
export type FrameFieldType = (typeof FRAME_NUMBER_TYPES)[number] | (typeof FRAME_TEXT_TYPES)[number];

/** Bytes a binary frame field spans; undefined for the ascii and hex types, whose length is given. */
export function binaryWidth(type: FrameFieldType): number | undefined {
  const bits = /^u?int(8|16|32)|^float(32)/.exec(type);
  return bits ? Number(bits[1] ?? bits[2]) / 8 : undefined;
}

/** Bytes a frame field spans, or undefined when an ascii/hex field lacks its length. */
export function fieldWidth(parse: FrameParse): number | undefined {
  return binaryWidth(parse.type) ?? parse.length;
}

export function isTextField(parse: FrameParse): boolean {
  return (FRAME_TEXT_TYPES as readonly string[]).includes(parse.type);
}

export function isLineParse(parse: Parse): parse is LineParse {
  return 'regex' in parse || 'keyValue' in parse;
}

export function isFrameParse(parse: Parse): parse is FrameParse {
  return 'byteOffset' in parse;
}

/** The parameter names a request template refers to as `{name}`, in order of first use. */
export function placeholders(template: string): string[] {
  return [...new Set(Array.from(template.matchAll(/\{([a-z][a-z0-9_]{0,62})\}/g), (match) => match[1]!))];
}

export const HEX_BYTES_PATTERN = /^[0-9A-Fa-f]{2}( ?[0-9A-Fa-f]{2})*$/;

/** "FF 01 86" → [0xff, 0x01, 0x86]; the string must match HEX_BYTES_PATTERN. */
export function hexToBytes(hex: string): number[] {
  return Array.from(hex.replaceAll(' ', '').matchAll(/../g), (pair) => Number.parseInt(pair[0], 16));
}

/** Narrows a validated profile by its codec, with the reading shape that codec guarantees. */
export function isModbusProfile(profile: Profile): profile is ModbusProfile {
  return profile.codec.kind === 'modbus-rtu' || profile.codec.kind === 'modbus-tcp';
}
export function isLineProfile(profile: Profile): profile is LineProfile {
  return profile.codec.kind === 'line';
}
export function isFrameProfile(profile: Profile): profile is FrameProfile {
  return profile.codec.kind === 'frame';
}

import type { FrameParse } from '@lophoc/device-profiles';
import { fieldWidth } from '@lophoc/device-profiles/fields';

/** Why a field could not be read: the caller counts it and produces no reading. */
export class FieldError extends Error {
  override readonly name = 'FieldError';
}

/**
 * The value of one field of a frame (profile `parse: {byteOffset, type, length}`): numbers scaled as
 * raw × scale + offset; ascii and hex fields as text (events only).
 */
export function readFrameField(frame: Buffer, parse: FrameParse): number | string {
  const width = fieldWidth(parse);
  if (width === undefined || parse.byteOffset + width > frame.length) {
    throw new FieldError(`field at byte ${parse.byteOffset} runs past the end of a ${frame.length}-byte frame`);
  }
  const at = parse.byteOffset;
  const bytes = frame.subarray(at, at + width);
  const scaled = (raw: number) => Number.parseFloat((raw * parse.scale + parse.offset).toPrecision(12));
  switch (parse.type) {
    case 'uint8':
      return scaled(frame.readUInt8(at));
    case 'int8':
      return scaled(frame.readInt8(at));
    case 'uint16be':
      return scaled(frame.readUInt16BE(at));
    case 'uint16le':
      return scaled(frame.readUInt16LE(at));
    case 'int16be':
      return scaled(frame.readInt16BE(at));
    case 'int16le':
      return scaled(frame.readInt16LE(at));
    case 'uint32be':
      return scaled(frame.readUInt32BE(at));
    case 'uint32le':
      return scaled(frame.readUInt32LE(at));
    case 'int32be':
      return scaled(frame.readInt32BE(at));
    case 'int32le':
      return scaled(frame.readInt32LE(at));
    case 'float32be':
      return scaled(frame.readFloatBE(at));
    case 'float32le':
      return scaled(frame.readFloatLE(at));
    case 'ascii-hex': {
      const text = bytes.toString('latin1');
      if (!/^[0-9A-Fa-f]+$/.test(text)) throw new FieldError(`"${printable(text)}" at byte ${at} is not hex`);
      return scaled(Number.parseInt(text, 16));
    }
    case 'ascii-decimal': {
      const text = bytes.toString('latin1').trim();
      if (!/^[+-]?\d+(\.\d+)?$/.test(text)) throw new FieldError(`"${printable(text)}" at byte ${at} is not a decimal number`);
      return scaled(Number.parseFloat(text));
    }
    case 'ascii': {
      const text = bytes.toString('latin1');
      if (!/^[\x20-\x7e]*$/.test(text)) throw new FieldError(`field at byte ${at} holds non-printable characters`);
      return text;
    }
    case 'hex':
      return bytes.toString('hex').toUpperCase();
  }
}

function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

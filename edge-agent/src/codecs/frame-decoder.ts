import type { FrameCodec } from '@lophoc/device-profiles';
import { hexToBytes } from '@lophoc/device-profiles/fields';
import { verifyChecksum } from './checksum.js';

export interface DecoderStats {
  /** Good frames (or lines, or scans) delivered. */
  decoded: number;
  /** Bytes or frames thrown away: noise, half frames, bad checksums, overlong input. */
  errors: number;
}

/** Without a fixed length or an end within this many bytes, a frame is given up (the schema's longest frame). */
const MAX_FRAME = 4096;

/**
 * Cuts a byte stream into frames of a `frame` codec (device profile): find the start bytes, take the fixed
 * length or run to the end bytes, check the end and the checksum. Anything else is counted as an error and
 * skipped one byte at a time, so a good frame right after noise or a half frame is still found.
 */
export class FrameDecoder {
  readonly stats: DecoderStats = { decoded: 0, errors: 0 };
  private buffer = Buffer.alloc(0);
  private readonly start: Buffer;
  private readonly end: Buffer | undefined;

  constructor(private readonly codec: FrameCodec) {
    this.start = Buffer.from(hexToBytes(codec.start));
    this.end = codec.end === undefined ? undefined : Buffer.from(hexToBytes(codec.end));
  }

  /** Feeds bytes; returns the complete, valid frames they finish. */
  push(chunk: Uint8Array): Buffer[] {
    this.buffer = this.buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffer, chunk]);
    const frames: Buffer[] = [];
    for (;;) {
      if (!this.alignToStart()) break;
      const length = this.frameLength();
      if (length === undefined) break; // wait for more bytes
      if (length === 0) {
        this.skip(1);
        continue;
      }
      const frame = this.buffer.subarray(0, length);
      if (this.isValid(frame)) {
        frames.push(Buffer.from(frame));
        this.stats.decoded++;
        this.buffer = this.buffer.subarray(length);
      } else {
        this.skip(1);
      }
    }
    return frames;
  }

  /** Drops everything buffered (e.g. after a port reopened); a half frame counts as an error. */
  reset(): void {
    if (this.buffer.length > 0) this.stats.errors++;
    this.buffer = Buffer.alloc(0);
  }

  /** Drops bytes before the next start sequence; false when more bytes are needed. */
  private alignToStart(): boolean {
    const at = this.buffer.indexOf(this.start);
    if (at < 0) {
      // Keep a possible prefix of the start sequence at the very end.
      const keep = Math.min(this.start.length - 1, this.buffer.length);
      const drop = this.buffer.length - keep;
      if (drop > 0) this.skip(drop);
      return false;
    }
    if (at > 0) this.skip(at);
    return this.buffer.length >= this.start.length;
  }

  /** The length of the frame at the head of the buffer; undefined: need more bytes; 0: not a frame. */
  private frameLength(): number | undefined {
    const fixed = this.codec.length;
    if (fixed !== undefined) return this.buffer.length >= fixed ? fixed : undefined;
    const end = this.end!;
    const at = this.buffer.indexOf(end, this.start.length);
    if (at < 0) return this.buffer.length > MAX_FRAME ? 0 : undefined;
    return at + end.length;
  }

  private isValid(frame: Buffer): boolean {
    if (this.end && !frame.subarray(frame.length - this.end.length).equals(this.end)) return false;
    return this.codec.checksum ? verifyChecksum(frame, this.codec.checksum) : true;
  }

  private skip(bytes: number): void {
    this.stats.errors++;
    this.buffer = this.buffer.subarray(bytes);
  }
}

import { TextDecoder } from 'node:util';
import type { LineCodec } from '@lophoc/device-profiles';
import type { DecoderStats } from './frame-decoder.js';

/** A line the device sent (terminator removed), or its ready prompt (Epson ESC/VP21: ":"). */
export type LineToken = { kind: 'line'; text: string } | { kind: 'prompt' };
const PROMPT: LineToken = Object.freeze({ kind: 'prompt' });

/**
 * Cuts a byte stream into the lines of a `line` codec. A prompt at the start of the buffer is its own token:
 * ESC/VP21 answers `PWR=01\r:` and acknowledges a set with a bare `:` (vectors README, "Epson ESC/VP21").
 * A line longer than `maxLength` is dropped up to its terminator and counted as an error; empty lines are skipped.
 */
export class LineDecoder {
  readonly stats: DecoderStats = { decoded: 0, errors: 0 };
  private buffer = '';
  private discarding = false;
  private readonly decoder: TextDecoder | undefined;

  constructor(private readonly codec: Pick<LineCodec, 'terminator' | 'prompt' | 'maxLength' | 'encoding'>) {
    // ascii and latin1 map bytes 1:1 to characters; utf8 needs a streaming decoder for split sequences.
    this.decoder = codec.encoding === 'utf8' ? new TextDecoder('utf-8', { fatal: false }) : undefined;
  }

  push(chunk: Uint8Array): LineToken[] {
    const text = this.decoder
      ? this.decoder.decode(chunk, { stream: true })
      : (Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)).toString('latin1');
    const buffer = this.buffer.length === 0 ? text : this.buffer + text;
    const tokens: LineToken[] = [];
    const { terminator, prompt, maxLength } = this.codec;
    // `at` walks the buffer; the rest is kept once at the end instead of re-slicing after every line.
    let at = 0;
    for (;;) {
      if (!this.discarding && prompt && buffer.startsWith(prompt, at)) {
        at += prompt.length;
        tokens.push(PROMPT);
        this.stats.decoded++;
        continue;
      }
      const end = buffer.indexOf(terminator, at);
      if (end < 0) {
        if (buffer.length - at > maxLength) {
          if (!this.discarding) this.stats.errors++;
          this.discarding = true;
          at = terminator.length > 1 ? buffer.length - (terminator.length - 1) : buffer.length;
        }
        break;
      }
      const start = at;
      at = end + terminator.length;
      if (this.discarding) {
        this.discarding = false;
        continue;
      }
      if (end - start > maxLength) {
        this.stats.errors++;
        continue;
      }
      if (end === start) continue;
      tokens.push({ kind: 'line', text: buffer.slice(start, end) });
      this.stats.decoded++;
    }
    this.buffer = at === 0 ? buffer : buffer.slice(at);
    return tokens;
  }

  reset(): void {
    this.buffer = '';
    this.discarding = false;
  }
}

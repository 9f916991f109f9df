import { TextDecoder } from 'node:util';
import type { LineCodec } from '@lophoc/device-profiles';
import type { DecoderStats } from './frame-decoder.js';

/** A line the device sent (terminator removed), or its ready prompt (Epson ESC/VP21: ":"). */
export type LineToken = { kind: 'line'; text: string } | { kind: 'prompt' };

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
    this.buffer += this.decoder ? this.decoder.decode(chunk, { stream: true }) : Buffer.from(chunk).toString('latin1');
    const tokens: LineToken[] = [];
    const { terminator, prompt, maxLength } = this.codec;
    for (;;) {
      if (!this.discarding && prompt && this.buffer.startsWith(prompt)) {
        this.buffer = this.buffer.slice(prompt.length);
        tokens.push({ kind: 'prompt' });
        this.stats.decoded++;
        continue;
      }
      const end = this.buffer.indexOf(terminator);
      if (end < 0) {
        if (this.buffer.length > maxLength) {
          if (!this.discarding) this.stats.errors++;
          this.discarding = true;
          this.buffer = this.buffer.slice(-(terminator.length - 1) || this.buffer.length);
        }
        break;
      }
      const text = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + terminator.length);
      if (this.discarding) {
        this.discarding = false;
        continue;
      }
      if (text.length > maxLength) {
        this.stats.errors++;
        continue;
      }
      if (text.length === 0) continue;
      tokens.push({ kind: 'line', text });
      this.stats.decoded++;
    }
    return tokens;
  }

  reset(): void {
    this.buffer = '';
    this.discarding = false;
  }
}

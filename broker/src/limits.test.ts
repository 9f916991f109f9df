import { describe, expect, it } from 'vitest';
import { ConnectionRateLimiter, FailedLoginDelay } from './limits.js';
import { PacketSizeMeter, PacketTooLarge } from './packet-guard.js';

describe('ConnectionRateLimiter', () => {
  it('allows max attempts per window per address, then refuses until the window slides', () => {
    const limiter = new ConnectionRateLimiter(3, 1000);
    expect([0, 10, 20, 30].map((t) => limiter.allow('10.0.0.1', t))).toEqual([true, true, true, false]);
    expect(limiter.allow('10.0.0.2', 40)).toBe(true);
    expect(limiter.allow('10.0.0.1', 1025)).toBe(true);
  });
});

describe('FailedLoginDelay', () => {
  it('doubles up to the cap, and a success forgets', () => {
    const delay = new FailedLoginDelay(100, 1000);
    expect([1, 2, 3, 4, 5, 6].map((t) => delay.fail('a', t))).toEqual([100, 200, 400, 800, 1000, 1000]);
    delay.succeed('a');
    expect(delay.fail('a', 10)).toBe(100);
    expect(delay.fail('b', 10)).toBe(100);
  });
});

describe('PacketSizeMeter (MQTT 3.1.1 §2.2.3 Remaining Length)', () => {
  const header = (type: number, length: number) => {
    const bytes = [type];
    let rest = length;
    do {
      let byte = rest % 128;
      rest = Math.floor(rest / 128);
      if (rest > 0) byte |= 0x80;
      bytes.push(byte);
    } while (rest > 0);
    return Buffer.from(bytes);
  };

  it('follows packets split across chunks and refuses the first one over the limit from its header alone', () => {
    const meter = new PacketSizeMeter(1000);
    const small = Buffer.concat([header(0x30, 300), Buffer.alloc(300)]);
    const stream = Buffer.concat([small, Buffer.from([0xc0, 0x00]), small]);
    for (let i = 0; i < stream.length; i += 7) meter.feed(stream.subarray(i, i + 7));
    expect(() => meter.feed(header(0x30, 10 * 1024 * 1024))).toThrow(/10485765 bytes is over the 1000-byte limit/);
  });

  it('refuses a Remaining Length of more than four bytes', () => {
    expect(() => new PacketSizeMeter(1e9).feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x7f]))).toThrow(PacketTooLarge);
  });
});

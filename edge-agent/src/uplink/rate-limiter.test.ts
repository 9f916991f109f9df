import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.js';

describe('RateLimiter', () => {
  it('spaces batches so the average stays at the configured rate', () => {
    let now = 0;
    const limiter = new RateLimiter(100, () => now); // 10 ms a record
    expect(limiter.reserve(50)).toBe(0);
    expect(limiter.reserve(50)).toBe(500);
    now = 2000; // idle for a while: no debt is carried, no burst credit either
    expect(limiter.reserve(10)).toBe(0);
    expect(limiter.reserve(10)).toBe(100);
  });
  it('refuses a non-positive rate', () => {
    expect(() => new RateLimiter(0)).toThrow('rate must be positive, got 0');
  });
});

import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('doubles up to the maximum, with at least half of each delay fixed', () => {
    const low = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0 });
    const high = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0.999999 });
    expect(Array.from({ length: 6 }, () => low.next())).toEqual([50, 100, 200, 400, 500, 500]);
    expect(Array.from({ length: 6 }, () => high.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
  it('spreads simultaneous clients apart', () => {
    const delays = new Set(Array.from({ length: 50 }, () => new Backoff({ initialMs: 1000 }).next()));
    expect(delays.size).toBeGreaterThan(40);
  });
  it('starts over after reset', () => {
    const backoff = new Backoff({ initialMs: 100, random: () => 0 });
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(50);
  });
  it('refuses nonsensical options by name', () => {
    expect(() => new Backoff({ initialMs: 0 })).toThrow('backoff initialMs must be positive, got 0');
    expect(() => new Backoff({ initialMs: 10, maxMs: 5 })).toThrow('backoff maxMs must be at least initialMs, got 5');
  });
});

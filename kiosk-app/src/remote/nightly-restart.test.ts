import { afterEach, describe, expect, it, vi } from 'vitest';
import { nextNightlyRestart, scheduleNightlyRestart } from './nightly-restart.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('nightly restart', () => {
  it('is due at the next local HH:MM in Việt Nam time (UTC+7)', () => {
    // 2026-11-28 20:00 UTC is 2026-11-29 03:00 in Hồ Chí Minh City.
    const now = Date.UTC(2026, 10, 28, 20, 0);
    expect(new Date(nextNightlyRestart(now, '03:30')).toISOString()).toBe('2026-11-28T20:30:00.000Z');
    expect(new Date(nextNightlyRestart(now, '02:30')).toISOString()).toBe('2026-11-29T19:30:00.000Z');
    expect(new Date(nextNightlyRestart(now, '03:00')).toISOString()).toBe('2026-11-29T20:00:00.000Z');
    expect(() => nextNightlyRestart(now, '3:30')).toThrow(/"HH:MM".*"3:30"/);
    expect(() => nextNightlyRestart(now, '24:00')).toThrow(TypeError);
  });

  it('waits for the citizen to finish before restarting', () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 10, 28, 20, 0) });
    let idle = false;
    const restart = vi.fn();
    const cancel = scheduleNightlyRestart({ at: '03:30', isIdle: () => idle, restart, retryMs: 60_000 });
    vi.advanceTimersByTime(30 * 60_000);
    expect(restart).not.toHaveBeenCalled();
    idle = true;
    vi.advanceTimersByTime(60_000);
    expect(restart).toHaveBeenCalledOnce();
    vi.advanceTimersByTime(24 * 3600_000);
    expect(restart).toHaveBeenCalledTimes(2);
    cancel();
    vi.advanceTimersByTime(48 * 3600_000);
    expect(restart).toHaveBeenCalledTimes(2);
  });
});

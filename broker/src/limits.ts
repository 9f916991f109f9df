/** At most `max` connection attempts per address within `windowMs` (a sliding window of timestamps). */
export class ConnectionRateLimiter {
  private readonly attempts = new Map<string, number[]>();
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Records an attempt; false when this address is over its rate. */
  allow(address: string, now = Date.now()): boolean {
    const recent = (this.attempts.get(address) ?? []).filter((at) => now - at < this.windowMs);
    recent.push(now);
    this.attempts.set(address, recent);
    if (this.attempts.size > 10_000) this.sweep(now);
    return recent.length <= this.max;
  }

  private sweep(now: number): void {
    for (const [address, times] of this.attempts) if (times.every((at) => now - at >= this.windowMs)) this.attempts.delete(address);
  }
}

/**
 * A growing delay before answering a failed login from the same address: base, 2×base, 4×base … up to
 * `maxMs`; forgotten after `forgetMs` without failures or on a successful login.
 */
export class FailedLoginDelay {
  private readonly failures = new Map<string, { count: number; last: number }>();
  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
    private readonly forgetMs = 15 * 60_000,
  ) {}

  /** Records a failure and returns how long to wait before refusing. */
  fail(address: string, now = Date.now()): number {
    const previous = this.failures.get(address);
    const count = previous && now - previous.last < this.forgetMs ? previous.count + 1 : 1;
    this.failures.set(address, { count, last: now });
    return Math.min(this.maxMs, this.baseMs * 2 ** (count - 1));
  }

  succeed(address: string): void {
    this.failures.delete(address);
  }
}

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  /** Random source in [0, 1); injected by tests. */
  random?: () => number;
}

/**
 * Exponential backoff with "equal jitter" (half fixed, half random): after a district-wide outage, hundreds of
 * gateways must not reconnect in lockstep, yet each still waits at least half the nominal delay.
 */
export class Backoff {
  private attempt = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;

  constructor({ initialMs = 1000, maxMs = 60_000, random = Math.random }: BackoffOptions = {}) {
    if (!(initialMs > 0)) throw new TypeError(`backoff initialMs must be positive, got ${initialMs}`);
    if (!(maxMs >= initialMs)) throw new TypeError(`backoff maxMs must be at least initialMs, got ${maxMs}`);
    this.initialMs = initialMs;
    this.maxMs = maxMs;
    this.random = random;
  }

  /** The delay before the next attempt; each call doubles the nominal delay up to the maximum. */
  next(): number {
    const nominal = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.round(nominal / 2 + this.random() * (nominal / 2));
  }

  reset(): void {
    this.attempt = 0;
  }
}

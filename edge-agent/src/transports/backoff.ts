export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  /** Spread of the random part, 0-1 (1: ±50 %): clients that lost the same peer together do not all knock again at the same instant. */
  jitter?: number;
}

/** Exponential backoff with jitter: initial, ×2 each attempt, capped at max. */
export class Backoff {
  private attempt = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly jitter: number;

  constructor(
    { initialMs = 250, maxMs = 30_000, jitter = 0.2 }: BackoffOptions = {},
    private readonly random = Math.random,
  ) {
    if (!(initialMs > 0)) throw new TypeError(`backoff initialMs must be positive, got ${initialMs}`);
    if (!(maxMs >= initialMs)) throw new TypeError(`backoff maxMs must be at least initialMs, got ${maxMs}`);
    this.initialMs = initialMs;
    this.maxMs = maxMs;
    this.jitter = jitter;
  }

  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.round(base * (1 - this.jitter / 2 + this.random() * this.jitter));
  }

  reset(): void {
    this.attempt = 0;
  }
}

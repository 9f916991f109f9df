/**
 * Paces replay after a reconnect (issue: "replay paced to a configurable rate") so a gateway that was offline
 * for a day does not flood the broker and the ops-center with its backlog in one burst.
 */
export class RateLimiter {
  private readonly intervalMs: number;
  private nextFreeAt = 0;

  constructor(
    readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(perSecond > 0)) throw new TypeError(`rate must be positive, got ${perSecond}`);
    this.intervalMs = 1000 / perSecond;
  }

  /** Milliseconds to wait before sending `count` more records; reserves their slots. */
  reserve(count: number): number {
    const now = this.now();
    const start = Math.max(now, this.nextFreeAt);
    this.nextFreeAt = start + count * this.intervalMs;
    return Math.max(0, start - now);
  }
}

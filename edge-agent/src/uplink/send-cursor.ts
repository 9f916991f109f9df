/** Records of one priority with seq in `[from, to]`, handed out together. */
export interface SeqSpan {
  priority: number;
  from: number;
  to: number;
}

/**
 * What the outbox has handed out and not had acknowledged, kept in memory only: a restart puts everything back in
 * the queue anyway, so writing "in flight" to disk (one UPDATE per record, and an fsync) bought nothing.
 *
 * Within one priority, records are handed out in seq order and seq only grows, so "not yet sent" is exactly "seq
 * above that priority's cursor". Records whose ack is overdue go to a resend list that is served first.
 */
export class SendCursor {
  private readonly cursors = new Map<number, number>();
  /** Handed-out spans, oldest first, with the time they went out. */
  private taken: { at: number; spans: SeqSpan[] }[] = [];
  private resend: SeqSpan[] = [];

  /** The highest seq of `priority` handed out so far (0: none). */
  cursor(priority: number): number {
    return this.cursors.get(priority) ?? 0;
  }

  /** Spans to send again, highest priority first, then by seq; consume them with `consumeResend`. */
  resendSpans(): readonly SeqSpan[] {
    return this.resend;
  }

  /** Removes the first resend span, or shortens it to start after `upTo`. */
  consumeResend(upTo: number): void {
    const first = this.resend[0];
    if (!first) return;
    if (upTo >= first.to) this.resend.shift();
    else first.from = upTo + 1;
  }

  /** Notes records handed out at `at`: spans of consecutive handed-out seqs per priority. */
  record(at: number, spans: SeqSpan[]): void {
    if (spans.length === 0) return;
    for (const span of spans) if (span.to > this.cursor(span.priority)) this.cursors.set(span.priority, span.to);
    this.taken.push({ at, spans });
  }

  /** Everything handed out goes back to the queue (after a reconnect). */
  reset(): void {
    this.cursors.clear();
    this.taken = [];
    this.resend = [];
  }

  /**
   * Spans handed out at or before `olderThan` move to the resend list, except those `pending` finds empty (all
   * acknowledged meanwhile); returns the spans moved.
   */
  expire(olderThan: number, pending: (span: SeqSpan) => boolean): SeqSpan[] {
    const expired: SeqSpan[] = [];
    while (this.taken.length > 0 && this.taken[0]!.at <= olderThan) {
      for (const span of this.taken.shift()!.spans) if (pending(span)) expired.push(span);
    }
    if (expired.length === 0) return expired;
    this.resend.push(...expired);
    this.resend.sort((a, b) => b.priority - a.priority || a.from - b.from);
    return expired;
  }
}

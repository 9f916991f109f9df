import type { Outbox } from './outbox.js';

export interface Pending {
  topic: string;
  priority: number;
  build: (seq: number) => unknown;
}

/**
 * Collects what the devices produce during one event-loop turn and writes it to the outbox in one transaction, then
 * asks the uplink to send it. With `synchronous=FULL` each transaction costs an fsync, so one per record capped a
 * busy gateway at a few thousand records per second; one per turn removes that ceiling.
 */
export class BatchingWriter {
  private pending: Pending[] = [];
  private scheduled = false;
  batches = 0;

  constructor(
    private readonly outbox: Outbox,
    private readonly written: () => void,
  ) {}

  write(topic: string, priority: number, build: (seq: number) => unknown): void {
    this.pending.push({ topic, priority, build });
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Writes what is pending now, and `more` after it, in one transaction (also called before the outbox is closed). */
  flush(more: readonly Pending[] = []): void {
    this.scheduled = false;
    if (this.pending.length === 0 && more.length === 0) return;
    const batch = this.pending.length === 0 ? more : more.length === 0 ? this.pending : [...this.pending, ...more];
    this.pending = [];
    this.outbox.appendMany(batch);
    this.batches++;
    this.written();
  }
}

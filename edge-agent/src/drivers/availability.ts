import type { DeviceSink } from './driver.js';

/**
 * A device's online state (DESIGN §5): online after an answer, offline after `offlineAfterMisses` unanswered
 * polls in a row, or at once when its port or connection is gone. Reports only changes.
 */
export class AvailabilityTracker {
  private misses = 0;
  private online: boolean | undefined;

  constructor(
    private readonly device: string,
    private readonly sink: DeviceSink,
    private readonly offlineAfterMisses: number,
  ) {}

  get isOnline(): boolean | undefined {
    return this.online;
  }

  answered(): void {
    this.misses = 0;
    if (this.online !== true) {
      this.online = true;
      this.sink.availability(this.device, true);
    }
  }

  /** One poll went unanswered; returns true when this made the device offline. */
  missed(reason: string): boolean {
    this.misses++;
    if (this.misses >= this.offlineAfterMisses && this.online !== false) {
      this.online = false;
      this.sink.availability(this.device, false, `no answer to ${this.misses} polls: ${reason}`);
      return true;
    }
    return false;
  }

  lost(reason: string): void {
    this.misses = this.offlineAfterMisses;
    if (this.online !== false) {
      this.online = false;
      this.sink.availability(this.device, false, reason);
    }
  }
}

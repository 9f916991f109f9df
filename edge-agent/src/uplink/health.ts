import type { HealthPayload } from '@lophoc/protocol';
import type { Outbox } from './outbox.js';
import type { Uplink } from './uplink.js';

/**
 * The node's `health` (DESIGN §3): uptime, memory, outbox depth, and rates per second since the previous report,
 * plus the outbox's drop counters so the ops-center can alert on a backlog or on losses.
 */
export class HealthReporter {
  private last = { at: Date.now(), appended: 0, published: 0, acknowledged: 0 };

  constructor(
    private readonly outbox: Outbox,
    private readonly uplink: Uplink,
  ) {
    this.last.appended = outbox.counters().appended;
  }

  snapshot(startedAt: number, now = Date.now()): HealthPayload {
    const counters = this.outbox.counters();
    const current = {
      at: now,
      appended: counters.appended,
      published: this.uplink.stats.published,
      acknowledged: this.uplink.stats.acknowledged,
    };
    const seconds = Math.max(0.001, (now - this.last.at) / 1000);
    const rate = (key: 'appended' | 'published' | 'acknowledged') => Math.round(((current[key] - this.last[key]) / seconds) * 100) / 100;
    const rates = {
      appendedPerS: rate('appended'),
      publishedPerS: rate('published'),
      acknowledgedPerS: rate('acknowledged'),
      droppedTelemetry: counters.droppedTelemetry,
      droppedEvents: counters.droppedEvents,
      refused: counters.refused,
      outboxBytes: this.outbox.bytes(),
      reconnects: Math.max(0, this.uplink.stats.connects - 1),
    };
    this.last = current;
    return {
      v: 1,
      ts: now,
      uptimeS: Math.round((now - startedAt) / 100) / 10,
      rssBytes: process.memoryUsage.rss(),
      outboxDepth: this.outbox.depth(),
      rates,
    };
  }
}

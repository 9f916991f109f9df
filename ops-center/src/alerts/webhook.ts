import type { Logger } from 'pino';
import type { AlertChange } from './engine.js';

export interface WebhookStats {
  sent: number;
  failed: number;
}

/**
 * Posts every alert change as JSON to each configured URL (chat bots, paging, e-mail gateways). A slow or
 * failing receiver is logged and counted; it never holds up the alert engine.
 */
export class WebhookNotifier {
  readonly stats: WebhookStats = { sent: 0, failed: 0 };
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: { urls: readonly string[]; log: Logger; timeoutMs?: number }) {
    for (const url of options.urls) {
      const parsed = URL.canParse(url) ? new URL(url) : undefined;
      if (!parsed || !['http:', 'https:'].includes(parsed.protocol)) {
        throw new TypeError(`alert webhook ${JSON.stringify(url)} must be an http(s) URL`);
      }
    }
  }

  notify(change: AlertChange): void {
    for (const url of this.options.urls) {
      const delivery = this.post(url, change).finally(() => this.inFlight.delete(delivery));
      this.inFlight.add(delivery);
    }
  }

  /** Waits for deliveries under way (on stop). */
  async flush(): Promise<void> {
    await Promise.all(this.inFlight);
  }

  private async post(url: string, change: AlertChange): Promise<void> {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ source: 'lophoc-ops-center', ...change }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      this.stats.sent++;
    } catch (error) {
      this.stats.failed++;
      this.options.log.warn({ url, err: (error as Error).message, alert: change.alert.id }, 'alert webhook failed');
    }
  }
}

import { EventEmitter } from 'node:events';
import type { ScannerEvent } from './qr-scanner.js';

/** An opened scanner (serial or HID): typed events, including `disconnected` when its port goes away. */
export interface ScannerSource {
  on(name: 'event', listener: (event: ScannerEvent) => void): unknown;
  removeAllListeners(name: 'event'): unknown;
  close(): Promise<void> | void;
}

export interface ReopenOptions {
  /** First wait after a loss (doubled after each failed attempt, up to `maxDelayMs`). */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

export type ScannerAvailability = { available: true } | { available: false; reason: 'unplugged' | 'disconnected'; detail: string };

/**
 * Keeps a scanner open: one absent at start or unplugged later is opened again under the same path or id, first
 * after `initialDelayMs` then with doubling waits up to `maxDelayMs` (a technician may take minutes to plug it
 * back; a kiosk polling every second for a week would flood the journal). Scans and garbage pass through as
 * `event`; `availability` tells each change once: `unplugged` (never opened since start), `disconnected` (lost).
 */
export class ReopeningScanner extends EventEmitter<{ event: [ScannerEvent]; availability: [ScannerAvailability] }> {
  private current: ScannerSource | undefined;
  private timer: NodeJS.Timeout | undefined;
  private delay: number;
  private closed = false;
  private everOpened = false;
  private lastReported: string | undefined;

  constructor(
    private readonly open: () => Promise<ScannerSource>,
    private readonly options: ReopenOptions = {},
  ) {
    super();
    this.delay = options.initialDelayMs ?? 1000;
  }

  /** Tries to open now; resolves either way (an absent scanner is retried in the background). */
  async start(): Promise<void> {
    await this.attempt();
  }

  get isOpen(): boolean {
    return this.current !== undefined;
  }

  private report(state: ScannerAvailability): void {
    const key = state.available ? 'up' : state.reason;
    if (key === this.lastReported) return;
    this.lastReported = key;
    this.emit('availability', state);
  }

  private async attempt(): Promise<void> {
    this.timer = undefined;
    if (this.closed) return;
    let source: ScannerSource;
    try {
      source = await this.open();
    } catch (error) {
      const detail = (error as Error).message;
      this.report(
        this.everOpened ? { available: false, reason: 'disconnected', detail } : { available: false, reason: 'unplugged', detail },
      );
      this.schedule();
      return;
    }
    if (this.closed) {
      await source.close();
      return;
    }
    this.current = source;
    this.everOpened = true;
    this.delay = this.options.initialDelayMs ?? 1000;
    source.on('event', (event) => {
      if (source !== this.current) return;
      if (event.type !== 'disconnected') {
        this.emit('event', event);
        return;
      }
      // Serial ports say both `error` and `close` when unplugged: the first one counts.
      this.current = undefined;
      source.removeAllListeners('event');
      closeQuietly(source);
      this.emit('event', event);
      this.report({ available: false, reason: 'disconnected', detail: event.reason });
      this.schedule();
    });
    this.report({ available: true });
  }

  private schedule(): void {
    if (this.closed || this.timer) return;
    const wait = this.delay;
    this.delay = Math.min(this.delay * 2, this.options.maxDelayMs ?? 30_000);
    this.timer = setTimeout(() => void this.attempt(), wait);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const source = this.current;
    this.current = undefined;
    source?.removeAllListeners('event');
    await source?.close();
  }
}

/** A port already gone may throw or reject on close; it is being abandoned either way. */
function closeQuietly(source: ScannerSource): void {
  try {
    void Promise.resolve(source.close()).catch(() => undefined);
  } catch {
    // already closed
  }
}

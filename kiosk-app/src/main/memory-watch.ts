import type { Logger } from 'pino';

export interface MemoryWatchOptions {
  /** Renderer memory in bytes (Electron: app.getAppMetrics() for the renderer's pid, workingSetSize × 1024). */
  sample(): Promise<number> | number;
  /** True while no citizen is using the kiosk (attract screen): a restart then loses nothing. */
  isIdle(): boolean;
  restartRenderer(): void;
  log: Logger;
  limitBytes: number;
  intervalMs?: number;
  /** Past this (× limit) the renderer is restarted even mid-session: the crash would come anyway. */
  hardFactor?: number;
}

/**
 * Kiosks leak over days. Past `limitBytes` the renderer is restarted at the next idle moment (planned, so no
 * citizen loses a half-filled form); past `hardFactor × limitBytes` at once.
 */
export class MemoryWatch {
  restarts = 0;
  lastBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(private readonly options: MemoryWatchOptions) {}

  start(): void {
    const { intervalMs = 60_000 } = this.options;
    this.timer = setInterval(() => void this.check(), intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One sample; returns what it decided. */
  async check(): Promise<'ok' | 'waiting-for-idle' | 'restarted'> {
    if (this.checking) return 'ok';
    this.checking = true;
    try {
      const { limitBytes, hardFactor = 1.5, log } = this.options;
      this.lastBytes = await this.options.sample();
      if (this.lastBytes <= limitBytes) return 'ok';
      if (!this.options.isIdle() && this.lastBytes < limitBytes * hardFactor) return 'waiting-for-idle';
      this.restarts += 1;
      log.warn({ bytes: this.lastBytes, limitBytes }, 'renderer memory past its bound: planned restart');
      this.options.restartRenderer();
      return 'restarted';
    } finally {
      this.checking = false;
    }
  }
}

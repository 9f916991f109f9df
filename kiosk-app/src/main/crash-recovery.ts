import type { Logger } from 'pino';

export interface CrashRecoveryOptions {
  /** Reloads the renderer (webContents.reload or loadURL of the kiosk page). */
  reload(): void;
  /** Shows the maintenance screen (a local page that needs no renderer bundle). */
  showMaintenance(reason: string): void;
  log: Logger;
  /** First retry delay; doubles per crash up to `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** This many crashes within `windowMs` means the renderer cannot run: maintenance screen, no more reloads. */
  maxCrashes?: number;
  windowMs?: number;
  /** An unresponsive renderer gets this long to recover by itself before it is reloaded. */
  unresponsiveGraceMs?: number;
  now?: () => number;
}

export type RecoveryState = 'running' | 'waiting' | 'maintenance';

/**
 * Heals `render-process-gone` and `unresponsive` (kiosks run for months): reload after an exponential backoff,
 * and after repeated crashes in a short window stop retrying and show the maintenance screen, so a broken
 * bundle does not spin the CPU. `reset()` (a remote `restart`/`reload`) clears the count.
 */
export class CrashRecovery {
  crashes = 0;
  state: RecoveryState = 'running';
  private recent: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly options: CrashRecoveryOptions) {
    this.now = options.now ?? Date.now;
  }

  /** `render-process-gone`: reason is Electron's (`crashed`, `oom`, `killed`, …). A clean exit is not a crash. */
  onRenderProcessGone(reason: string): void {
    if (reason === 'clean-exit') return;
    this.crashed(`renderer gone: ${reason}`);
  }

  onUnresponsive(): void {
    if (this.timer || this.state === 'maintenance') return;
    const { unresponsiveGraceMs = 10_000 } = this.options;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.crashed('renderer unresponsive');
    }, unresponsiveGraceMs);
  }

  onResponsive(): void {
    if (this.state === 'running' && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  /** Delay before the next reload after `count` recent crashes. */
  delayFor(count: number): number {
    const { baseDelayMs = 1000, maxDelayMs = 60_000 } = this.options;
    return Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, count - 1));
  }

  reset(): void {
    this.stop();
    this.recent = [];
    this.state = 'running';
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private crashed(reason: string): void {
    if (this.state === 'maintenance') return;
    const { maxCrashes = 5, windowMs = 10 * 60_000, log } = this.options;
    this.crashes += 1;
    const now = this.now();
    this.recent = [...this.recent.filter((at) => now - at < windowMs), now];
    this.stop();
    if (this.recent.length >= maxCrashes) {
      this.state = 'maintenance';
      log.error({ reason, crashes: this.recent.length }, 'renderer keeps failing: maintenance screen');
      this.options.showMaintenance(reason);
      return;
    }
    const delay = this.delayFor(this.recent.length);
    this.state = 'waiting';
    log.warn({ reason, delayMs: delay }, 'renderer failed: reloading after backoff');
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.state = 'running';
      this.options.reload();
    }, delay);
  }
}

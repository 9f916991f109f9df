/**
 * When the next nightly restart is due: `at` is "HH:MM" in the center's local time, given as a fixed UTC
 * offset (Việt Nam is UTC+7 all year, no daylight saving). Returns ms since the epoch.
 */
export function nextNightlyRestart(now: number, at: string, utcOffsetMinutes = 7 * 60): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(at);
  if (!match) throw new TypeError(`nightly restart time must be "HH:MM" (24 h), got "${at}"`);
  const minuteOfDay = Number(match[1]) * 60 + Number(match[2]);
  const localNow = now + utcOffsetMinutes * 60_000;
  const localMidnight = Math.floor(localNow / 86_400_000) * 86_400_000;
  let due = localMidnight + minuteOfDay * 60_000;
  if (due <= localNow) due += 86_400_000;
  return due - utcOffsetMinutes * 60_000;
}

export interface NightlyRestartOptions {
  at: string;
  utcOffsetMinutes?: number;
  isIdle(): boolean;
  restart(): void;
  /** While a citizen is using the kiosk at the due time, check again this often. */
  retryMs?: number;
  now?: () => number;
}

/** Restarts the kiosk once a night, never in the middle of a citizen's session. */
export function scheduleNightlyRestart(options: NightlyRestartOptions): () => void {
  const { at, utcOffsetMinutes, retryMs = 60_000, now = Date.now } = options;
  let timer: NodeJS.Timeout | undefined;
  const arm = (delay: number) => {
    timer = setTimeout(attempt, delay);
  };
  const attempt = () => {
    if (!options.isIdle()) return arm(retryMs);
    options.restart();
    arm(nextNightlyRestart(now(), at, utcOffsetMinutes) - now());
  };
  arm(nextNightlyRestart(now(), at, utcOffsetMinutes) - now());
  return () => {
    if (timer) clearTimeout(timer);
  };
}

/** Vietnam keeps UTC+7 all year (no daylight saving), so a local day is a fixed 24 h window. */
export const VIETNAM_OFFSET_MINUTES = 7 * 60;

/** `[from, to)` in ms of the local day `YYYY-MM-DD`; throws naming the parameter when malformed. */
export function dayWindow(day: string, offsetMinutes = VIETNAM_OFFSET_MINUTES, field = 'day'): { from: number; to: number } {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const utc = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
  if (!match || Number.isNaN(utc) || new Date(utc).toISOString().slice(0, 10) !== day) {
    throw new RangeError(`"${field}" must be a date YYYY-MM-DD, got ${JSON.stringify(day)}`);
  }
  const from = utc - offsetMinutes * 60_000;
  return { from, to: from + 86_400_000 };
}

/** The local day `YYYY-MM-DD` a timestamp falls in. */
export function localDay(ts: number, offsetMinutes = VIETNAM_OFFSET_MINUTES): string {
  return new Date(ts + offsetMinutes * 60_000).toISOString().slice(0, 10);
}

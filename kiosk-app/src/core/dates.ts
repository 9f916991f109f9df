/** A calendar date from DDMMYYYY, or undefined if the digits are not a real date. */
export function parseDdMmYyyy(text: string): { day: number; month: number; year: number } | undefined {
  if (!/^\d{8}$/.test(text)) return undefined;
  const day = Number(text.slice(0, 2));
  const month = Number(text.slice(2, 4));
  const year = Number(text.slice(4));
  return isRealDate(year, month, day) ? { day, month, year } : undefined;
}

export function isRealDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export function isoDate({ year, month, day }: { day: number; month: number; year: number }): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

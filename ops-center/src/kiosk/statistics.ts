import { localDay } from '../fleet/days.js';
import type { EventRecord, KioskRecord } from '../store/store.js';

/** Kiosk event types counted (kiosk `event` topic); enrolments and ratings come from the outbox topics. */
export const KIOSK_SESSION_EVENTS = ['session.start', 'session_start', 'session'] as const;
export const KIOSK_SEARCH_EVENTS = ['search'] as const;

export interface KioskDayStats {
  day: string;
  site: string;
  sessions: number;
  searches: number;
  enrolments: number;
  ratings: number;
  /** Mean of the ratings' `stars` (or `rating`/`score`) that day, if any were numbers. */
  averageRating?: number;
}

export function kioskStatistics(events: readonly EventRecord[], records: readonly KioskRecord[]): KioskDayStats[] {
  const rows = new Map<string, KioskDayStats & { ratingSum: number; ratingCount: number }>();
  const row = (site: string, ts: number) => {
    const day = localDay(ts);
    const key = `${day}|${site}`;
    let entry = rows.get(key);
    if (!entry) {
      entry = { day, site, sessions: 0, searches: 0, enrolments: 0, ratings: 0, ratingSum: 0, ratingCount: 0 };
      rows.set(key, entry);
    }
    return entry;
  };
  for (const event of events) {
    if ((KIOSK_SESSION_EVENTS as readonly string[]).includes(event.type)) row(event.site, event.ts).sessions++;
    else if ((KIOSK_SEARCH_EVENTS as readonly string[]).includes(event.type)) row(event.site, event.ts).searches++;
  }
  for (const record of records) {
    const entry = row(record.site, record.ts);
    if (record.kind === 'enrolment') entry.enrolments++;
    else if (record.kind === 'rating') {
      entry.ratings++;
      const score = record.data.stars ?? record.data.rating ?? record.data.score;
      if (typeof score === 'number' && Number.isFinite(score)) {
        entry.ratingSum += score;
        entry.ratingCount++;
      }
    }
  }
  return [...rows.values()]
    .map(({ ratingSum, ratingCount, ...stats }) =>
      ratingCount ? { ...stats, averageRating: Math.round((ratingSum / ratingCount) * 100) / 100 } : stats,
    )
    .sort((a, b) => b.day.localeCompare(a.day) || a.site.localeCompare(b.site));
}

import { localDay } from '../fleet/days.js';
import { UNASSIGNED } from '../fleet/tree.js';
import type { EventRecord, IntakeRecord, KioskRecord } from '../store/store.js';

/** Kiosk event types counted (kiosk `event` topic); enrolments and ratings come from the outbox topics. */
export const KIOSK_SESSION_EVENTS = ['session.start', 'session_start', 'session'] as const;
export const KIOSK_SEARCH_EVENTS = ['search'] as const;

export interface KioskDayStats {
  day: string;
  /** The center: a site of the fleet, or the content catalog's center of an enrolment's course. */
  site: string;
  siteName?: string;
  sessions: number;
  searches: number;
  enrolments: number;
  feedback: number;
  ratings: number;
  /** Mean of the ratings' `stars` (or `rating`/`score`) that day, if any were numbers. */
  averageRating?: number;
}

export interface KioskSources {
  /** MQTT `event`s of kiosk nodes (session.start, search). */
  events: readonly EventRecord[];
  /** MQTT `outbox/{kind}` records. */
  records: readonly KioskRecord[];
  /** Records of the content API's HTTP intake. */
  intake: readonly IntakeRecord[];
  /** The site a kiosk stands at, from the fleet (its node id); undefined when the kiosk is no node of the fleet. */
  siteOfKiosk(kiosk: string): string | undefined;
  /** Display names of sites and centers. */
  names: ReadonlyMap<string, string>;
}

/**
 * Sessions, searches, enrolments, feedback and ratings per Vietnam day and center. A record counts once per
 * kind and idempotency key, whichever way it came (HTTP intake, MQTT outbox) and however often. An enrolment
 * counts for its course's center; everything else for the site the kiosk stands at, else "(unassigned)".
 */
export function kioskStatistics({ events, records, intake, siteOfKiosk, names }: KioskSources): KioskDayStats[] {
  const rows = new Map<string, KioskDayStats & { ratingSum: number; ratingCount: number }>();
  const row = (site: string, ts: number) => {
    const day = localDay(ts);
    const key = `${day}|${site}`;
    let entry = rows.get(key);
    if (!entry) {
      const siteName = names.get(site);
      entry = {
        day,
        site,
        ...(siteName ? { siteName } : {}),
        sessions: 0,
        searches: 0,
        enrolments: 0,
        feedback: 0,
        ratings: 0,
        ratingSum: 0,
        ratingCount: 0,
      };
      rows.set(key, entry);
    }
    return entry;
  };
  const rate = (entry: ReturnType<typeof row>, score: unknown) => {
    entry.ratings++;
    if (typeof score === 'number' && Number.isFinite(score)) {
      entry.ratingSum += score;
      entry.ratingCount++;
    }
  };
  for (const event of events) {
    if ((KIOSK_SESSION_EVENTS as readonly string[]).includes(event.type)) row(event.site, event.ts).sessions++;
    else if ((KIOSK_SEARCH_EVENTS as readonly string[]).includes(event.type)) row(event.site, event.ts).searches++;
  }
  const counted = new Set<string>();
  for (const record of intake) {
    counted.add(`${record.kind}|${record.key}`);
    const site = record.center ?? (record.kiosk ? siteOfKiosk(record.kiosk) : undefined) ?? UNASSIGNED;
    const entry = row(site, record.ts);
    if (record.kind === 'enrolment') entry.enrolments++;
    else if (record.kind === 'feedback') entry.feedback++;
    else if (record.kind === 'rating') rate(entry, record.data.score);
    else {
      entry.sessions++;
      const searches = record.data.searches;
      if (typeof searches === 'number' && Number.isInteger(searches) && searches > 0) entry.searches += searches;
    }
  }
  for (const record of records) {
    if (counted.has(`${record.kind}|${record.key}`)) continue;
    counted.add(`${record.kind}|${record.key}`);
    const entry = row(record.site, record.ts);
    if (record.kind === 'enrolment') entry.enrolments++;
    else if (record.kind === 'feedback') entry.feedback++;
    else if (record.kind === 'rating') rate(entry, record.data.stars ?? record.data.rating ?? record.data.score);
  }
  return [...rows.values()]
    .map(({ ratingSum, ratingCount, ...stats }) =>
      ratingCount ? { ...stats, averageRating: Math.round((ratingSum / ratingCount) * 100) / 100 } : stats,
    )
    .sort((a, b) => b.day.localeCompare(a.day) || a.site.localeCompare(b.site));
}

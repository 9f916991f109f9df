import type { TimetableConfig } from './timetable-schema.js';

export type { TimetableConfig } from './timetable-schema.js';

/** "07:30" → minutes since midnight. */
export const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export interface LocalTime {
  /** YYYY-MM-DD in the timetable's zone. */
  date: string;
  /** ISO weekday, 1 = Monday. */
  weekday: number;
  /** Minutes since local midnight. */
  minutes: number;
}

export interface Period {
  index: number;
  name: string;
  start: number;
  end: number;
}

/** Answers "is this a school day, which period is it" for a room, in the room's zone. */
export class Timetable {
  private readonly format: Intl.DateTimeFormat;
  readonly periods: Period[];

  constructor(private readonly config: TimetableConfig) {
    this.format = new Intl.DateTimeFormat('en-CA', {
      timeZone: config.timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
      hourCycle: 'h23',
    });
    this.periods = config.periods.map((period, index) => ({
      index,
      name: period.name ?? `Tiết ${index + 1}`,
      start: minutesOf(period.start),
      end: minutesOf(period.end),
    }));
  }

  local(ts: number): LocalTime {
    const parts = Object.fromEntries(this.format.formatToParts(ts).map((part) => [part.type, part.value]));
    const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts.weekday ?? '') + 1;
    return { date: `${parts.year}-${parts.month}-${parts.day}`, weekday, minutes: Number(parts.hour) * 60 + Number(parts.minute) };
  }

  isSchoolDay(ts: number): boolean {
    const { date, weekday } = this.local(ts);
    if (!this.config.weekdays.includes(weekday)) return false;
    return !this.config.holidays.some((holiday) => {
      const [from, to = from] = holiday.split('..') as [string, string?];
      return date >= from && date <= to;
    });
  }

  /** The period running at `ts`, or starting within `earlyMinutes`; undefined outside periods or on days off. */
  periodAt(ts: number, earlyMinutes = 0): Period | undefined {
    if (!this.isSchoolDay(ts)) return undefined;
    const { minutes } = this.local(ts);
    return this.periods.find((period) => minutes >= period.start - earlyMinutes && minutes < period.end);
  }

  /** Minutes since local midnight when the day's last period ends. */
  get lastPeriodEnd(): number {
    return this.periods.at(-1)!.end;
  }
}

import { z } from 'zod';

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time HH:MM (24 h)');
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** A room's timetable: school days, the periods of each day, and holidays (the school's calendar is data). */
export const timetableSchema = z
  .strictObject({
    /** IANA zone; Vietnam keeps UTC+7 all year. */
    timezone: z
      .string()
      .default('Asia/Ho_Chi_Minh')
      .refine((zone) => {
        try {
          new Intl.DateTimeFormat('en-US', { timeZone: zone });
          return true;
        } catch {
          return false;
        }
      }, 'is not an IANA time zone'),
    /** ISO weekdays with classes: 1 = Monday … 7 = Sunday. */
    weekdays: z.array(z.number().int().min(1).max(7)).min(1).default([1, 2, 3, 4, 5, 6]),
    periods: z.array(z.strictObject({ name: z.string().min(1).max(40).optional(), start: clock, end: clock })).min(1),
    /** Single days (`2026-09-02`) or inclusive ranges (`2027-02-05..2027-02-14`, Tết). */
    holidays: z
      .array(z.union([day, z.string().regex(/^\d{4}-\d{2}-\d{2}\.\.\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD')]))
      .default([]),
  })
  .superRefine((timetable, ctx) => {
    timetable.periods.forEach((period, index) => {
      if (minutesOf(period.start) >= minutesOf(period.end)) {
        ctx.addIssue({ code: 'custom', path: ['periods', index, 'end'], message: `must be after start ${period.start}` });
      }
      const previous = timetable.periods[index - 1];
      if (previous && minutesOf(period.start) < minutesOf(previous.end)) {
        ctx.addIssue({
          code: 'custom',
          path: ['periods', index, 'start'],
          message: `overlaps the previous period (ends ${previous.end}); list periods in order`,
        });
      }
    });
    timetable.holidays.forEach((holiday, index) => {
      const [from, to = from] = holiday.split('..') as [string, string?];
      if (Number.isNaN(Date.parse(`${from}T00:00:00Z`)) || Number.isNaN(Date.parse(`${to}T00:00:00Z`)) || from > to) {
        ctx.addIssue({ code: 'custom', path: ['holidays', index], message: `is not a valid date or range: ${holiday}` });
      }
    });
  });

export type TimetableConfig = z.infer<typeof timetableSchema>;

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

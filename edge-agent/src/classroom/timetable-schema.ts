import { z } from 'zod';
import { minutesOf } from './timetable.js';

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time HH:MM (24 h)');
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');

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

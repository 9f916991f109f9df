import { z } from 'zod';
import { timetableSchema } from './timetable-schema.js';

// Validated with the gateway config in the start-up helper (startup/), so the daemon's own thread never loads zod.

const deviceId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a device id of this gateway');
const comfortLimit = z
  .strictObject({ device: deviceId, reading: z.string().min(1), high: z.number(), hysteresis: z.number().positive() })
  .describe('warn at or above `high`; clear at or below `high - hysteresis`');

/** Classroom rules as configuration (issue #4): which devices, the timetable, the delays and the comfort limits. */
export const rulesSchema = z.strictObject({
  timetable: timetableSchema,
  /** The projector a teacher's tap turns on (a device with `power` command). */
  projector: deviceId.optional(),
  /** Minutes after the last session ends (its period, or an ad-hoc session) before the projector is turned off. */
  projectorOffAfterMinutes: z.number().int().min(0).max(240).default(10),
  /** A teacher may open the session this many minutes before the period starts. */
  earlyMinutes: z.number().int().min(0).max(60).default(15),
  /** A student tap this long after the period started is marked late. */
  lateAfterMinutes: z.number().int().min(0).max(60).default(10),
  /** Length of a session opened outside the timetable (a make-up class). */
  adHocMinutes: z.number().int().min(5).max(240).default(45),
  comfort: z.array(comfortLimit).default([]),
});

export type RulesConfig = z.infer<typeof rulesSchema>;

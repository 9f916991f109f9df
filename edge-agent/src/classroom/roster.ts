import { z } from 'zod';

export const ROLES = ['teacher', 'staff', 'student'] as const;
export type Role = (typeof ROLES)[number];

/**
 * The local roster maps pseudonyms (never raw UIDs) to roles. It is made at the school by enrolling cards with
 * `lophoc-agent card pseudonym`, so raw UIDs never need to be written down on the gateway.
 */
export const rosterSchema = z.record(z.string(), z.enum(ROLES)).superRefine((roster, ctx) => {
  for (const key of Object.keys(roster)) {
    if (!/^c-[0-9a-f]{32}$/.test(key))
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: 'must be a card pseudonym (c- followed by 32 hex digits), never a raw card id',
      });
  }
});

export type Roster = ReadonlyMap<string, Role>;

export function parseRoster(value: unknown, field = 'roster'): Roster {
  const result = rosterSchema.safeParse(value ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new TypeError(`${field}.${issue.path.join('.')}: ${issue.message}`);
  }
  return new Map(Object.entries(result.data));
}

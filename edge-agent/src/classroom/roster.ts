export const ROLES = ['teacher', 'staff', 'student'] as const;
export type Role = (typeof ROLES)[number];

/**
 * The local roster maps pseudonyms (never raw UIDs) to roles. It is made at the school by enrolling cards with
 * `lophoc-agent card pseudonym`, so raw UIDs never need to be written down on the gateway.
 */
export type Roster = ReadonlyMap<string, Role>;

const PSEUDONYM = /^c-[0-9a-f]{32}$/;

/** Checks a roster by hand (the daemon does not load zod); the error names the entry. */
export function parseRoster(value: unknown, field = 'roster'): Roster {
  const roster = value ?? {};
  if (typeof roster !== 'object' || Array.isArray(roster)) {
    throw new TypeError(`${field}.: Invalid input: expected record, received ${Array.isArray(roster) ? 'array' : typeof roster}`);
  }
  const entries = Object.entries(roster as Record<string, unknown>);
  for (const [key, role] of entries) {
    if (!(ROLES as readonly unknown[]).includes(role)) {
      throw new TypeError(`${field}.${key}: Invalid option: expected one of ${ROLES.map((r) => JSON.stringify(r)).join('|')}`);
    }
  }
  for (const [key] of entries) {
    if (!PSEUDONYM.test(key)) {
      throw new TypeError(`${field}.${key}: must be a card pseudonym (c- followed by 32 hex digits), never a raw card id`);
    }
  }
  return new Map(entries as [string, Role][]);
}

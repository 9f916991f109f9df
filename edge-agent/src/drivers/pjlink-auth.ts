import { createHash } from 'node:crypto';

export type Greeting = { kind: 'open' } | { kind: 'auth'; random: string } | { kind: 'refused' };

/**
 * PJLink connection greeting (vectors README, "PJLink"): `PJLINK 0` (no authentication), `PJLINK 1 <8 hex random>`,
 * and `PJLINK ERRA` when the digest was wrong. Undefined for any other line.
 */
export function parseGreeting(line: string): Greeting | undefined {
  if (line === 'PJLINK 0') return { kind: 'open' };
  if (line === 'PJLINK ERRA') return { kind: 'refused' };
  const auth = /^PJLINK 1 ([0-9A-Fa-f]{8})$/.exec(line);
  return auth ? { kind: 'auth', random: auth[1]! } : undefined;
}

/** The digest prefixed to the first command of a connection: lowercase hex MD5(random + password), no separator. */
export function pjlinkDigest(random: string, password: string): string {
  return createHash('md5').update(`${random}${password}`, 'utf8').digest('hex');
}

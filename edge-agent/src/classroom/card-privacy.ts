import { createHmac } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';

/** Minimum secret length: HMAC-SHA256 keys shorter than the hash output weaken it (RFC 2104 §3). */
const MIN_SECRET_BYTES = 32;

/**
 * Reduces the ways readers report one card to a single canonical number, so the RDM6300 and a keyboard-wedge
 * reader give the same pseudonym for the same card (vectors README):
 * - decimal digits (keyboard-wedge readers type the 4 tag bytes as 10 zero-padded digits): `0003887558`;
 * - 10 hex digits (an EM4100 frame: 1 version byte + 4 tag bytes, as the RDM6300 sends): `67003B51C6`, whose
 *   version byte is not part of the printed card number;
 * - other hex (MIFARE UIDs of 4, 7 or 10 bytes), with or without `0x`, spaces or colons.
 * Returns the number in decimal, or throws naming what was wrong.
 */
export function canonicalCardId(raw: string): string {
  const value = raw.trim();
  if (/^\d{1,20}$/.test(value)) return BigInt(value).toString(10);
  const hex = value.replace(/^0x/i, '').replace(/[\s:-]/g, '');
  if (!/^[0-9a-f]+$/i.test(hex) || hex.length % 2 !== 0 || hex.length > 20) {
    throw new TypeError(
      `card id must be decimal digits or an even number of hex digits (at most 10 bytes), got ${JSON.stringify(raw.slice(0, 40))}`,
    );
  }
  const tag = hex.length === 10 ? hex.slice(2) : hex;
  return BigInt(`0x${tag}`).toString(10);
}

/**
 * Card privacy (DESIGN §6; Decree 13/2023/NĐ-CP): a card UID never leaves the reader's driver in the clear. It is
 * replaced by HMAC-SHA256(site secret, canonical id), truncated to 128 bits: stable per site, so attendance can be
 * joined, but useless elsewhere and not reversible without the secret.
 */
export class CardPseudonymiser {
  private readonly secret: Buffer;

  constructor(secret: Buffer) {
    if (secret.length < MIN_SECRET_BYTES)
      throw new TypeError(`the site secret must be at least ${MIN_SECRET_BYTES} bytes, got ${secret.length}`);
    this.secret = Buffer.from(secret);
  }

  pseudonym(rawCardId: string): string {
    return `c-${createHmac('sha256', this.secret).update(canonicalCardId(rawCardId)).digest('hex').slice(0, 32)}`;
  }
}

/**
 * Reads the per-site secret: a file of at least 32 random bytes, or their hex. The file must not be readable by
 * other users (mode 0600 or stricter), as for an SSH key. Errors name the config field.
 */
export async function loadSiteSecret(path: string, field = 'privacy.secretFile'): Promise<Buffer> {
  let info: Awaited<ReturnType<typeof stat>>;
  let content: Buffer;
  try {
    info = await stat(path);
    content = await readFile(path);
  } catch (error) {
    throw new TypeError(
      `${field}: cannot read the site secret ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  if ((Number(info.mode) & 0o077) !== 0) {
    throw new TypeError(
      `${field}: ${path} is readable by other users (mode ${(Number(info.mode) & 0o777).toString(8)}); run chmod 600 ${path}`,
    );
  }
  const text = content.toString('utf8').trim();
  const secret = /^[0-9a-f]+$/i.test(text) && text.length % 2 === 0 ? Buffer.from(text, 'hex') : content;
  if (secret.length < MIN_SECRET_BYTES)
    throw new TypeError(`${field}: the site secret in ${path} is ${secret.length} bytes; at least ${MIN_SECRET_BYTES} are needed`);
  return secret;
}

import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CardPseudonymiser, canonicalCardId, loadSiteSecret } from './card-privacy.js';
import { parseRoster } from './roster.js';

const secret = Buffer.alloc(32, 7);

describe('canonicalCardId', () => {
  it('gives the same number for the same card read by an RDM6300 and by a keyboard-wedge reader (vectors README)', () => {
    expect(canonicalCardId('67003B51C6')).toBe('3887558'); // RDM6300 frame data: version 0x67 + tag 0x003B51C6
    expect(canonicalCardId('0003887558')).toBe('3887558'); // HID wedge: 10 zero-padded decimal digits
  });
  it('keeps MIFARE UIDs whole', () => {
    expect(canonicalCardId('04:A2:2B:1A:5C:3E:80')).toBe(BigInt('0x04A22B1A5C3E80').toString());
    expect(canonicalCardId('0xDEADBEEF')).toBe(String(0xdeadbeef));
  });
  it.each(['', 'xyz', 'ABC', '0x', '12 34 5G', 'AA'.repeat(11)])('refuses %j with the reason', (raw) => {
    expect(() => canonicalCardId(raw)).toThrow(/card id must be decimal digits or an even number of hex digits/);
  });
});

describe('CardPseudonymiser', () => {
  it('is stable per site, differs between sites, and does not contain the UID', () => {
    const site = new CardPseudonymiser(secret);
    const other = new CardPseudonymiser(Buffer.alloc(32, 8));
    const p = site.pseudonym('67003B51C6');
    expect(p).toMatch(/^c-[0-9a-f]{32}$/);
    expect(site.pseudonym('0003887558')).toBe(p);
    expect(other.pseudonym('0003887558')).not.toBe(p);
    expect(p).not.toContain('3887558');
    expect(p.toLowerCase()).not.toContain('3b51c6');
  });
  it('refuses a short secret', () => {
    expect(() => new CardPseudonymiser(Buffer.alloc(16))).toThrow('the site secret must be at least 32 bytes, got 16');
  });
});

describe('loadSiteSecret', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-secret-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads hex or raw secrets from a private file', async () => {
    const file = join(dir, 'site.key');
    await writeFile(file, `${'ab'.repeat(32)}\n`, { mode: 0o600 });
    expect(await loadSiteSecret(file)).toEqual(Buffer.alloc(32, 0xab));
  });
  it('refuses a missing, world-readable or short secret, naming the field', async () => {
    await expect(loadSiteSecret(join(dir, 'none'))).rejects.toThrow(
      `privacy.secretFile: cannot read the site secret ${join(dir, 'none')} (ENOENT)`,
    );
    const open = join(dir, 'open.key');
    await writeFile(open, 'ab'.repeat(32));
    await chmod(open, 0o644);
    await expect(loadSiteSecret(open)).rejects.toThrow(
      `privacy.secretFile: ${open} is readable by other users (mode 644); run chmod 600 ${open}`,
    );
    const short = join(dir, 'short.key');
    await writeFile(short, 'abcd', { mode: 0o600 });
    await expect(loadSiteSecret(short)).rejects.toThrow('is 2 bytes; at least 32 are needed');
  });
});

describe('roster', () => {
  it('maps pseudonyms to roles and refuses raw UIDs', () => {
    const p = new CardPseudonymiser(secret).pseudonym('0003887558');
    expect(parseRoster({ [p]: 'teacher' }).get(p)).toBe('teacher');
    expect(() => parseRoster({ '0003887558': 'teacher' })).toThrow(/roster.0003887558: must be a card pseudonym/);
    expect(() => parseRoster({ [p]: 'principal' })).toThrow(/roster.c-[0-9a-f]+: Invalid option/);
  });
});

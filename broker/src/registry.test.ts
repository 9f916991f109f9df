import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClaimRefused, Registry, RegistryError } from './registry.js';

let dir: string;
let registry: Registry;

/** The pilot's places, as data: TP.HCM → phường Chợ Quán → a learning center → a room. */
function addPilotPlaces(target: Registry) {
  target.addSite({ id: 'hcm', kind: 'city', name: 'Thành phố Hồ Chí Minh' });
  target.addSite({ id: 'cho-quan', kind: 'ward', name: 'Phường Chợ Quán', parent: 'hcm' });
  target.addSite({ id: 'ttht-cho-quan', kind: 'learning-center', name: 'Trung tâm học tập cộng đồng Chợ Quán', parent: 'cho-quan' });
  target.addSite({ id: 'p101', kind: 'room', name: 'Phòng 101', parent: 'ttht-cho-quan' });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lophoc-registry-'));
  registry = Registry.open(join(dir, 'registry.db'));
  addPilotPlaces(registry);
});
afterEach(() => {
  registry.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('sites', () => {
  it('stores the hierarchy as data with NFC names, and refuses a place under the wrong kind of parent', () => {
    expect(registry.site('cho-quan')).toEqual({ id: 'cho-quan', kind: 'ward', name: 'Phường Chợ Quán', parent: 'hcm' });
    expect(() => registry.addSite({ id: 'x', kind: 'room', name: 'Phòng X', parent: 'cho-quan' })).toThrow(
      /a room cannot sit under a ward \("cho-quan"\)/,
    );
    expect(() => registry.addSite({ id: 'y', kind: 'ward', name: 'Phường Y' })).toThrow(/a ward needs a parent \(city\)/);
    expect(() => registry.addSite({ id: 'Bad Id', kind: 'city', name: 'x' })).toThrow(RegistryError);
    expect(registry.addSite({ id: 'an-dong', kind: 'ward', name: 'Phuờng An Đông'.normalize('NFD'), parent: 'hcm' }).name).toBe(
      'Phuờng An Đông'.normalize('NFC'),
    );
  });
});

describe('claim tokens', () => {
  it('gives credentials once; the token is burned', async () => {
    const { token } = registry.issueClaimToken({ site: 'ttht-cho-quan', node: 'gw-p101', kind: 'gateway', room: 'p101', ttlMs: 60_000 });
    const credentials = await registry.claim(token);
    expect(credentials).toMatchObject({ username: 'ttht-cho-quan.gw-p101', site: 'ttht-cho-quan', node: 'gw-p101', room: 'p101' });
    expect(await registry.authenticate(credentials.username, credentials.password)).toMatchObject({ role: 'node', node: 'gw-p101' });
    await expect(registry.claim(token)).rejects.toEqual(new ClaimRefused('used'));
    await expect(registry.claim('not-a-token')).rejects.toEqual(new ClaimRefused('unknown'));
  });

  it('refuses an expired token and a token for a place that is not a school or learning center', async () => {
    const { token } = registry.issueClaimToken({ site: 'ttht-cho-quan', node: 'gw-p102', kind: 'gateway', ttlMs: 1000, now: 0 });
    await expect(registry.claim(token, 1000)).rejects.toEqual(new ClaimRefused('expired'));
    expect(() => registry.issueClaimToken({ site: 'cho-quan', node: 'gw-1', kind: 'gateway', ttlMs: 1000 })).toThrow(
      /"cho-quan" is a ward/,
    );
    expect(() => registry.issueClaimToken({ site: 'ttht-cho-quan', node: 'gw-1', kind: 'gateway', room: 'nowhere', ttlMs: 1000 })).toThrow(
      /room "nowhere" is not a room of "ttht-cho-quan"/,
    );
  });
});

describe('credentials', () => {
  it('hashes with scrypt, rotates (old password refused) and revokes', async () => {
    const first = await registry.provisionNode({ site: 'ttht-cho-quan', node: 'gw-p101', kind: 'gateway' });
    expect(await registry.authenticate(first.username, 'wrong')).toBeUndefined();
    const rotated = await registry.rotate(first.username);
    expect(await registry.authenticate(first.username, first.password)).toBeUndefined();
    expect((await registry.authenticate(first.username, rotated.password))?.generation).toBe(2);
    registry.revoke(first.username);
    expect(await registry.authenticate(first.username, rotated.password)).toBeUndefined();
    expect(registry.listNodes()).toMatchObject([{ site: 'ttht-cho-quan', node: 'gw-p101', revoked: true, lastSeen: null }]);
  });

  it('answers a repeated login from its cache, which a rotation or a wrong password never hits', async () => {
    const { username, password } = await registry.provisionNode({ site: 'ttht-cho-quan', node: 'gw-p101', kind: 'gateway' });
    const timed = async (secret: string) => {
      const started = performance.now();
      const account = await registry.authenticate(username, secret);
      return { ok: account !== undefined, ms: performance.now() - started };
    };
    const first = await timed(password);
    const second = await timed(password);
    expect(first.ok && second.ok).toBe(true);
    expect(second.ms).toBeLessThan(first.ms / 5); // no scrypt the second time
    expect((await timed('wrong')).ok).toBe(false);
    const rotated = await registry.rotate(username);
    expect((await timed(password)).ok).toBe(false);
    expect((await timed(rotated.password)).ok).toBe(true);
    registry.revoke(username);
    expect((await timed(rotated.password)).ok).toBe(false);
  });

  it('ensureServiceAccount and provisionNode with a given password are idempotent', async () => {
    const a = await registry.ensureServiceAccount({ username: 'ops-center', role: 'service', password: 'pilot-secret' });
    const b = await registry.ensureServiceAccount({ username: 'ops-center', role: 'service', password: 'pilot-secret' });
    expect(b).toEqual(a);
    expect(registry.account('ops-center')?.generation).toBe(1);
    await registry.provisionNode({ site: 'ttht-cho-quan', node: 'gw-p101', kind: 'gateway', password: 'gw' });
    await registry.provisionNode({ site: 'ttht-cho-quan', node: 'gw-p101', kind: 'gateway', password: 'gw' });
    expect(registry.account('ttht-cho-quan.gw-p101')?.generation).toBe(1);
    await expect(registry.ensureServiceAccount({ username: 'ttht-cho-quan.gw-p101', role: 'operator' })).rejects.toThrow(
      /not look like a node/,
    );
  });
});

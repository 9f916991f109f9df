import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from './broker.js';
import { Registry } from './registry.js';
import { connect } from './test-clients.js';

const log = pino({ level: 'silent' });
let dir: string;
let registry: Registry;
let broker: RunningBroker;

/** POST over HTTPS trusting only the broker's generated certificate. */
function post(url: string, body: string, ca: string): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', ca, servername: 'localhost', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lophoc-provisioning-'));
  registry = Registry.open(join(dir, 'registry.db'));
  registry.addSite({ id: 'hcm', kind: 'city', name: 'Thành phố Hồ Chí Minh' });
  registry.addSite({ id: 'cho-lon', kind: 'ward', name: 'Phường Chợ Lớn', parent: 'hcm' });
  registry.addSite({ id: 'thcs-cho-lon', kind: 'school', name: 'Trường THCS Chợ Lớn', parent: 'cho-lon' });
  registry.addSite({ id: 'p12', kind: 'room', name: 'Phòng 12', parent: 'thcs-cho-lon' });
  broker = await startBroker({ port: null, tls: { port: 0, certDir: join(dir, 'tls') }, provisioning: { port: 0 }, registry, log });
});
afterEach(async () => {
  await broker.stop();
  registry.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('provisioning endpoint', () => {
  it('hands a node its credentials once over HTTPS; they work on the TLS listener; the token is then burned', async () => {
    const { token } = registry.issueClaimToken({ site: 'thcs-cho-lon', node: 'kiosk-sanh', kind: 'kiosk', room: 'p12', ttlMs: 60_000 });
    const ca = broker.certificate ?? '';
    const claimUrl = `${broker.provisioningUrl}/v1/claim`;
    expect(claimUrl).toMatch(/^https:\/\//);
    const first = await post(claimUrl, JSON.stringify({ token }), ca);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({
      site: 'thcs-cho-lon',
      node: 'kiosk-sanh',
      kind: 'kiosk',
      room: 'p12',
      username: 'thcs-cho-lon.kiosk-sanh',
      mqttsUrl: broker.tlsUrl,
      ca,
    });
    const node = await connect(broker.tlsUrl ?? '', {
      ca,
      servername: 'localhost',
      clientId: first.json.clientId as string,
      username: first.json.username as string,
      password: first.json.password as string,
    });
    await node.endAsync();

    const again = await post(claimUrl, JSON.stringify({ token }), ca);
    expect(again).toEqual({ status: 403, json: { error: 'claim token refused: token already used' } });
  });

  it('refuses an expired token, an unknown one and a malformed body, saying which', async () => {
    const ca = broker.certificate ?? '';
    const claimUrl = `${broker.provisioningUrl}/v1/claim`;
    const { token } = registry.issueClaimToken({
      site: 'thcs-cho-lon',
      node: 'gw-p12',
      kind: 'gateway',
      ttlMs: 1000,
      now: Date.now() - 2000,
    });
    expect(await post(claimUrl, JSON.stringify({ token }), ca)).toEqual({
      status: 403,
      json: { error: 'claim token refused: token expired' },
    });
    expect(await post(claimUrl, JSON.stringify({ token: 'made-up' }), ca)).toEqual({
      status: 403,
      json: { error: 'claim token refused: no such token' },
    });
    expect(await post(claimUrl, JSON.stringify({ tok: 1 }), ca)).toEqual({
      status: 400,
      json: { error: 'body must be JSON {"token": "<claim token>"}' },
    });
    expect(registry.listNodes()).toEqual([]);
  });
});

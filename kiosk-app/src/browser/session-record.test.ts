import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { KioskRig } from '../../test/kiosk-rig.js';
import { checkSubmission } from './check-submission.js';
import { startKioskBrowserMode } from './server.js';

describe('the session record (one per citizen session: how many searches)', () => {
  let rig: KioskRig | undefined;
  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  it('is checked like the content API checks it', () => {
    const session = (searches: unknown) => checkSubmission({ kind: 'session', key: 'session-00000001', data: { searches } });
    expect(session(0)).toEqual({ ok: true, submission: { kind: 'session', key: 'session-00000001', data: { searches: 0 } } });
    expect(session(10_000)).toMatchObject({ ok: true });
    for (const bad of [-1, 10_001, 1.5, '2', null, undefined])
      expect(session(bad), String(bad)).toEqual({ ok: false, reason: 'invalid', field: 'searches' });
    expect(checkSubmission({ kind: 'session', key: 'short', data: { searches: 1 } })).toMatchObject({ field: 'key' });
  });

  it('waits in the outbox through an outage and a kiosk restart, then reaches the content API exactly once', async () => {
    rig = await new KioskRig().start({ flushIntervalMs: 60_000 });
    await rig.stopContentApi();
    const submit = async (url: string, body: unknown) =>
      (
        await fetch(`${url}kiosk-api/submit`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      ).json();
    const record = { kind: 'session', key: 'session-outage-01', data: { searches: 3 } };
    expect(await submit(rig.kiosk.url, record)).toEqual({ ok: true, delivered: false });
    expect(await submit(rig.kiosk.url, record)).toEqual({ ok: true, delivered: false }); // sent twice: queued once
    expect(rig.kiosk.outboxDepth()).toBe(1);

    await rig.kiosk.stop();
    await rig.startContentApi();
    rig.kiosk = await startKioskBrowserMode({
      contentApiUrl: rig.contentUrl,
      dataDir: join(rig.dir, 'kiosk'),
      port: 0,
      log: pino({ level: 'silent' }),
      kioskId: 'kiosk-7',
      flushIntervalMs: 60_000,
    });
    await rig.kiosk.syncNow();
    await rig.kiosk.syncNow();
    expect(rig.kiosk.outboxDepth()).toBe(0);
    const sessions = rig.intake('session');
    expect(sessions.map((s) => [s.key, s.payload.searches, s.payload.kiosk])).toEqual([['session-outage-01', 3, 'kiosk-7']]);
  });
});

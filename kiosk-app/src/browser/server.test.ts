import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { checkSubmission } from './check-submission.js';
import { type RunningKiosk, startKioskBrowserMode } from './server.js';

/** A loopback port with nothing listening on it: the content API "down". */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

describe('browser mode without a content API', () => {
  let kiosk: RunningKiosk | undefined;
  let dir = '';
  afterEach(async () => {
    await kiosk?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (contentApiUrl: string) => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-kiosk-browser-'));
    kiosk = await startKioskBrowserMode({ contentApiUrl, dataDir: dir, port: 0, log: pino({ level: 'silent' }) });
    return kiosk;
  };
  const api = (path: string, init?: RequestInit) => fetch(new URL(`kiosk-api/${path}`, kiosk!.url), init);
  const post = (path: string, body: unknown) =>
    api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('starts with the API down and no snapshot: empty, stale catalog; submissions wait; lookups say offline', async () => {
    await start(`http://127.0.0.1:${await deadPort()}/api/content/v1`);
    expect(await (await api('catalog')).json()).toEqual({ centers: [], courses: [], procedures: [], stale: true });
    expect(await (await api('search?q=tieng%20anh')).json()).toEqual({ ids: [] });
    expect(await (await api('dossier/000.25.30.H29-261120-0012')).json()).toEqual({ ok: false, reason: 'offline' });
    expect(await (await api('dossier/not-a-code')).json()).toEqual({ ok: false, reason: 'bad-code' });
    const feedback = { kind: 'feedback', key: 'feedback-0001', data: { topic: 'kiosk', message: 'Chữ hơi nhỏ.' } };
    expect(await (await post('submit', feedback)).json()).toEqual({ ok: true, delivered: false });
    expect(await (await post('submit', feedback)).json()).toEqual({ ok: true, delivered: false });
    expect(kiosk!.outboxDepth()).toBe(1);
  });

  it('keeps the empty snapshot when the API answers garbage, and refuses bad requests clearly', async () => {
    const garbage = Fastify();
    garbage.get('/api/content/v1/catalog', async () => '<html>502 Bad Gateway</html>');
    const url = await garbage.listen({ port: 0, host: '127.0.0.1' });
    try {
      await start(`${url}/api/content/v1`);
      expect(await (await api('catalog')).json()).toMatchObject({ courses: [], stale: true });
      expect(
        await (
          await post('submit', {
            kind: 'enrolment',
            key: 'enrol-00000001',
            data: { courseId: 'kh-001', fullName: 'An', phone: '123', consent: true },
          })
        ).json(),
      ).toEqual({
        ok: false,
        reason: 'invalid',
        field: 'phone',
      });
      expect((await api('handoff-qr?course=..%2Fetc')).status).toBe(400);
      const qr = (await (await api('handoff-qr?course=kh-001')).json()) as { size: number; rows: string[] };
      expect(qr.rows).toHaveLength(qr.size);
      expect(qr.rows[0]!.slice(0, 7)).toBe('1111111'); // finder pattern
      expect((await post('scan', { text: 42 })).status).toBe(400);
      expect(await (await post('scan', { text: 'hello' })).json()).toEqual({ kind: 'unknown' });
    } finally {
      await garbage.close();
    }
  });
});

describe('checkSubmission', () => {
  it('names the first bad field and normalises text to NFC', () => {
    expect(checkSubmission({ kind: 'rating', key: 'rating-0001', data: { dossierCode: 'X', score: 6 } })).toEqual({
      ok: false,
      reason: 'invalid',
      field: 'score',
    });
    expect(checkSubmission({ kind: 'enrolment', key: 'short', data: {} })).toEqual({ ok: false, reason: 'invalid', field: 'key' });
    expect(checkSubmission({ kind: 'complaint', key: 'complaint-01', data: {} })).toEqual({ ok: false, reason: 'invalid', field: 'kind' });
    const ok = checkSubmission({ kind: 'feedback', key: 'feedback-01', data: { topic: 'other', message: ' Cảm ơn '.normalize('NFD') } });
    expect(ok).toEqual({ ok: true, submission: { kind: 'feedback', key: 'feedback-01', data: { topic: 'other', message: 'Cảm ơn' } } });
  });
});

import { decodeMessage, type Message } from '@lophoc/protocol';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Store } from './store.js';

const T0 = Date.UTC(2026, 10, 28, 1, 0, 0); // 08:00 in Hồ Chí Minh City
const msg = (topic: string, payload: object): Message => decodeMessage(topic, Buffer.from(JSON.stringify({ v: 1, ...payload })));
const telemetry = (seq: number, ts: number, values: Record<string, number>, node = 'gw-p101') =>
  msg(`lophoc/v1/ttht-cho-lon/${node}/th-1/telemetry`, { ts, seq, values });

/** The contract every Store backend meets; the PostgreSQL test runs the same suite. */
export function storeContract(open: () => Promise<Store>) {
  let store: Store;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('stores each (node, seq) once, across batches and inside one batch', async () => {
    const first = await store.write([telemetry(1, T0, { temperature: 30.5 }), telemetry(1, T0, { temperature: 99 })], T0);
    expect(first).toMatchObject({ stored: 1, duplicates: 1 });
    expect(first.durable.get('ttht-cho-lon/gw-p101')?.seqs).toEqual([1, 1]);
    const again = await store.write([telemetry(1, T0, { temperature: 99 }), telemetry(2, T0 + 1000, { temperature: 30.6 })], T0);
    expect(again).toMatchObject({ stored: 1, duplicates: 1 });
    expect(await store.series({ site: 'ttht-cho-lon', node: 'gw-p101', device: 'th-1', name: 'temperature' })).toEqual([
      [T0, 30.5],
      [T0 + 1000, 30.6],
    ]);
  });

  it('stores every sample of a large batch, duplicates inside it once', async () => {
    // 250 records with two readings each: several multi-row statements and a remainder; seq 7 comes twice inside
    // the first hundred and once more at the end, and seq 120 was stored by an earlier batch.
    await store.write([telemetry(120, T0 + 119_000, { temperature: 5, co2: 5 })], T0);
    const batch = Array.from({ length: 250 }, (_, i) => telemetry(i + 1, T0 + i * 1000, { temperature: 20 + i / 10, co2: 400 + i }));
    const again = telemetry(7, T0, { temperature: 99, co2: 9999 });
    const result = await store.write([...batch.slice(0, 50), again, ...batch.slice(50), again], T0);
    expect(result).toMatchObject({ stored: 249, duplicates: 3 });
    const temperature = await store.series({ site: 'ttht-cho-lon', node: 'gw-p101', device: 'th-1', name: 'temperature' });
    expect(temperature).toEqual(batch.map((_, i) => [T0 + i * 1000, i === 119 ? 5 : 20 + i / 10]));
    const co2 = await store.series({ site: 'ttht-cho-lon', node: 'gw-p101', device: 'th-1', name: 'co2' });
    expect(co2.map(([, value]) => value)).toEqual(batch.map((_, i) => (i === 119 ? 5 : 400 + i)));
  });

  it('keeps the first copy of each (node, seq) when a batch mixes nodes, batched records and records stored before', async () => {
    await store.write([telemetry(2, T0 + 2, { temperature: 2 }), telemetry(2, T0 + 2, { co2: 2 }, 'gw-p102')], T0);
    const batched = (seqs: number[], value: number, node: string) =>
      decodeMessage(
        `lophoc/v1/ttht-cho-lon/${node}/th-1/telemetry`,
        Buffer.from(JSON.stringify(seqs.map((seq) => ({ v: 1, ts: T0 + seq, seq, values: { temperature: value } })))),
      );
    const result = await store.write(
      [
        batched([1, 2, 3], 10, 'gw-p101'), // 2 was stored before
        telemetry(1, T0 + 1, { co2: 10 }, 'gw-p102'),
        telemetry(3, T0 + 3, { temperature: 99 }), // second copy in this batch
        batched([4, 3, 5], 10, 'gw-p101'), // 3 again
        telemetry(2, T0 + 2, { co2: 99 }, 'gw-p102'), // stored before
        telemetry(3, T0 + 3, { co2: 10 }, 'gw-p102'),
      ],
      T0,
    );
    expect(result).toMatchObject({ stored: 6, duplicates: 4 });
    expect(result.durable.get('ttht-cho-lon/gw-p101')?.seqs).toEqual([1, 2, 3, 3, 4, 3, 5]);
    expect(result.durable.get('ttht-cho-lon/gw-p102')?.seqs).toEqual([1, 2, 3]);
    expect(result.samples.map((s) => `${s.node}:${s.ts - T0}=${s.value}`)).toEqual([
      'gw-p101:1=10',
      'gw-p101:3=10',
      'gw-p102:1=10',
      'gw-p101:4=10',
      'gw-p101:5=10',
      'gw-p102:3=10',
    ]);
    const series = (node: string, name: string) => store.series({ site: 'ttht-cho-lon', node, device: 'th-1', name });
    expect(await series('gw-p101', 'temperature')).toEqual([1, 2, 3, 4, 5].map((seq) => [T0 + seq, seq === 2 ? 2 : 10]));
    expect(await series('gw-p102', 'co2')).toEqual([1, 2, 3].map((seq) => [T0 + seq, seq === 2 ? 2 : 10]));
    expect(await store.gaps()).toEqual([]);
  });

  it('shows gaps in seq, and closes them when the missing records arrive out of order', async () => {
    await store.write(
      [1, 2, 5, 6, 9].map((seq) => telemetry(seq, T0 + seq, { temperature: 30 })),
      T0,
    );
    await store.write([telemetry(3, T0, { temperature: 30 })], T0);
    await store.write([telemetry(1, T0, { co2: 400 }, 'gw-p102'), telemetry(4, T0, { co2: 400 }, 'gw-p102')], T0);
    expect(await store.gaps()).toEqual([
      { site: 'ttht-cho-lon', node: 'gw-p101', from: 4, to: 4 },
      { site: 'ttht-cho-lon', node: 'gw-p101', from: 7, to: 8 },
      { site: 'ttht-cho-lon', node: 'gw-p102', from: 2, to: 3 },
    ]);
    expect(await store.gaps('ttht-cho-lon', 'gw-p102')).toEqual([{ site: 'ttht-cho-lon', node: 'gw-p102', from: 2, to: 3 }]);
  });

  it('keeps 1-minute and 1-hour rollups, which survive the pruning of raw samples', async () => {
    const values = [20, 22, 30, 26];
    const times = [T0, T0 + 20_000, T0 + 61_000, T0 + 3_600_000];
    await store.write(
      [
        ...values.map((v, i) => telemetry(i + 1, times[i]!, { temperature: v })),
        telemetry(1, T0, { co2: 400 }, 'gw-p102'),
        telemetry(2, T0 + 3_600_000, { co2: 500 }, 'gw-p102'),
      ],
      T0,
    );
    const q = { site: 'ttht-cho-lon', node: 'gw-p101', device: 'th-1', name: 'temperature' } as const;
    expect(await store.series({ ...q, resolution: '1m' })).toEqual([
      [T0, 21, 20, 22, 2],
      [T0 + 60_000, 30, 30, 30, 1],
      [T0 + 3_600_000, 26, 26, 26, 1],
    ]);
    expect(await store.series({ ...q, resolution: '1h' })).toEqual([
      [T0, 24, 20, 30, 3],
      [T0 + 3_600_000, 26, 26, 26, 1],
    ]);
    const pruned = await store.prune(T0 + 3_600_000, 0);
    expect(pruned.samples).toBe(4);
    expect(await store.series(q)).toEqual([[T0 + 3_600_000, 26]]);
    expect(await store.series({ ...q, node: 'gw-p102', name: 'co2' })).toEqual([[T0 + 3_600_000, 500]]);
    expect(await store.series({ ...q, resolution: '1h' })).toHaveLength(2);
  });

  it('stores kiosk outbox records once and card events for attendance', async () => {
    const rating = { ts: T0, seq: 7, key: 'rating-0001', data: { stars: 5 } };
    const result = await store.write(
      [
        msg('lophoc/v1/ttht-cho-lon/kiosk-1/outbox/rating', rating),
        msg('lophoc/v1/ttht-cho-lon/kiosk-1/outbox/rating', rating),
        msg('lophoc/v1/ttht-cho-lon/gw-p101/reader-1/event', { ts: T0, seq: 3, type: 'card', data: { card: 'c-9f2a' } }),
      ],
      T0,
    );
    expect(result).toMatchObject({ stored: 2, duplicates: 1 });
    expect(result.events).toEqual([
      { site: 'ttht-cho-lon', node: 'gw-p101', device: 'reader-1', seq: 3, type: 'card', ts: T0, data: { card: 'c-9f2a' } },
    ]);
    expect(await store.kioskRecords({ from: T0, to: T0 + 1 })).toEqual([
      { site: 'ttht-cho-lon', node: 'kiosk-1', kind: 'rating', seq: 7, key: 'rating-0001', ts: T0, data: { stars: 5 } },
    ]);
    expect(await store.events({ types: ['card'], from: T0, to: T0 + 1 })).toHaveLength(1);
    expect(await store.events({ types: ['search'], from: T0, to: T0 + 1 })).toHaveLength(0);
  });

  it('stores HTTP intake records once per kind and key', async () => {
    const enrolment = {
      kind: 'enrolment' as const,
      key: 'enrol-0001',
      kiosk: 'kiosk-1',
      center: 'httcd-cho-lon',
      centerName: 'Trung tâm học tập cộng đồng phường Chợ Lớn',
      ts: T0,
      data: { courseId: 'tin-hoc-1' },
    };
    const rating = { kind: 'rating' as const, key: 'enrol-0001', ts: T0 + 5, data: { score: 4 } };
    expect(await store.recordIntake([enrolment, enrolment])).toBe(1);
    expect(await store.recordIntake([enrolment, rating])).toBe(1);
    expect(await store.recordIntake([])).toBe(0);
    expect(await store.intakeRecords({ from: T0, to: T0 + 6 })).toEqual([enrolment, rating]);
    expect(await store.intakeRecords({ from: T0 + 1, to: T0 + 5 })).toEqual([]);
  });

  it('keeps the latest screenshot per node, never replaced by an older one', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const meta = { site: 'ttht-cho-lon', node: 'kiosk-1', device: 'kiosk', mime: 'image/png' as const };
    await store.saveScreenshot({ ...meta, commandId: 'c2', ts: T0 + 10 }, png);
    await store.saveScreenshot({ ...meta, commandId: 'c1', ts: T0 }, Buffer.from('old'));
    expect(await store.screenshots()).toEqual([{ ...meta, commandId: 'c2', ts: T0 + 10, bytes: png.length }]);
    expect(await store.screenshot('ttht-cho-lon', 'kiosk-1')).toEqual({
      meta: { ...meta, commandId: 'c2', ts: T0 + 10, bytes: png.length },
      image: png,
    });
    expect(await store.screenshot('ttht-cho-lon', 'kiosk-2')).toBeUndefined();
  });

  it('tracks node state changes, health backlog, and reports command results and nodes coming online', async () => {
    const result = await store.write(
      [
        msg('lophoc/v1/ttht-cho-lon/gw-p101/state', { online: true, ts: T0, version: '0.1.0' }),
        msg('lophoc/v1/ttht-cho-lon/gw-p101/health', { ts: T0, uptimeS: 5, rssBytes: 1, outboxDepth: 42, rates: {} }),
        msg('lophoc/v1/ttht-cho-lon/gw-p101/cmd/result', { id: 'c1', ok: false, error: 'ERR3', ts: T0 }),
      ],
      T0 + 5,
    );
    expect(result.cameOnline).toEqual([{ site: 'ttht-cho-lon', node: 'gw-p101' }]);
    expect(result.commandResults).toEqual([{ site: 'ttht-cho-lon', node: 'gw-p101', id: 'c1', ok: false, error: 'ERR3', ts: T0 }]);
    await store.write([msg('lophoc/v1/ttht-cho-lon/gw-p101/state', { online: true, ts: T0 + 100, version: '0.1.0' })], T0 + 200);
    expect(await store.nodes()).toEqual([
      {
        site: 'ttht-cho-lon',
        node: 'gw-p101',
        online: true,
        since: T0,
        lastSeen: T0 + 200,
        outboxDepth: 42,
        version: '0.1.0',
        devices: [],
      },
    ]);
  });

  it('keeps accounts, sessions, audit, alerts and commands', async () => {
    await store.putUser({ username: 'lan', role: 'operator', passwordHash: 'h', createdAt: T0 });
    await store.createSession('tok', 'lan', T0 + 1000);
    expect(await store.session('tok', T0)).toEqual({ username: 'lan', role: 'operator' });
    expect(await store.session('tok', T0 + 1000)).toBeUndefined();
    await store.createSession('tok-2', 'lan', T0 + 2000);
    expect(await store.pruneSessions(T0 + 1000)).toBe(1);
    expect(await store.pruneSessions(T0 + 1000)).toBe(0);
    expect(await store.session('tok-2', T0 + 1000)).toEqual({ username: 'lan', role: 'operator' });
    await store.audit({ ts: T0, user: 'lan', action: 'command', target: 'x', detail: { a: 1 } });
    expect(await store.auditLog()).toEqual([{ ts: T0, user: 'lan', action: 'command', target: 'x', detail: { a: 1 } }]);
    const alert = await store.insertAlert({
      rule: 'co2',
      target: 's/n/d/co2',
      severity: 'warning',
      site: 's',
      node: 'n',
      message: 'm',
      raisedAt: T0,
    });
    await store.ackAlert(alert.id, 'lan', T0 + 1);
    await store.clearAlert(alert.id, T0 + 2);
    expect(await store.alerts({ active: false })).toEqual([{ ...alert, ackedAt: T0 + 1, ackedBy: 'lan', clearedAt: T0 + 2 }]);
    await store.insertCommand({
      id: 'c1',
      site: 's',
      node: 'n',
      device: 'd',
      method: 'power-on',
      params: {},
      createdAt: T0,
      expiresAt: T0 + 1,
      status: 'queued',
      by: 'lan',
    });
    await store.updateCommand('c1', { status: 'done', finishedAt: T0 + 1, result: { power: 'on' } });
    expect(await store.command('c1')).toMatchObject({ status: 'done', result: { power: 'on' }, by: 'lan' });
    expect(await store.commands({ status: ['queued'] })).toEqual([]);
  });
}

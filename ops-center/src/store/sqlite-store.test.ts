import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeMessage } from '@lophoc/protocol';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeIngested } from '../ingest/decode.js';
import { SqliteStore } from './sqlite-store.js';
import type { LatestValue } from './store.js';
import { storeContract } from './store-contract.js';
import { newestPerSeries, rollups } from './write-result.js';

/** The store's 1-minute and 1-hour rollups of device th-1 are what a plain model computes from the samples stored. */
async function expectRollupsOfModel(store: SqliteStore, samples: LatestValue[], site: string, nodes: string[], names: string[]) {
  for (const [resolution, width] of [
    ['1m', 60_000],
    ['1h', 3_600_000],
  ] as const) {
    const expected = rollups(samples, width);
    for (const node of nodes) {
      for (const name of names) {
        const model = expected
          .filter((r) => r.node === node && r.name === name)
          .sort((a, b) => a.bucket - b.bucket)
          .map((r) => [r.bucket, r.sum / r.count, r.min, r.max, r.count]);
        expect(await store.series({ site, node, device: 'th-1', name, resolution })).toEqual(model);
      }
    }
  }
}

describe('SQLite store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-store-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  storeContract(async () => new SqliteStore(join(dir, `ops-${Math.random()}.db`)));

  it('forgets the series id of a batch that rolled back, so the series is made again by the next batch', async () => {
    const T0 = Date.UTC(2026, 10, 28, 1, 0, 0);
    const telemetry = (seq: number, value: number) =>
      decodeMessage(
        `lophoc/v1/ttht-cho-lon/gw-p101/th-1/telemetry`,
        Buffer.from(JSON.stringify({ v: 1, ts: T0 + seq, seq, values: { co2: value } })),
      );
    const store = new SqliteStore(join(dir, 'rollback.db'));
    try {
      // A value SQLite cannot keep (NaN binds as NULL) fails the batch after the new series got its row.
      const broken = telemetry(1, 0);
      if (broken.kind !== 'telemetry' || Array.isArray(broken.payload)) throw new Error('expected one telemetry record');
      broken.payload.values.co2 = Number.NaN;
      await expect(store.write([broken], T0)).rejects.toThrow(/NOT NULL constraint failed/);
      expect(await store.write([telemetry(1, 410)], T0)).toMatchObject({ stored: 1 });
      expect(await store.series({ site: 'ttht-cho-lon', node: 'gw-p101', device: 'th-1', name: 'co2' })).toEqual([[T0 + 1, 410]]);
    } finally {
      await store.close();
    }
  });

  describe("a node's highest seq range, kept in memory for in-order claims", () => {
    const T0 = Date.UTC(2026, 10, 28, 1, 0, 0);
    const telemetry = (seq: number, ts = T0 + seq) =>
      decodeMessage(
        `lophoc/v1/ttht-cho-lon/gw-p101/th-1/telemetry`,
        Buffer.from(JSON.stringify({ v: 1, ts, seq, values: { co2: 400 + seq } })),
      );
    const seqs = (from: number, to: number, ts?: number) => Array.from({ length: to - from + 1 }, (_, i) => telemetry(from + i, ts));

    it('is read again after another connection stored seqs of the node', async () => {
      const file = join(dir, 'two-writers.db');
      const ingest = new SqliteStore(file);
      const other = new SqliteStore(file);
      try {
        expect(await ingest.write(seqs(1, 10), T0)).toMatchObject({ stored: 10, duplicates: 0 });
        expect(await other.write(seqs(11, 20), T0)).toMatchObject({ stored: 10, duplicates: 0 });
        // 11–20 are in the file now, though not in what the first connection saw of the node.
        expect(await ingest.write(seqs(11, 25), T0)).toMatchObject({ stored: 5, duplicates: 10 });
        expect(await ingest.gaps()).toEqual([]);
      } finally {
        await other.close();
        await ingest.close();
      }
    });

    it('is forgotten by a prune, so seqs sent again after their range was pruned are stored again', async () => {
      const store = new SqliteStore(join(dir, 'pruned.db'));
      try {
        expect(await store.write(seqs(1, 10, T0), T0)).toMatchObject({ stored: 10 });
        expect(await store.prune(T0 + 1, T0 + 1)).toMatchObject({ records: 10 });
        expect(await store.write(seqs(5, 12, T0 + 5000), T0 + 5000)).toMatchObject({ stored: 8, duplicates: 0 });
      } finally {
        await store.close();
      }
    });

    it('keeps what was committed when a batch rolls back', async () => {
      const store = new SqliteStore(join(dir, 'rolled-back.db'));
      try {
        expect(await store.write(seqs(1, 5), T0)).toMatchObject({ stored: 5 });
        const broken = telemetry(7);
        if (broken.kind !== 'telemetry' || Array.isArray(broken.payload)) throw new Error('expected one telemetry record');
        broken.payload.values.co2 = Number.NaN; // binds as NULL: the batch fails after its seqs were claimed
        await expect(store.write([telemetry(6), broken], T0)).rejects.toThrow(/NOT NULL constraint failed/);
        expect(await store.write(seqs(6, 8), T0)).toMatchObject({ stored: 3, duplicates: 0 });
        expect(await store.write([telemetry(3), telemetry(9)], T0)).toMatchObject({ stored: 1, duplicates: 1 });
        expect(await store.gaps()).toEqual([]);
      } finally {
        await store.close();
      }
    });

    it('answers claims below it (a replayed backlog) from the file, and a gap above it opens a new range', async () => {
      const store = new SqliteStore(join(dir, 'below.db'));
      try {
        expect(await store.write([...seqs(1, 3), ...seqs(10, 12)], T0)).toMatchObject({ stored: 6 });
        expect(await store.write(seqs(20, 21), T0)).toMatchObject({ stored: 2 });
        expect(await store.gaps()).toEqual([
          { site: 'ttht-cho-lon', node: 'gw-p101', from: 4, to: 9 },
          { site: 'ttht-cho-lon', node: 'gw-p101', from: 13, to: 19 },
        ]);
        expect(await store.write(seqs(2, 11), T0)).toMatchObject({ stored: 6, duplicates: 4 });
        expect(await store.write(seqs(13, 22), T0)).toMatchObject({ stored: 8, duplicates: 2 });
        expect(await store.gaps()).toEqual([]);
      } finally {
        await store.close();
      }
    });
  });

  it('stores every sample once when a batch holds long and short series of messages decoded by the ingest', async () => {
    // decodeIngested shares one topic object per topic name, which the store groups series by: gw-p101's 230
    // temperatures go in with statements of their own (100, 100, 30 rows), gw-p102's 3 with the other samples.
    const T0 = Date.UTC(2026, 10, 28, 1, 0, 0);
    const telemetry = (node: string, seq: number, values: Record<string, number>) =>
      decodeIngested(
        `lophoc/v1/ttht-cho-lon/${node}/th-1/telemetry`,
        Buffer.from(JSON.stringify({ v: 1, ts: T0 + seq * 1000, seq, values })),
      );
    const store = new SqliteStore(join(dir, 'series.db'));
    try {
      await store.write([telemetry('gw-p101', 150, { temperature: 5 })], T0);
      const long = Array.from({ length: 230 }, (_, i) => telemetry('gw-p101', i + 1, { temperature: 20 + i / 10 }));
      const short = [1, 2, 3].map((seq) => telemetry('gw-p102', seq, { co2: 400 + seq, temperature: 30 + seq }));
      const result = await store.write(
        [...long.slice(0, 120), ...short, telemetry('gw-p101', 7, { temperature: 99 }), ...long.slice(120)],
        T0,
      );
      expect(result).toMatchObject({ stored: 232, duplicates: 2 });
      const series = (node: string, name: string) => store.series({ site: 'ttht-cho-lon', node, device: 'th-1', name });
      expect(await series('gw-p101', 'temperature')).toEqual(long.map((_, i) => [T0 + (i + 1) * 1000, i === 149 ? 5 : 20 + i / 10]));
      expect(await series('gw-p102', 'co2')).toEqual([1, 2, 3].map((seq) => [T0 + seq * 1000, 400 + seq]));
      expect(await series('gw-p102', 'temperature')).toEqual([1, 2, 3].map((seq) => [T0 + seq * 1000, 30 + seq]));
    } finally {
      await store.close();
    }
  });
  it('stores each (node, seq) once when a batch holds many nodes with a few records each and duplicates', async () => {
    // 150 nodes, seqs out of order: seq 2 of each was stored by an earlier batch, seq 1 comes twice (the first wins).
    const T0 = Date.UTC(2026, 10, 28, 2, 0, 0);
    const nodes = Array.from({ length: 150 }, (_, i) => `gw-p${String(i).padStart(3, '0')}`);
    const telemetry = (node: string, seq: number, temperature: number) =>
      decodeIngested(
        `lophoc/v1/ttht-cho-lon/${node}/th-1/telemetry`,
        Buffer.from(JSON.stringify({ v: 1, ts: T0 + seq * 1000, seq, values: { temperature } })),
      );
    const value = (n: number, seq: number) => 20 + seq + n / 1000;
    const store = new SqliteStore(join(dir, 'many-nodes.db'));
    try {
      await store.write(
        nodes.map((node, n) => telemetry(node, 2, value(n, 2))),
        T0,
      );
      const batch = [1, 3, 2].flatMap((seq) => nodes.map((node, n) => telemetry(node, seq, value(n, seq))));
      batch.push(...nodes.map((node) => telemetry(node, 1, 99)));
      const first = await store.write(batch, T0 + 5000);
      expect(first).toMatchObject({ stored: 300, duplicates: 300 });
      expect([...first.durable.values()].map((d) => [d.node, [...d.seqs].sort((a, b) => a - b)])).toEqual(
        nodes.map((node) => [node, [1, 1, 2, 3]]),
      );
      expect(await store.write(batch, T0 + 6000)).toMatchObject({ stored: 0, duplicates: 600 });
      expect(await store.gaps()).toEqual([]);
      for (const [n, node] of nodes.entries()) {
        const query = { site: 'ttht-cho-lon', node, device: 'th-1', name: 'temperature' };
        expect(await store.series(query)).toEqual([1, 2, 3].map((seq) => [T0 + seq * 1000, value(n, seq)]));
        const [minute] = await store.series({ ...query, resolution: '1m' });
        expect(minute?.[4]).toBe(3);
      }
      const latest = await store.latest();
      expect(latest.map((l) => [l.node, l.value])).toEqual(nodes.map((node, n) => [node, value(n, 3)]));
      expect((await store.nodes()).map((s) => [s.node, s.lastSeen])).toEqual(nodes.map((node) => [node, T0 + 6000]));
    } finally {
      await store.close();
    }
  });

  it('stores each (node, seq) once, shows its gaps and sums its rollups and latest values as a plain model does, for random batches', async () => {
    // The seqs live as ranges per node (seq_ranges) and the rollups are summed per series of a batch; the model is
    // a set of (node, seq) and rollups()/newestPerSeries() over the samples stored, in order: every write's stored
    // and duplicate counts, the gaps after it, the 1-minute and 1-hour rollups and latest values must be what the
    // model says. Integer values, so sums do not depend on the order of addition.
    const T0 = Date.UTC(2026, 10, 28, 3, 59, 0);
    const nodes = ['gw-p101', 'gw-p102', 'gw-p103'];
    const names = ['temperature', 'co2'];
    const message = fc.record({
      node: fc.constantFrom(...nodes),
      seq: fc.integer({ min: 0, max: 60 }),
      ts: fc.integer({ min: 0, max: 150 }).map((s) => T0 + s * 1000),
      values: fc.dictionary(fc.constantFrom(...names), fc.integer({ min: -50, max: 5000 }), { minKeys: 1, maxKeys: 2 }),
    });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(message, { minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 6 }), async (batches) => {
        const store = new SqliteStore(join(dir, `random-${run++}.db`));
        const stored = new Map(nodes.map((node) => [node, new Set<number>()]));
        const samples: LatestValue[] = [];
        try {
          for (const batch of batches) {
            const messages = batch.map(({ node, seq, ts, values }) =>
              decodeIngested(`lophoc/v1/ttht-cho-lon/${node}/th-1/telemetry`, Buffer.from(JSON.stringify({ v: 1, ts, seq, values }))),
            );
            let fresh = 0;
            for (const { node, seq, ts, values } of batch) {
              const seqs = stored.get(node)!;
              if (seqs.has(seq)) continue;
              fresh++;
              seqs.add(seq);
              for (const [name, value] of Object.entries(values))
                samples.push({ site: 'ttht-cho-lon', node, device: 'th-1', name, value, ts });
            }
            expect(await store.write(messages, T0)).toMatchObject({ stored: fresh, duplicates: batch.length - fresh });
            const gaps = nodes.flatMap((node) => {
              const seqs = [...stored.get(node)!].sort((a, b) => a - b);
              return seqs
                .slice(1)
                .flatMap((seq, i) => (seq > seqs[i]! + 1 ? [{ site: 'ttht-cho-lon', node, from: seqs[i]! + 1, to: seq - 1 }] : []));
            });
            expect(await store.gaps()).toEqual(gaps);
          }
          const rows = (values: LatestValue[]) => values.map(({ node, name, ts, value }) => `${node}/${name} ${ts} ${value}`).sort();
          expect(rows(await store.latest())).toEqual(rows(newestPerSeries(samples)));
          await expectRollupsOfModel(store, samples, 'ttht-cho-lon', nodes, names);
        } finally {
          await store.close();
        }
      }),
      { numRuns: 60 },
    );
  });

  describe('rollups of recent minutes, written once a minute', () => {
    const T0 = Date.UTC(2026, 10, 28, 3, 59, 0);
    const site = 'ttht-cho-lon';
    const nodes = ['gw-p101', 'gw-p102'];
    const names = ['temperature', 'co2'];
    /** A process killed with its store open: what was committed stays, what it held in memory is gone. */
    const crash = async (store: SqliteStore) => {
      const inside = store as unknown as { db: Database.Database; checkpointer?: { stop(): Promise<void> } };
      await inside.checkpointer?.stop();
      inside.db.close();
    };
    const telemetry = (node: string, seq: number, ts: number, values: Record<string, number>) =>
      decodeIngested(`lophoc/v1/${site}/${node}/th-1/telemetry`, Buffer.from(JSON.stringify({ v: 1, ts, seq, values })));
    const expectRollups = (store: SqliteStore, samples: LatestValue[]) => expectRollupsOfModel(store, samples, site, nodes, names);

    it('equal a plain model across reads, flushes, replayed backlogs and crashes, for random steps', async () => {
      const message = fc.record({
        node: fc.constantFrom(...nodes),
        seq: fc.integer({ min: 0, max: 80 }),
        ts: fc.integer({ min: 0, max: 150 }).map((s) => T0 + s * 1000),
        values: fc.dictionary(fc.constantFrom(...names), fc.integer({ min: -50, max: 5000 }), { minKeys: 1, maxKeys: 2 }),
      });
      const step = fc.oneof(
        // late: the batch arrives 3 hours after its samples (a replayed backlog), past the deferral: written at once.
        {
          weight: 6,
          arbitrary: fc.record({
            kind: fc.constant('batch' as const),
            messages: fc.array(message, { minLength: 1, maxLength: 30 }),
            late: fc.boolean(),
          }),
        },
        { weight: 2, arbitrary: fc.constant({ kind: 'crash' as const }) },
        { weight: 1, arbitrary: fc.constant({ kind: 'read' as const }) },
      );
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), fc.constantFrom(0, 60_000), async (steps, rollupFlushMs) => {
          const file = join(dir, `deferred-${run++}.db`);
          let store = new SqliteStore(file, { rollupFlushMs });
          const stored = new Map(nodes.map((node) => [node, new Set<number>()]));
          const samples: LatestValue[] = [];
          try {
            for (const current of steps) {
              if (current.kind === 'crash') {
                await crash(store);
                store = new SqliteStore(file, { rollupFlushMs });
              } else if (current.kind === 'read') await expectRollups(store, samples);
              else {
                for (const { node, seq, ts, values } of current.messages) {
                  if (stored.get(node)!.has(seq)) continue;
                  stored.get(node)!.add(seq);
                  for (const [name, value] of Object.entries(values)) samples.push({ site, node, device: 'th-1', name, value, ts });
                }
                const messages = current.messages.map(({ node, seq, ts, values }) => telemetry(node, seq, ts, values));
                await store.write(messages, current.late ? T0 + 3 * 3_600_000 : T0);
              }
            }
            await expectRollups(store, samples);
          } finally {
            await store.close();
          }
        }),
        { numRuns: 60 },
      );
    });

    it('are written before a prune drops points, so a crash after the prune loses none of them', async () => {
      const file = join(dir, 'pruned-then-crashed.db');
      const store = new SqliteStore(file);
      await store.write([telemetry('gw-p101', 1, T0, { co2: 500 }), telemetry('gw-p101', 2, T0 + 1000, { co2: 700 })], T0);
      expect(await store.prune(T0 + 60_000, 0)).toMatchObject({ samples: 2 });
      await crash(store);
      const next = new SqliteStore(file);
      const query = { site, node: 'gw-p101', device: 'th-1', name: 'co2', resolution: '1m' } as const;
      expect(await next.series(query)).toEqual([[T0 - (T0 % 60_000), 600, 500, 700, 2]]);
      await next.close();
    });

    it('after a crash, a reader (writer: false) leaves them alone and the next writer computes them from points', async () => {
      const file = join(dir, 'crashed.db');
      const values = [410, 405, 1200, 398];
      const writer = new SqliteStore(file);
      await writer.write(
        values.map((co2, i) => telemetry('gw-p101', i + 1, T0 + i * 1000, { co2 })),
        T0,
      );
      await crash(writer); // within the minute: nothing written to rollup_1m yet
      const query = { site, node: 'gw-p101', device: 'th-1', name: 'co2', resolution: '1m' } as const;
      const reader = new SqliteStore(file, { writer: false });
      expect(await reader.series(query)).toEqual([]);
      await reader.close();
      const next = new SqliteStore(file);
      const minute = T0 - (T0 % 60_000);
      expect(await next.series(query)).toEqual([[minute, (410 + 405 + 1200 + 398) / 4, 398, 1200, 4]]);
      expect(await next.series({ ...query, resolution: '1h' })).toEqual([
        [T0 - (T0 % 3_600_000), (410 + 405 + 1200 + 398) / 4, 398, 1200, 4],
      ]);
      await next.close();
      const raw = new Database(file, { readonly: true });
      expect(raw.prepare('SELECT count(*) AS n FROM rollup_pending').get()).toEqual({ n: 0 });
      raw.close();
    });
  });

  it('sums one series into its rollups and latest value when its messages do not share a topic object', async () => {
    // decodeMessage (tests, tools) gives each message its own topic object, unlike the ingest's decoder.
    const T0 = Date.UTC(2026, 10, 28, 5, 0, 0);
    const store = new SqliteStore(join(dir, 'unshared.db'));
    try {
      const result = await store.write(
        [1, 2, 3].map((seq) =>
          decodeMessage(
            'lophoc/v1/ttht-cho-lon/gw-p101/th-1/telemetry',
            Buffer.from(JSON.stringify({ v: 1, ts: T0 + seq * 1000, seq, values: { temperature: 20 + seq } })),
          ),
        ),
        T0,
      );
      expect(result.latest).toEqual([
        { site: 'ttht-cho-lon', node: 'gw-p101', device: 'th-1', name: 'temperature', value: 23, ts: T0 + 3000 },
      ]);
      const query = { site: 'ttht-cho-lon', node: 'gw-p101', device: 'th-1', name: 'temperature' } as const;
      expect(await store.series({ ...query, resolution: '1m' })).toEqual([[T0, 22, 21, 23, 3]]);
    } finally {
      await store.close();
    }
  });

  it('lists every stored seq in the records view, with the kind, device and time of its row', async () => {
    const T0 = Date.UTC(2026, 10, 28, 4, 0, 0);
    const msg = (topic: string, payload: unknown) => decodeMessage(topic, Buffer.from(JSON.stringify(payload)));
    const file = join(dir, 'view.db');
    const store = new SqliteStore(file);
    try {
      await store.write(
        [
          msg(
            'lophoc/v1/ttht-cho-lon/gw-p101/th-1/telemetry',
            [1, 2, 4].map((seq) => ({ v: 1, ts: T0 + seq, seq, values: { temperature: 20 } })),
          ),
          msg('lophoc/v1/ttht-cho-lon/gw-p101/reader-1/event', { v: 1, ts: T0 + 3, seq: 3, type: 'card', data: { card: 'c-9f2a' } }),
          msg('lophoc/v1/ttht-cho-lon/kiosk-1/outbox/rating', { v: 1, ts: T0 + 9, seq: 7, key: 'rating-0001', data: { stars: 5 } }),
        ],
        T0 + 100,
      );
    } finally {
      await store.close();
    }
    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare('SELECT site, node, seq, kind, device, ts, received_at FROM records ORDER BY node, seq').all()).toEqual([
        ...[1, 2, 3, 4].map((seq) => ({
          site: 'ttht-cho-lon',
          node: 'gw-p101',
          seq,
          kind: seq === 3 ? 'event' : 'telemetry',
          device: seq === 3 ? 'reader-1' : 'th-1',
          ts: T0 + seq,
          received_at: T0 + 100,
        })),
        { site: 'ttht-cho-lon', node: 'kiosk-1', seq: 7, kind: 'outbox/rating', device: null, ts: T0 + 9, received_at: T0 + 100 },
      ]);
    } finally {
      db.close();
    }
  });
});

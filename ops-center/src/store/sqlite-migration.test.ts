import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeMessage } from '@lophoc/protocol';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from './sqlite-store.js';
import type { SeriesQuery } from './store.js';

const T0 = Date.UTC(2026, 10, 28, 1, 0, 0);
const telemetry = (seq: number, ts: number, values: Record<string, number>, node = 'gw-p101') =>
  decodeMessage(`lophoc/v1/ttht-cho-lon/${node}/th-1/telemetry`, Buffer.from(JSON.stringify({ v: 1, ts, seq, values })));

/** `samples` as ops-center files before schema versions had it (commit 021b6cd), verbatim. */
const V0_SAMPLES = `
  CREATE TABLE samples (
    site TEXT NOT NULL, node TEXT NOT NULL, device TEXT NOT NULL, name TEXT NOT NULL,
    ts INTEGER NOT NULL, value REAL NOT NULL
  );
  CREATE INDEX samples_by_series ON samples (site, node, device, name, ts);
`;

/** `records` as ops-center files had it up to schema version 1 (commit c68a98b), verbatim. */
const V1_RECORDS = `
  CREATE TABLE records (
    site TEXT NOT NULL, node TEXT NOT NULL, seq INTEGER NOT NULL,
    kind TEXT NOT NULL, device TEXT, ts INTEGER NOT NULL, received_at INTEGER NOT NULL,
    PRIMARY KEY (site, node, seq)
  ) WITHOUT ROWID;
  CREATE INDEX records_by_received ON records (received_at);
`;

/** `samples` as ops-center files had it in schema versions 1 and 2 (commit 8c67a56), verbatim. */
const V2_SAMPLES = `CREATE TABLE IF NOT EXISTS samples (
    site TEXT NOT NULL, node TEXT NOT NULL, device TEXT NOT NULL, name TEXT NOT NULL,
    ts INTEGER NOT NULL, seq INTEGER NOT NULL, value REAL NOT NULL,
    PRIMARY KEY (site, node, device, name, ts, seq)
  ) WITHOUT ROWID;`;

/**
 * Turns a file into one in the version 2 layout: `samples` a table keyed by the series' four names, filled from
 * the version 3 view, `series` and `points` gone, the `records` view (which reads samples) made again as version 2
 * had it.
 */
function downgradeToV2(file: string): void {
  const db = new Database(file);
  db.transaction(() => {
    const recordsView = db
      .prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'view' AND name = 'records'")
      .get()!.sql;
    db.exec('DROP VIEW records');
    db.exec('ALTER TABLE points RENAME TO points_v3');
    db.exec('ALTER TABLE series RENAME TO series_v3');
    db.exec('DROP VIEW samples');
    db.exec(V2_SAMPLES);
    db.exec(
      `INSERT INTO samples (site, node, device, name, ts, seq, value)
       SELECT s.site, s.node, s.device, s.name, p.ts, p.seq, p.value FROM points_v3 p JOIN series_v3 s ON s.id = p.series`,
    );
    db.exec('DROP TABLE points_v3');
    db.exec('DROP TABLE series_v3');
    db.exec(recordsView);
    db.pragma('user_version = 2');
  })();
  db.close();
}

/**
 * Turns a file into one as the ops-center wrote it before schema versions: everything else in these files is the
 * same, so the data goes in through the store and `samples` is then rebuilt in the old layout, rows in arrival
 * order (the old rowids), `records` rebuilt with a row per stored seq (from the samples, every record here has
 * one), and the version reset to 0.
 */
function downgradeToV0(file: string): void {
  downgradeToV2(file);
  const db = new Database(file);
  db.transaction(() => {
    db.exec('ALTER TABLE samples RENAME TO samples_v1');
    db.exec(V0_SAMPLES);
    db.exec(
      `INSERT INTO samples (site, node, device, name, ts, value)
       SELECT site, node, device, name, ts, value FROM samples_v1 ORDER BY site, node, device, name, ts, seq`,
    );
    db.exec('DROP VIEW records');
    db.exec(V1_RECORDS);
    db.exec(
      `INSERT INTO records (site, node, seq, kind, device, ts, received_at)
       SELECT DISTINCT site, node, seq, 'telemetry', device, ts, ${T0} FROM samples_v1`,
    );
    db.exec('DROP TABLE seq_ranges');
    db.exec('DROP TABLE samples_v1');
    db.pragma('user_version = 0');
  })();
  db.close();
}

const queries: SeriesQuery[] = [
  { site: 'ttht-cho-lon', node: 'gw-p101', device: 'th-1', name: 'temperature' },
  { site: 'ttht-cho-lon', node: 'gw-p101', device: 'th-1', name: 'co2' },
  { site: 'ttht-cho-lon', node: 'gw-p102', device: 'th-1', name: 'temperature' },
  { site: 'ttht-cho-lon', node: 'gw-p101', device: 'th-1', name: 'temperature', from: T0 + 30_000, to: T0 + 200_000, limit: 5 },
  { site: 'ttht-cho-lon', node: 'gw-p101', device: 'th-1', name: 'temperature', resolution: '1m' },
  { site: 'ttht-cho-lon', node: 'gw-p101', device: 'th-1', name: 'co2', resolution: '1h' },
];

describe('SQLite schema migration', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-migrate-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('moves samples of a file from before schema versions into the keyed table, and the queries answer the same', async () => {
    const file = join(dir, 'ops.db');
    let store = new SqliteStore(file);
    // 3 records every 10 s over 5 min on gw-p101, two readings each, plus gw-p102; seq 500 and 501 share a ts.
    await store.write(
      Array.from({ length: 30 }, (_, i) => telemetry(i + 1, T0 + i * 10_000, { temperature: 25 + i / 10, co2: 400 + i })),
      T0,
    );
    await store.write(
      [
        telemetry(500, T0 + 400_000, { temperature: 31 }),
        telemetry(501, T0 + 400_000, { temperature: 32 }),
        telemetry(1, T0, { temperature: 19 }, 'gw-p102'),
      ],
      T0,
    );
    const before = await Promise.all(queries.map((q) => store.series(q)));
    const gaps = await store.gaps();
    await store.close();
    downgradeToV0(file);

    const v0 = new Database(file, { readonly: true });
    expect(v0.pragma('user_version', { simple: true })).toBe(0);
    expect(v0.prepare('SELECT count(*) AS n FROM samples').get()).toEqual({ n: 63 });
    expect(v0.prepare('SELECT count(*) AS n FROM records').get()).toEqual({ n: 33 });
    v0.close();

    store = new SqliteStore(file);
    expect(await Promise.all(queries.map((q) => store.series(q)))).toEqual(before);
    expect(before[0]).toHaveLength(32);
    expect(before[0]!.slice(-2)).toEqual([
      [T0 + 400_000, 31],
      [T0 + 400_000, 32],
    ]);
    expect(await store.gaps()).toEqual(gaps);
    // A new record at the ts of migrated samples is stored beside them, and a duplicate still is not.
    const more = await store.write(
      [telemetry(502, T0 + 400_000, { temperature: 33 }), telemetry(500, T0 + 400_000, { temperature: 0 })],
      T0,
    );
    expect(more).toMatchObject({ stored: 1, duplicates: 1 });
    expect((await store.series(queries[0]!)).slice(-3).map(([, value]) => value)).toEqual([31, 32, 33]);
    // Records go by range, once all of a range is older (received and timed): gw-p102's seq 1 only; gw-p101's
    // 1–30 reach T0 + 290 s. (A row per record, before version 2, took gw-p101's 1–10 as well.)
    expect(await store.prune(T0 + 100_000, 0)).toEqual({ samples: 21, records: 1 });
    expect(await store.series(queries[0]!)).toHaveLength(23);
    await store.close();

    const migrated = new Database(file, { readonly: true });
    expect(migrated.pragma('user_version', { simple: true })).toBe(3);
    expect(migrated.prepare('SELECT node, first, last FROM seq_ranges ORDER BY node, first').all()).toEqual([
      { node: 'gw-p101', first: 1, last: 30 },
      { node: 'gw-p101', first: 500, last: 502 },
    ]);
    // `records` is now a view over the ranges (its index went with the table) and lists every stored seq; kind,
    // device and ts only where a row carries the seq (samples migrated from version 0 do not: theirs is below zero).
    expect(migrated.prepare("SELECT type, name FROM sqlite_master WHERE tbl_name = 'records'").all()).toEqual([
      { type: 'view', name: 'records' },
    ]);
    const none = { kind: null, device: null, ts: null };
    expect(migrated.prepare("SELECT seq, kind, device, ts FROM records WHERE node = 'gw-p101' AND seq >= 29 ORDER BY seq").all()).toEqual([
      { seq: 29, ...none },
      { seq: 30, ...none },
      { seq: 500, ...none },
      { seq: 501, ...none },
      { seq: 502, kind: 'telemetry', device: 'th-1', ts: T0 + 400_000 },
    ]);
    migrated.close();
  });

  it('moves samples of a version 2 file under series ids in one step; series, rollups, gaps, prune and the views answer the same', async () => {
    const file = join(dir, 'ops.db');
    let store = new SqliteStore(file);
    await store.write(
      Array.from({ length: 20 }, (_, i) => telemetry(i + 1, T0 + i * 10_000, { temperature: 25 + i / 10, co2: 400 + i })),
      T0,
    );
    await store.write([telemetry(40, T0 + 300_000, { temperature: 30 }), telemetry(1, T0, { temperature: 19 }, 'gw-p102')], T0 + 1);
    const before = await Promise.all(queries.map((q) => store.series(q)));
    const latest = await store.latest();
    const gaps = await store.gaps();
    await store.close();
    const read = (db: Database.Database) => ({
      samples: db.prepare('SELECT * FROM samples ORDER BY site, node, device, name, ts, seq').all(),
      records: db.prepare('SELECT * FROM records ORDER BY site, node, seq').all(),
    });
    let db = new Database(file, { readonly: true });
    const views = read(db);
    db.close();
    expect(views.samples).toHaveLength(42);
    expect(views.records).toHaveLength(22);
    downgradeToV2(file);

    db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(db.prepare("SELECT type, name FROM sqlite_master WHERE name IN ('samples', 'series', 'points') ORDER BY name").all()).toEqual([
      { type: 'table', name: 'samples' },
    ]);
    expect(read(db)).toEqual(views);
    db.close();

    store = new SqliteStore(file);
    expect(await Promise.all(queries.map((q) => store.series(q)))).toEqual(before);
    expect(await store.latest()).toEqual(latest);
    expect(await store.gaps()).toEqual(gaps);
    // New samples of a migrated series go under its id; a duplicate is still refused.
    expect(
      await store.write([telemetry(41, T0 + 310_000, { temperature: 31 }), telemetry(40, T0 + 300_000, { temperature: 0 })], T0 + 2),
    ).toMatchObject({
      stored: 1,
      duplicates: 1,
    });
    expect((await store.series(queries[0]!)).slice(-2)).toEqual([
      [T0 + 300_000, 30],
      [T0 + 310_000, 31],
    ]);
    expect(await store.prune(T0 + 100_000, 0)).toEqual({ samples: 21, records: 1 });
    await store.close();

    db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(3);
    expect(db.prepare('SELECT site, node, device, name FROM series ORDER BY id').all()).toEqual([
      { site: 'ttht-cho-lon', node: 'gw-p101', device: 'th-1', name: 'co2' },
      { site: 'ttht-cho-lon', node: 'gw-p101', device: 'th-1', name: 'temperature' },
      { site: 'ttht-cho-lon', node: 'gw-p102', device: 'th-1', name: 'temperature' },
    ]);
    expect(db.prepare("SELECT count(*) AS n FROM samples WHERE node = 'gw-p101' AND name = 'temperature'").get()).toEqual({ n: 12 });
    db.close();
  });

  it('opens a file of the current version as it is, and refuses one written by a newer ops-center', async () => {
    const file = join(dir, 'ops.db');
    let store = new SqliteStore(file);
    await store.write([telemetry(1, T0, { temperature: 30 })], T0);
    await store.close();
    store = new SqliteStore(file);
    expect(await store.series(queries[0]!)).toEqual([[T0, 30]]);
    await store.close();

    const db = new Database(file);
    db.pragma('user_version = 7');
    db.close();
    expect(() => new SqliteStore(file)).toThrow(
      `ops-center: ${file} has schema version 7, this ops-center knows up to 3; run a newer ops-center`,
    );
  });
});

import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { decodeMessage } from '@lophoc/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from './sqlite-store.js';

const T0 = Date.UTC(2026, 10, 28, 1, 0, 0);
const telemetry = (seq: number) =>
  decodeMessage(
    'lophoc/v1/ttht-cho-lon/gw-p101/th-1/telemetry',
    Buffer.from(JSON.stringify({ v: 1, ts: T0 + seq, seq, values: { temperature: 30, co2: 400 + (seq % 600) } })),
  );

describe('SQLite checkpoints from a worker thread', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-checkpoint-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('copies committed pages into the database file while the writer never checkpoints, and loses nothing', async () => {
    const file = join(dir, 'ops.db');
    const store = new SqliteStore(file);
    const empty = statSync(file).size;
    let seq = 0;
    for (let batch = 0; batch < 40; batch++) {
      await store.write(
        Array.from({ length: 250 }, () => telemetry(++seq)),
        T0,
      );
      await sleep(5); // the ingest's writes come between network reads
    }
    // The writer runs with wal_autocheckpoint = 0: only the worker moves pages from the WAL into the file. 20,000
    // samples keyed by series id come to ~0.5 MB in the file.
    const deadline = Date.now() + 10_000;
    while (statSync(file).size < empty + 400_000 && Date.now() < deadline) await sleep(50);
    expect(statSync(file).size).toBeGreaterThan(empty + 400_000);
    await store.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
    const reopened = new SqliteStore(file);
    const points = await reopened.series({ site: 'ttht-cho-lon', node: 'gw-p101', device: 'th-1', name: 'co2', limit: 100_000 });
    expect(points).toHaveLength(seq);
    expect(await reopened.gaps()).toEqual([]);
    await reopened.close();
  });
  it('never fails a batch while checkpoints that restart the WAL hold the write lock', async () => {
    // A checkpoint RESTART takes the write lock for a moment. A batch must wait for it (the busy timeout), not fail
    // with SQLITE_BUSY: a batch whose transaction first read and then wrote (deferred) failed in about half of
    // 600-batch runs against the checkpointer (2026-11-29).
    const file = join(dir, 'ops.db');
    const store = new SqliteStore(file);
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const checkpoints = new Worker(
      `const { workerData } = require('node:worker_threads');
       const db = new (require(workerData.sqlite))(workerData.file, { timeout: 5000 });
       let runs = 0;
       while (Atomics.load(workerData.stop, 0) === 0) { db.pragma('wal_checkpoint(RESTART)'); runs++; }
       db.close();
       require('node:worker_threads').parentPort.postMessage(runs);`,
      { eval: true, workerData: { file, stop, sqlite: createRequire(import.meta.url).resolve('better-sqlite3') } },
    );
    const ran = new Promise<number>((resolve, reject) => {
      checkpoints.once('message', resolve);
      checkpoints.once('error', reject);
    });
    let seq = 0;
    let stored = 0;
    try {
      for (let batch = 0; batch < 300; batch++) {
        stored += (
          await store.write(
            Array.from({ length: 20 }, () => telemetry(++seq)),
            T0,
          )
        ).stored;
        await sleep(0);
      }
    } finally {
      Atomics.store(stop, 0, 1);
    }
    expect(await ran).toBeGreaterThan(10);
    expect(stored).toBe(seq);
    expect(await store.gaps()).toEqual([]);
    await store.close();
  });
});

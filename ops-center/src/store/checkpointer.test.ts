import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
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
});

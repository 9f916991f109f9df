import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeIngested } from '../ingest/decode.js';
import { SqliteStore } from './sqlite-store.js';
import { storeContract } from './store-contract.js';

describe('SQLite store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-store-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  storeContract(async () => new SqliteStore(join(dir, `ops-${Math.random()}.db`)));

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
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BatchingWriter } from './batching-writer.js';
import { Outbox, Priority } from './outbox.js';

describe('BatchingWriter', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-batch-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes one event-loop turn of records in one transaction, in order, with consecutive seq', async () => {
    const outbox = new Outbox(join(dir, 'outbox.db'));
    let drains = 0;
    const writer = new BatchingWriter(outbox, () => drains++);
    for (let i = 0; i < 100; i++) writer.write('t', Priority.telemetry, (seq) => ({ seq, i }));
    expect(outbox.depth()).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(outbox.depth()).toBe(100);
    expect(writer.batches).toBe(1);
    expect(drains).toBe(1);
    const records = outbox.takeUnsent(100).map((r) => JSON.parse(r.payload) as { seq: number; i: number });
    expect(records.map((r) => r.seq)).toEqual(records.map((r) => r.i + 1));
    writer.write('t', Priority.telemetry, (seq) => ({ seq }));
    writer.flush(); // on stop, nothing pending is lost
    expect(outbox.depth()).toBe(101);
    outbox.close();
  });
});

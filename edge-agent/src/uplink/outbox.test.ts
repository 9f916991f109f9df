import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox, Priority } from './outbox.js';

describe('Outbox', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-outbox-'));
    file = join(dir, 'outbox.db');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('allocates increasing seq numbers that survive a reopen', () => {
    const first = new Outbox(file);
    expect(first.append('t', Priority.telemetry, (seq) => ({ seq }))).toBe(1);
    expect(first.append('t', Priority.telemetry, (seq) => ({ seq }))).toBe(2);
    first.acknowledge([[1, 2]]);
    first.close();
    const second = new Outbox(file);
    expect(second.append('t', Priority.telemetry, (seq) => ({ seq }))).toBe(3);
    expect(JSON.parse(second.takeUnsent(10)[0]!.payload)).toEqual({ seq: 3 });
    second.close();
  });

  it('sends higher priorities first, then by seq, and each record once until requeued', () => {
    const outbox = new Outbox(file);
    outbox.append('telemetry', Priority.telemetry, () => ({}));
    outbox.append('event', Priority.event, () => ({}));
    outbox.append('telemetry', Priority.telemetry, () => ({}));
    outbox.append('attendance', Priority.attendance, () => ({}));
    expect(outbox.takeUnsent(2).map((r) => r.seq)).toEqual([4, 2]);
    expect(outbox.takeUnsent(10).map((r) => r.seq)).toEqual([1, 3]);
    expect(outbox.takeUnsent(10)).toEqual([]);
    expect(outbox.requeue()).toBe(4);
    expect(outbox.takeUnsent(10).map((r) => r.seq)).toEqual([4, 2, 1, 3]);
    outbox.close();
  });

  it('requeues only records whose ack is overdue', () => {
    const outbox = new Outbox(file);
    outbox.append('a', 0, () => ({}));
    outbox.append('b', 0, () => ({}));
    outbox.takeUnsent(1, 1000);
    outbox.takeUnsent(1, 5000);
    expect(outbox.requeue(2000)).toBe(1);
    expect(outbox.takeUnsent(10).map((r) => r.seq)).toEqual([1]);
    outbox.close();
  });

  it('deletes only acknowledged ranges and keeps the rest across a restart', () => {
    const outbox = new Outbox(file);
    for (let i = 0; i < 10; i++) outbox.append('t', 0, (seq) => ({ seq }));
    outbox.takeUnsent(10);
    expect(
      outbox.acknowledge([
        [1, 3],
        [7, 8],
      ]),
    ).toBe(5);
    expect(outbox.depth()).toBe(5);
    outbox.close();
    const reopened = new Outbox(file);
    expect(reopened.takeUnsent(10).map((r) => r.seq)).toEqual([4, 5, 6, 9, 10]);
    reopened.close();
  });
});

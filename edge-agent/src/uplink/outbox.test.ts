import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
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

  it('sends overdue records again before newer ones of the same priority, and counts only those not yet acknowledged', () => {
    const outbox = new Outbox(file);
    for (let i = 0; i < 4; i++) outbox.append('t', Priority.telemetry, (seq) => ({ seq }));
    expect(outbox.takeUnsent(4, 1000).map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    outbox.acknowledge([[2, 2]]);
    outbox.append('t', Priority.telemetry, (seq) => ({ seq })); // 5, appended while 1-4 are in flight
    outbox.append('a', Priority.attendance, (seq) => ({ seq })); // 6
    expect(outbox.requeue(1500)).toBe(3); // 1, 3, 4: seq 2 was acknowledged
    expect(outbox.takeUnsent(3, 2000).map((r) => r.seq)).toEqual([6, 1, 3]);
    expect(outbox.takeUnsent(10, 2000).map((r) => r.seq)).toEqual([4, 5]);
    expect(outbox.takeUnsent(10, 2000)).toEqual([]);
    expect(outbox.requeue(1500)).toBe(0); // nothing went out at or before 1500 since
    expect(outbox.requeue(2000)).toBe(5);
    outbox.close();
  });

  it('writes nothing to the file when records are handed out (in flight is in memory; a restart sends all again)', () => {
    const outbox = new Outbox(file);
    for (let i = 0; i < 3; i++) outbox.append('t', Priority.telemetry, (seq) => ({ seq }));
    const walBefore = statSync(`${file}-wal`).size;
    outbox.takeUnsent(3);
    expect(statSync(`${file}-wal`).size).toBe(walBefore);
    outbox.close();
    const reopened = new Outbox(file);
    expect(reopened.takeUnsent(10).map((r) => r.seq)).toEqual([1, 2, 3]);
    reopened.close();
  });

  it('opens an outbox written by the previous schema (sent_at column and its indexes) and resends its in-flight records', () => {
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    old.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
      INSERT INTO meta (key, value) VALUES ('next_seq', 3), ('bytes', 18), ('appended', 2), ('acknowledged', 0),
        ('droppedTelemetry', 0), ('droppedEvents', 0), ('refused', 0), ('keptOverLimit', 0);
      CREATE TABLE records (seq INTEGER PRIMARY KEY, priority INTEGER NOT NULL, topic TEXT NOT NULL, payload TEXT NOT NULL,
        created_at INTEGER NOT NULL, sent_at INTEGER);
      CREATE INDEX records_unsent ON records (priority DESC, seq) WHERE sent_at IS NULL;
      CREATE INDEX records_droppable ON records (priority, seq) WHERE priority <= 5;
      INSERT INTO records VALUES (1, 0, 't', '{"seq":1,"x":1}', 0, 12345), (2, 10, 'a', '{"seq":2}', 0, NULL);
    `);
    old.close();
    const outbox = new Outbox(file);
    expect(outbox.depth()).toBe(2);
    expect(outbox.takeUnsent(10).map((r) => r.seq)).toEqual([2, 1]);
    expect(outbox.append('t', Priority.telemetry, (seq) => ({ seq }))).toBe(3);
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

describe('Outbox bound on disk', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-outbox-bound-'));
    file = join(dir, 'outbox.db');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const record = (kind: string) => (seq: number) => ({ kind, seq, pad: 'x'.repeat(70) }); // ~100 bytes each

  it('drops the oldest telemetry first, then events, never attendance, and counts each', () => {
    const outbox = new Outbox(file, { maxBytes: 540 }); // records are 103-109 bytes
    const sizeOf = JSON.stringify(record('telemetry')(1)).length;
    expect(sizeOf).toBeGreaterThan(90);
    outbox.append('t', Priority.telemetry, record('telemetry')); // 1
    outbox.append('e', Priority.event, record('event')); // 2
    outbox.append('a', Priority.attendance, record('attendance')); // 3
    outbox.append('t', Priority.telemetry, record('telemetry')); // 4
    outbox.append('e', Priority.event, record('event')); // 5: 529 bytes, nearly full
    expect(outbox.append('a', Priority.attendance, record('attendance'))).toBe(6); // drops telemetry 1
    expect(outbox.append('a', Priority.attendance, record('attendance'))).toBe(7); // drops telemetry 4
    expect(outbox.append('a', Priority.attendance, record('attendance'))).toBe(8); // drops event 2
    expect(outbox.counters()).toMatchObject({ droppedTelemetry: 2, droppedEvents: 1, refused: 0, keptOverLimit: 0 });
    expect(outbox.takeUnsent(10).map((r) => r.seq)).toEqual([3, 6, 7, 8, 5]);
    expect(outbox.bytes()).toBeLessThanOrEqual(540);
    outbox.close();
  });

  it('refuses new telemetry and keeps attendance past the bound when nothing droppable is left', () => {
    const outbox = new Outbox(file, { maxBytes: 250 });
    outbox.append('a', Priority.attendance, record('attendance'));
    outbox.append('a', Priority.attendance, record('attendance'));
    expect(outbox.append('t', Priority.telemetry, record('telemetry'))).toBeUndefined();
    expect(outbox.append('a', Priority.attendance, record('attendance'))).toBe(3); // seq 3: the refusal used no seq
    expect(outbox.counters()).toMatchObject({ refused: 1, keptOverLimit: 1, appended: 3 });
    expect(outbox.depth()).toBe(3);
    outbox.close();
  });

  it('keeps byte accounting and counters across acknowledgements and restarts', () => {
    const outbox = new Outbox(file, { maxBytes: 10_000 });
    for (let i = 0; i < 5; i++) outbox.append('t', Priority.telemetry, record('telemetry'));
    const before = outbox.bytes();
    outbox.acknowledge([[1, 2]]);
    expect(outbox.bytes()).toBe(Math.round((before * 3) / 5));
    outbox.close();
    const reopened = new Outbox(file);
    expect(reopened.counters()).toMatchObject({ appended: 5, acknowledged: 2 });
    expect(reopened.bytes()).toBe(Math.round((before * 3) / 5));
    reopened.close();
  });

  it('refuses a nonsensical bound by name', () => {
    expect(() => new Outbox(file, { maxBytes: 0 })).toThrow('outbox maxBytes must be positive, got 0');
  });
});

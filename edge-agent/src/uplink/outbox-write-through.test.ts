import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox, Priority } from './outbox.js';

type Op =
  | { kind: 'append'; priorities: number[] }
  | { kind: 'take'; limit: number }
  | { kind: 'ack'; from: number; length: number; any: boolean }
  | { kind: 'requeue' }
  | { kind: 'overdue' }
  | { kind: 'tick' };

const priority = fc.constantFrom(Priority.telemetry, Priority.event, Priority.attendance);
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({ kind: fc.constant('append' as const), priorities: fc.array(priority, { minLength: 1, maxLength: 6 }) }),
  },
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('take' as const), limit: fc.integer({ min: 1, max: 20 }) }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('ack' as const),
      from: fc.integer({ min: 1, max: 80 }),
      length: fc.integer({ min: 0, max: 40 }),
      any: fc.constantFrom(false, false, false, true),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'requeue' as const }) }, // rare, as reconnects are
  { weight: 1, arbitrary: fc.constant({ kind: 'overdue' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'tick' as const }) },
);

describe('Outbox write-through (records appended while caught up are handed out from memory)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-outbox-wt-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('hands out exactly what reading the file back would, through appends, takes, acks, drops and requeues', () => {
    let run = 0;
    let fromMemory = 0;
    fc.assert(
      fc.property(fc.array(op, { minLength: 20, maxLength: 80 }), fc.constantFrom(400, 4000), (ops, maxBytes) => {
        run++;
        // Small bounds, so drops (also of records not yet handed out) and refusals happen too.
        const memory = new Outbox(join(dir, `m${run}.db`), { maxBytes });
        const file = new Outbox(join(dir, `f${run}.db`), { maxBytes, writeThrough: false });
        try {
          let now = 1000;
          let highestTaken = 0;
          for (const step of ops) {
            const both = <T>(fn: (outbox: Outbox) => T): T => {
              const expected = fn(file);
              expect(fn(memory)).toEqual(expected);
              return expected;
            };
            if (step.kind === 'append') {
              both((o) =>
                o.appendMany(
                  step.priorities.map((p) => ({ topic: `t/${p}`, priority: p, build: (seq) => ({ seq, p, pad: 'x'.repeat(20) }) })),
                ),
              );
            } else if (step.kind === 'take') {
              for (const record of both((o) => o.takeUnsent(step.limit, now))) highestTaken = Math.max(highestTaken, record.seq);
            } else if (step.kind === 'ack') {
              // Mostly what a hub acknowledges (records handed out), sometimes any range (a confused hub).
              const to = step.any ? step.from + step.length : Math.min(step.from + step.length, highestTaken);
              both((o) => o.acknowledge([[step.from, to]]));
            } else if (step.kind === 'requeue') both((o) => o.requeue());
            else if (step.kind === 'overdue') both((o) => o.requeue(now - 2000));
            else now += 1000;
            expect(memory.depth()).toBe(file.depth());
            expect(memory.counters()).toEqual(file.counters());
          }
          fromMemory += memory.servedFromMemory;
          expect(file.servedFromMemory).toBe(0);
        } finally {
          memory.close();
          file.close();
        }
      }),
      { numRuns: 100 },
    );
    // The property would hold trivially if nothing were ever served from memory.
    expect(fromMemory).toBeGreaterThan(100);
  });

  it('serves a caught-up sender from memory, and reads the file again after a reconnect requeue', () => {
    const outbox = new Outbox(join(dir, 'o.db'));
    outbox.append('t', Priority.telemetry, (seq) => ({ seq }));
    expect(outbox.takeUnsent(10).map((r) => r.seq)).toEqual([1]); // read from the file: now caught up
    expect(outbox.servedFromMemory).toBe(0);
    outbox.appendMany([1, 2, 3].map(() => ({ topic: 't', priority: Priority.telemetry, build: (seq: number) => ({ seq }) })));
    expect(outbox.takeUnsent(10).map((r) => JSON.parse(r.payload).seq)).toEqual([2, 3, 4]);
    expect(outbox.servedFromMemory).toBe(3);
    outbox.requeue();
    outbox.append('t', Priority.telemetry, (seq) => ({ seq }));
    expect(outbox.takeUnsent(10).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(outbox.servedFromMemory).toBe(3);
    outbox.close();
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox } from '../uplink/outbox.js';
import { CardPseudonymiser } from './card-privacy.js';
import { createClassroomSink } from './classroom-sink.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('classroom sink: device output gathered into one outbox transaction', () => {
  let dir: string;
  let outbox: Outbox;
  let drains: number;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-sink-'));
    outbox = new Outbox(join(dir, 'outbox.db'));
    drains = 0;
  });
  afterEach(async () => {
    outbox.close();
    await rm(dir, { recursive: true, force: true });
  });

  const sink = (writeDelayMs: number) =>
    createClassroomSink({
      site: 'ttht-an-dong',
      node: 'gw-p3',
      outbox,
      writeDelayMs,
      drain: () => drains++,
      availability: () => undefined,
      cardReaders: new Set(['rfid']),
      pseudonymiser: new CardPseudonymiser(Buffer.alloc(32, 0xab)),
      rules: undefined,
      execute: async () => undefined,
      log: pino({ level: 'silent' }),
    });

  it('stores readings and events of several loop turns together after writeDelayMs, in order', async () => {
    const { sink: s } = sink(60);
    for (let i = 0; i < 5; i++) {
      s.event('s-1', 'reading', { value: `2${i}.5` }, Date.now());
      s.telemetry('th-1', { temperature: 30 + i }, Date.now());
      await turn();
    }
    expect(outbox.depth()).toBe(0);
    await expect.poll(() => outbox.depth(), { timeout: 1000 }).toBe(10);
    expect(drains).toBe(1);
    const records = outbox.takeUnsent(20);
    expect(records.map((r) => r.seq)).toEqual([1, 3, 5, 7, 9, 2, 4, 6, 8, 10]); // events before telemetry, each in seq order
    expect(JSON.parse(records[0]!.payload)).toMatchObject({ v: 1, seq: 1, type: 'reading', data: { value: '20.5' } });
    expect(records[0]!.topic).toBe('lophoc/v1/ttht-an-dong/gw-p3/s-1/event');
  });

  it('stores a card tap (attendance) at once, with what was held before it', () => {
    const { sink: s } = sink(10_000);
    s.telemetry('th-1', { temperature: 30 }, Date.now());
    expect(outbox.depth()).toBe(0);
    s.event('rfid', 'card', { value: '0003887558' }, Date.now());
    expect(outbox.depth()).toBe(2);
    expect(drains).toBe(1);
  });

  it('flush stores what is held (before the outbox closes)', () => {
    const classroom = sink(10_000);
    classroom.sink.telemetry('th-1', { temperature: 30 }, Date.now());
    classroom.flush();
    expect(outbox.depth()).toBe(1);
  });

  it('with writeDelayMs 0 stores each loop turn', async () => {
    const { sink: s } = sink(0);
    s.telemetry('th-1', { temperature: 30 }, Date.now());
    s.telemetry('th-1', { temperature: 31 }, Date.now());
    await turn();
    await turn();
    expect(outbox.depth()).toBe(2);
  });
});

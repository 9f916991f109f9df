import { describe, expect, it } from 'vitest';
import { planReads } from './request-plan.js';

const u16 = { type: 'uint16', scale: 1, offset: 0, wordOrder: 'big' } as const;
const f32 = { ...u16, type: 'float32' } as const;

describe('planReads', () => {
  it('reads contiguous registers in one request (XY-MD02: registers 1 and 2)', () => {
    const plan = planReads([
      { name: 'humidity', function: 'input', address: 2, layout: u16 },
      { name: 'temperature', function: 'input', address: 1, layout: u16 },
    ]);
    expect(plan).toEqual([
      {
        function: 'input',
        address: 1,
        count: 2,
        readings: [
          { name: 'temperature', index: 0, layout: u16 },
          { name: 'humidity', index: 1, layout: u16 },
        ],
      },
    ]);
  });
  it('splits on gaps, on function and on 32-bit sizes', () => {
    const plan = planReads([
      { name: 'a', function: 'input', address: 0, layout: f32 },
      { name: 'b', function: 'input', address: 2, layout: u16 },
      { name: 'c', function: 'input', address: 10, layout: u16 },
      { name: 'd', function: 'holding', address: 3, layout: u16 },
    ]);
    expect(plan.map((r) => [r.function, r.address, r.count, r.readings.map((x) => x.name)])).toEqual([
      ['holding', 3, 1, ['d']],
      ['input', 0, 3, ['a', 'b']],
      ['input', 10, 1, ['c']],
    ]);
  });
  it('never exceeds 125 registers in one request', () => {
    const readings = Array.from({ length: 130 }, (_, i) => ({ name: `r${i}`, function: 'holding' as const, address: i, layout: u16 }));
    expect(planReads(readings).map((r) => r.count)).toEqual([125, 5]);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LatestValue } from './store.js';
import { newestPerSeries, rollups, summarize } from './write-result.js';

const T0 = Date.UTC(2026, 10, 28, 1, 59, 0);

const sample = fc.record({
  site: fc.constantFrom('ttht-cho-lon', 'thcs-an-dong'),
  node: fc.constantFrom('gw-p101', 'gw-p102'),
  device: fc.constant('th-1'),
  name: fc.constantFrom('temperature', 'co2'),
  // across minute and hour boundaries, with equal timestamps likely
  ts: fc.integer({ min: 0, max: 40 }).map((step) => T0 + step * 5_000),
  value: fc.double({ min: -50, max: 5000, noNaN: true }),
}) as fc.Arbitrary<LatestValue>;

describe('summarize', () => {
  it('gives the 1-minute and 1-hour rollups and the newest sample per series, as the separate passes do', () => {
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 60 }), (samples) => {
        expect(summarize(samples)).toEqual({
          minute: rollups(samples, 60_000),
          hour: rollups(samples, 3_600_000),
          newest: newestPerSeries(samples),
        });
      }),
    );
  });
});

import mqemitter from 'mqemitter';
import { describe, expect, it } from 'vitest';
import { withMatchCache } from './match-cache.js';

describe('withMatchCache', () => {
  it('delivers to exactly the current subscribers as they come and go', async () => {
    const emitter = withMatchCache(mqemitter({ concurrency: 100, matchEmptyLevels: true }), 2);
    const seen: string[] = [];
    const listener = (name: string) => (message: { topic: string }, done: () => void) => {
      seen.push(`${name} ${message.topic}`);
      done();
    };
    const emit = (topic: string) => new Promise<void>((resolve) => emitter.emit({ topic }, () => resolve()));
    const all = listener('all');
    const one = listener('one');
    await new Promise<void>((resolve) => emitter.on('lophoc/v1/#', all, () => resolve()));
    await emit('lophoc/v1/a/gw-1/telemetry');
    await emit('lophoc/v1/a/gw-1/telemetry'); // from the cache
    await new Promise<void>((resolve) => emitter.on('lophoc/v1/a/+/telemetry', one, () => resolve()));
    await emit('lophoc/v1/a/gw-1/telemetry');
    await emit('lophoc/v1/a/gw-2/telemetry');
    await emit('lophoc/v1/a/gw-3/telemetry'); // over maxTopics: the cache starts again
    await new Promise<void>((resolve) => emitter.removeListener('lophoc/v1/#', all, () => resolve()));
    await emit('lophoc/v1/a/gw-1/telemetry');
    expect(seen).toEqual([
      'all lophoc/v1/a/gw-1/telemetry',
      'all lophoc/v1/a/gw-1/telemetry',
      'all lophoc/v1/a/gw-1/telemetry',
      'one lophoc/v1/a/gw-1/telemetry',
      'all lophoc/v1/a/gw-2/telemetry',
      'one lophoc/v1/a/gw-2/telemetry',
      'all lophoc/v1/a/gw-3/telemetry',
      'one lophoc/v1/a/gw-3/telemetry',
      'one lophoc/v1/a/gw-1/telemetry',
    ]);
  });
});

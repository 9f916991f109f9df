import mqemitter from 'mqemitter';
import { describe, expect, it } from 'vitest';
import { FifoQueue, withConstantTimeBacklog } from './fifo-queue.js';

describe('FifoQueue', () => {
  it('keeps order across compactions', () => {
    const queue = new FifoQueue<number>();
    const out: number[] = [];
    for (let i = 0; i < 5000; i++) {
      queue.push(i);
      if (i % 3 === 0) out.push(queue.shift() as number);
    }
    while (queue.length > 0) out.push(queue.shift() as number);
    expect(out).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(queue.shift()).toBeUndefined();
  });
});

describe('withConstantTimeBacklog', () => {
  it('keeps mqemitter delivering every message in order when its concurrency is exceeded', async () => {
    const emitter = withConstantTimeBacklog(mqemitter({ concurrency: 2 }));
    const seen: number[] = [];
    emitter.on('t/#', (message, done) => {
      seen.push(message.n as number);
      setImmediate(done);
    });
    await new Promise<void>((resolve) => {
      let pending = 1000;
      for (let n = 0; n < 1000; n++) emitter.emit({ topic: 't/x', n }, () => --pending === 0 && resolve());
    });
    expect(seen).toEqual(Array.from({ length: 1000 }, (_, n) => n));
    expect((emitter as unknown as { length: number }).length).toBe(0);
  });
});

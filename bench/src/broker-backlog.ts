import { performance } from 'node:perf_hooks';
import { withConstantTimeBacklog } from '@lophoc/broker';
import mqemitter from 'mqemitter';

/**
 * Isolates the mqemitter backlog fix (broker/src/fifo-queue.ts): the same overload on stock mqemitter 7.1 and on
 * mqemitter with the O(1) queue. `messages` are emitted at once into an emitter with aedes' concurrency (100) and one
 * subscriber that completes each delivery on the next turn (as aedes' deliver0 does with setImmediate); the time is
 * until the last delivery. Stock mqemitter drains its backlog with Array.prototype.shift, which copies the array once
 * it is large, so the drain is quadratic in the backlog.
 */
export async function drainBacklog(kind: 'stock' | 'fifo', messages: number, timeoutMs: number): Promise<number | undefined> {
  const stock = mqemitter({ concurrency: 100, matchEmptyLevels: true });
  const emitter = kind === 'fifo' ? withConstantTimeBacklog(stock) : stock;
  let delivered = 0;
  const started = performance.now();
  const done = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    emitter.on('lophoc/v1/#', (_message, callback) => {
      delivered += 1;
      setImmediate(callback);
      if (delivered === messages) {
        clearTimeout(timer);
        resolve(true);
      }
    });
  });
  const payload = Buffer.from('{"v":1,"values":{"temperature":30.5}}');
  for (let i = 0; i < messages; i++) emitter.emit({ topic: `lophoc/v1/ttht-bench/gw-${i % 30}/th-1/telemetry`, payload });
  const finished = await done;
  const elapsed = performance.now() - started;
  await new Promise<void>((resolve) => emitter.close(() => resolve()));
  return finished ? elapsed : undefined;
}

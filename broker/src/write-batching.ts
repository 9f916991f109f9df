import type { Writable } from 'node:stream';

/**
 * Coalesces a connection's writes per event-loop turn. mqtt-packet corks a stream for one packet and uncorks it on
 * the next tick, and Node drains the tick queue after every callback, so aedes' deliveries (one `setImmediate` each)
 * cost one `writev` system call per packet. Holding one extra cork until the check phase turns the packets written
 * during a turn into one `writev` per connection; backpressure is unchanged (`write()` still returns false above
 * the high-water mark and 'drain' follows the flush).
 */
const held = new Set<Writable>();
let scheduled = false;

function flush(): void {
  scheduled = false;
  for (const stream of held) stream.uncork();
  held.clear();
}

type WriteFn = Writable['write'];
const originalWrite = Symbol('lophoc.originalWrite');
type Batched = Writable & { [originalWrite]: WriteFn };

/** One shared function for every connection (no closure per connection). */
function batchedWrite(this: Batched, ...args: Parameters<WriteFn>): boolean {
  if (!held.has(this) && !this.destroyed) {
    this.cork();
    held.add(this);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  }
  return this[originalWrite](...args);
}

export function batchWrites<S extends Writable>(stream: S): S {
  const target = stream as unknown as Batched;
  target[originalWrite] = stream.write;
  target.write = batchedWrite as WriteFn;
  return stream;
}

/** Sends what a batched stream holds now instead of at the end of the turn (for a write that is a batch already). */
export function flushWrites(stream: Writable): void {
  if (held.delete(stream)) stream.uncork();
}

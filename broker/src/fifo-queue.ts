/**
 * A FIFO with O(1) push and shift, shaped like the arrays mqemitter keeps its backlog in (`push`, `shift`,
 * `length`). `Array.prototype.shift` copies the whole array once it is large (V8 cannot left-trim big arrays),
 * so a backlog of n messages costs O(n²) to drain: that is the `released()` hot spot of aedes under overload.
 */
export class FifoQueue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): number {
    this.items.push(item);
    return this.length;
  }

  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head += 1;
    // Compact once the consumed prefix is half the array: amortised O(1), memory bounded by 2× the backlog.
    if (this.head > 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

interface QueueingEmitter {
  _messageQueue: unknown;
  _messageCallbacks: unknown;
}

/**
 * Gives an mqemitter (or mqemitter-redis, which inherits its queue) O(1) backlog queues. Same fields, same
 * order, same semantics; only the data structure changes. The upstream fix is the same change in mqemitter.js.
 */
export function withConstantTimeBacklog<E extends object>(emitter: E): E {
  const target = emitter as E & QueueingEmitter;
  if (!Array.isArray(target._messageQueue) || !Array.isArray(target._messageCallbacks))
    throw new TypeError('withConstantTimeBacklog: not an mqemitter (no _messageQueue/_messageCallbacks arrays)');
  if (target._messageQueue.length > 0) throw new TypeError('withConstantTimeBacklog: apply before the emitter is used');
  target._messageQueue = new FifoQueue();
  target._messageCallbacks = new FifoQueue();
  return emitter;
}

import { CommandError } from './driver.js';

interface Job<T> {
  send: () => void;
  complete: (tokens: T[]) => boolean;
  timeoutMs: number;
  tokens: T[];
  resolve: (tokens: T[]) => void;
  reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
}

/** No reply within the time the profile allows. */
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
}

/**
 * Request/response matching on a link where the device answers in order: one request in flight, later ones queued.
 * What arrives while a request waits belongs to it until `complete` says the reply is whole; what arrives with
 * nothing in flight is unsolicited (`offer` returns false) and goes to the event parser.
 */
export class RequestChannel<T> {
  private readonly queue: Job<T>[] = [];
  private current: Job<T> | undefined;

  get busy(): boolean {
    return this.current !== undefined;
  }

  request(send: () => void, complete: (tokens: T[]) => boolean, timeoutMs: number): Promise<T[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ send, complete, timeoutMs, tokens: [], resolve, reject });
      this.next();
    });
  }

  /** Gives a received token to the request in flight; false when none is waiting. */
  offer(token: T): boolean {
    const job = this.current;
    if (!job) return false;
    job.tokens.push(token);
    if (job.complete(job.tokens)) this.finish(job, undefined);
    return true;
  }

  /** Fails the request in flight and everything queued (link down, driver stopping). */
  failAll(error: Error): void {
    const jobs = [...(this.current ? [this.current] : []), ...this.queue.splice(0)];
    this.current = undefined;
    for (const job of jobs) {
      if (job.timer) clearTimeout(job.timer);
      job.reject(error);
    }
  }

  private next(): void {
    if (this.current) return;
    const job = this.queue.shift();
    if (!job) return;
    this.current = job;
    job.timer = setTimeout(() => this.finish(job, new RequestTimeoutError(`no reply within ${job.timeoutMs} ms`)), job.timeoutMs);
    try {
      job.send();
    } catch (error) {
      this.finish(job, error instanceof Error ? error : new CommandError('unavailable', String(error)));
    }
  }

  private finish(job: Job<T>, error: Error | undefined): void {
    if (this.current !== job) return;
    clearTimeout(job.timer);
    this.current = undefined;
    if (error) job.reject(error);
    else job.resolve(job.tokens);
    this.next();
  }
}

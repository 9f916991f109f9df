/** A fresh idempotency key for one submission (made once per form, reused by retries and double taps). */
export function newKey(prefix: string): string {
  return `${prefix}-${crypto.randomUUID()}`;
}

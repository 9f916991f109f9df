import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { KeepaliveSweep } from './keepalive-sweep.js';

/** The fields of an aedes client the sweep uses, as aedes' connect handler leaves them. */
function fakeClient(keepaliveMs: number) {
  const broker = new EventEmitter();
  const client = Object.assign(new EventEmitter(), {
    closed: false,
    broker,
    _keepaliveInterval: keepaliveMs,
    _keepaliveTimer: setTimeout(() => {
      throw new Error('the Timeout aedes started should have been cleared');
    }, keepaliveMs) as { refresh(): unknown } | null,
    timedOut: 0,
  });
  client.on('error', () => {
    client.timedOut += 1;
  });
  return client;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('KeepaliveSweep', () => {
  let sweep: KeepaliveSweep | undefined;
  afterEach(() => sweep?.stop());

  it('times out a silent client once, not before its interval, and spares one whose packets refresh it', async () => {
    sweep = new KeepaliveSweep(10);
    const silent = fakeClient(150);
    const talking = fakeClient(150);
    const started = Date.now();
    let timedOutAt = 0;
    silent.broker.on('keepaliveTimeout', () => {
      timedOutAt = Date.now();
    });
    sweep.adopt(silent);
    sweep.adopt(talking);
    while (Date.now() - started < 400) {
      talking._keepaliveTimer?.refresh(); // what aedes does for every packet
      await sleep(30);
    }
    expect(silent.timedOut).toBe(1);
    expect(timedOutAt - started).toBeGreaterThanOrEqual(150);
    expect(talking.timedOut).toBe(0);
  });

  it('forgets a client aedes closed (close clears the timer)', async () => {
    sweep = new KeepaliveSweep(10);
    const client = fakeClient(50);
    sweep.adopt(client);
    clearTimeout(client._keepaliveTimer as NodeJS.Timeout); // as aedes' close() does; a no-op for the stand-in
    client._keepaliveTimer = null;
    client.closed = true;
    await sleep(120);
    expect(client.timedOut).toBe(0);
  });
});

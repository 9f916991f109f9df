import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { batchWrites } from './write-batching.js';

describe('batchWrites', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  async function socketPair(): Promise<{ server: Socket; client: Socket }> {
    const listener = createServer();
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    const accepted = once(listener, 'connection') as Promise<[Socket]>;
    const client = connect((listener.address() as { port: number }).port, '127.0.0.1');
    const [server] = await accepted;
    cleanups.push(() => {
      client.destroy();
      server.destroy();
      listener.close();
    });
    return { server, client };
  }

  it('turns the writes of one event-loop turn into one system write, in order, and flushes by itself', async () => {
    const { server, client } = await socketPair();
    batchWrites(server);
    let systemWrites = 0;
    const handle = server as unknown as { _writev: (...args: unknown[]) => void; _write: (...args: unknown[]) => void };
    const writev = handle._writev.bind(server);
    const write = handle._write.bind(server);
    handle._writev = (...args) => {
      systemWrites += 1;
      writev(...args);
    };
    handle._write = (...args) => {
      systemWrites += 1;
      write(...args);
    };
    const received: Buffer[] = [];
    client.on('data', (chunk: Buffer) => received.push(chunk));
    // As aedes delivers: one setImmediate per packet, mqtt-packet corking each packet until the next tick (which
    // Node runs between two immediates).
    const written = Array.from(
      { length: 100 },
      (_, i) =>
        new Promise<void>((resolve) =>
          setImmediate(() => {
            server.cork();
            server.write(`${i};`);
            process.nextTick(() => server.uncork());
            resolve();
          }),
        ),
    );
    await Promise.all(written);
    await new Promise((resolve) => setImmediate(resolve));
    expect(systemWrites).toBe(1);
    const expected = Array.from({ length: 100 }, (_, i) => `${i};`).join('');
    while (Buffer.concat(received).length < expected.length) await once(client, 'data');
    expect(Buffer.concat(received).toString()).toBe(expected);
    expect(server.writableCorked).toBe(0);
  });
});

import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { withIndexedOutgoing } from './indexed-outgoing.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Outgoing {
  outgoingEnqueue(subscription: { clientId: string }, packet: object): Promise<unknown>;
  outgoingEnqueueCombi(subscriptions: { clientId: string }[], packet: object): Promise<unknown>;
  outgoingUpdate(client: { id: string }, packet: object): Promise<unknown>;
  outgoingClearMessageId(client: { id: string }, packet: { messageId?: number }): Promise<unknown>;
  outgoingStream(client: { id: string }): AsyncIterable<unknown>;
}
const memoryPersistence = createRequire(import.meta.url)('aedes-persistence') as () => Outgoing & object;

async function streamed(persistence: Outgoing, id: string): Promise<unknown[]> {
  const packets: unknown[] = [];
  for await (const packet of persistence.outgoingStream({ id })) packets.push(packet);
  return packets;
}

const settle = <T>(promise: Promise<T>) =>
  promise.then(
    (value) => ({ value: JSON.parse(JSON.stringify(value ?? null)) as unknown }),
    (error: Error) => ({ error: error.message }),
  );

describe('withIndexedOutgoing', () => {
  it("passes aedes-persistence's abstract conformance suite", async () => {
    const output = await new Promise<string>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', '--test', 'broker/test/persistence-abstract-memory.mjs'],
        { cwd: root, timeout: 30_000 },
        (_error, stdout, stderr) => resolve(stdout + stderr),
      );
    });
    const count = (name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(output)?.[1] ?? -1);
    expect(output.match(/^not ok .*$/gm) ?? []).toEqual([]);
    expect(count('fail')).toBe(0);
    expect(count('pass')).toBeGreaterThanOrEqual(50);
  });

  it('answers every outgoing call as the stock in-memory store does, repeated identifiers and pubrel replacements included', async () => {
    const stock = memoryPersistence();
    const indexed = withIndexedOutgoing(memoryPersistence());
    // A small deterministic generator, so a failure reproduces.
    let seed = 12_345;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const clients = ['ops-center', 'operator'];
    let counter = 0;
    const sent: { brokerId: string; brokerCounter: number }[] = [];
    for (let step = 0; step < 3000; step++) {
      const id = clients[random(clients.length)] as string;
      const action = random(10);
      let calls: [Promise<unknown>, Promise<unknown>];
      if (action < 3) {
        // Another broker's counters can repeat ours: both ids stay in play.
        const packet = {
          cmd: 'publish',
          topic: 'lophoc/v1/a/b/th-1/telemetry',
          payload: Buffer.from(`${step}`),
          qos: 1,
          brokerId: random(4) === 0 ? 'other' : 'lophoc',
          brokerCounter: ++counter % 50,
        };
        sent.push(packet);
        calls = [stock.outgoingEnqueueCombi([{ clientId: id }], packet), indexed.outgoingEnqueueCombi([{ clientId: id }], packet)];
      } else if (action < 6) {
        // A delivery gives a queued message a packet identifier (few identifiers, so they collide).
        const origin = sent[random(Math.max(1, sent.length))] ?? { brokerId: 'lophoc', brokerCounter: 0 };
        const packet = { cmd: 'publish', topic: 't', qos: 1, ...origin, messageId: 1 + random(8) };
        calls = [stock.outgoingUpdate({ id }, { ...packet }), indexed.outgoingUpdate({ id }, { ...packet })];
      } else if (action < 7) {
        // PUBREC: aedes replaces the message with a PUBREL of the same identifier.
        const packet = { cmd: 'pubrel', messageId: 1 + random(8) };
        calls = [stock.outgoingUpdate({ id }, { ...packet }), indexed.outgoingUpdate({ id }, { ...packet })];
      } else {
        const messageId = random(12) === 0 ? undefined : 1 + random(8);
        calls = [stock.outgoingClearMessageId({ id }, { messageId }), indexed.outgoingClearMessageId({ id }, { messageId })];
      }
      const [expected, actual] = await Promise.all(calls.map(settle));
      expect(actual, `step ${step}`).toEqual(expected);
      if (step % 100 === 0)
        for (const client of clients) expect(await streamed(indexed, client), `step ${step}`).toEqual(await streamed(stock, client));
    }
    for (const client of clients) expect(await streamed(indexed, client)).toEqual(await streamed(stock, client));
  });

  it('acknowledges thousands of messages in flight out of order, each once', async () => {
    const persistence = withIndexedOutgoing(memoryPersistence());
    const client = { id: 'ops-center' };
    const total = 5000;
    for (let i = 1; i <= total; i++) {
      const packet = { cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 1, brokerId: 'b', brokerCounter: i };
      await persistence.outgoingEnqueue({ clientId: client.id }, packet);
      await persistence.outgoingUpdate(client, { ...packet, messageId: i });
    }
    const order = Array.from({ length: total }, (_, i) => i + 1).sort((a, b) => ((a * 7919) % total) - ((b * 7919) % total));
    for (const messageId of order)
      expect(((await persistence.outgoingClearMessageId(client, { messageId })) as { brokerCounter: number }).brokerCounter).toBe(
        messageId,
      );
    expect(await persistence.outgoingClearMessageId(client, { messageId: 1 })).toBeUndefined();
    expect(await streamed(persistence, client.id)).toEqual([]);
  });
});

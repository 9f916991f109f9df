import { createRequire } from 'node:module';
import mqemitter from 'mqemitter';
import { describe, expect, it } from 'vitest';
import { withMatchCache, withSubscriptionCache } from './match-cache.js';

const memoryPersistence = createRequire(import.meta.url)('aedes-persistence') as () => {
  setup(broker: unknown): Promise<void>;
  subscriptionsByTopic(topic: string): Promise<{ clientId: string }[]>;
  addSubscriptions(client: { id: string }, subs: { topic: string; qos: number }[]): Promise<void>;
  removeSubscriptions(client: { id: string }, topics: string[]): Promise<void>;
  cleanSubscriptions(client: { id: string }): Promise<void>;
};

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

describe('withSubscriptionCache', () => {
  it('answers subscriptionsByTopic as the persistence does while subscriptions are added, removed and cleaned', async () => {
    const persistence = withSubscriptionCache(memoryPersistence());
    await persistence.setup({ id: 'test-broker' });
    const who = async () => (await persistence.subscriptionsByTopic('lophoc/v1/a/gw-1/cmd')).map((s) => s.clientId).sort();
    expect(await who()).toEqual([]);
    await persistence.addSubscriptions({ id: 'a' }, [{ topic: 'lophoc/v1/a/+/cmd', qos: 1 }]);
    expect(await who()).toEqual(['a']);
    expect(await who()).toEqual(['a']); // from the cache
    await persistence.addSubscriptions({ id: 'b' }, [{ topic: 'lophoc/v1/#', qos: 1 }]);
    expect(await who()).toEqual(['a', 'b']);
    await persistence.removeSubscriptions({ id: 'a' }, ['lophoc/v1/a/+/cmd']);
    expect(await who()).toEqual(['b']);
    await persistence.cleanSubscriptions({ id: 'b' });
    expect(await who()).toEqual([]);
  });

  it('does not keep an answer that was asked for before a subscription changed', async () => {
    // A store whose lookups answer late (as a disk or network store can): the lookup sees the old subscriptions,
    // the change completes before its answer arrives.
    const subscribers = new Set<string>();
    let release = () => {};
    const slow = {
      async subscriptionsByTopic(_topic: string) {
        const now = [...subscribers].map((clientId) => ({ clientId }));
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return now;
      },
      async addSubscriptions(client: { id: string }) {
        subscribers.add(client.id);
      },
      async removeSubscriptions() {},
      async cleanSubscriptions() {},
    };
    const cached = withSubscriptionCache(slow);
    const stale = cached.subscriptionsByTopic('t');
    await cached.addSubscriptions({ id: 'a' });
    release();
    expect(await stale).toEqual([]);
    const fresh = cached.subscriptionsByTopic('t');
    release();
    expect(await fresh).toEqual([{ clientId: 'a' }]);
  });
});

interface Matcher {
  match(topic: string, ...rest: unknown[]): unknown[];
  add(...args: unknown[]): unknown;
  remove(...args: unknown[]): unknown;
  clear(...args: unknown[]): unknown;
}

/**
 * Remembers which subscriptions match a topic. mqemitter asks its qlobber trie for every message
 * (`_matcher.match(topic)`: the topic split into an array of levels, then a walk of the trie), and a district's
 * gateways publish the same few topics over and over. The answers are kept per topic until the subscriptions
 * change (any `add`, `remove` or `clear` forgets them all), in a map of at most `maxTopics` entries (emptied when
 * full). The arrays handed out are never changed afterwards, as qlobber's own are not: mqemitter only iterates
 * them. The upstream place for this is mqemitter's `_do`.
 */
export function withMatchCache<E extends object>(emitter: E, maxTopics = 10_000): E {
  const matcher = (emitter as E & { _matcher?: Matcher })._matcher;
  if (!matcher || typeof matcher.match !== 'function') throw new TypeError('withMatchCache: not an mqemitter (no _matcher)');
  const match = matcher.match.bind(matcher);
  let cache = new Map<string, unknown[]>();
  matcher.match = (topic: string, ...rest: unknown[]) => {
    if (rest.length > 0) return match(topic, ...rest);
    let found = cache.get(topic);
    if (found === undefined) {
      found = match(topic);
      if (cache.size >= maxTopics) cache = new Map();
      cache.set(topic, found);
    }
    return found;
  };
  for (const method of ['add', 'remove', 'clear'] as const) {
    const original = matcher[method].bind(matcher);
    matcher[method] = (...args: unknown[]) => {
      cache.clear();
      return original(...args);
    };
  }
  return emitter;
}

const CACHED = Symbol('lophoc.cachedSubscriptions');

/** What the subscription cache already knows for a topic, without a promise (undefined: ask `subscriptionsByTopic`). */
export function cachedSubscriptionsOf(persistence: object): ((topic: string) => unknown[] | undefined) | undefined {
  return (persistence as Record<symbol, ((topic: string) => unknown[] | undefined) | undefined>)[CACHED];
}

interface SubscriptionStore {
  subscriptionsByTopic(topic: string): Promise<unknown[]>;
  addSubscriptions(...args: unknown[]): Promise<unknown>;
  removeSubscriptions(...args: unknown[]): Promise<unknown>;
  cleanSubscriptions(...args: unknown[]): Promise<unknown>;
}

/**
 * The same for a single-process persistence (memory, SQLite): aedes asks `subscriptionsByTopic` (the offline
 * QoS > 0 subscriptions, another qlobber trie) for every QoS 1/2 message. The answers are kept per topic until a
 * subscription is added, removed or cleaned (forgotten when the change starts and again when it has finished).
 * Not for Redis: other brokers change that store. The arrays are only iterated by aedes and the persistences.
 */
export function withSubscriptionCache<P extends object>(persistence: P, maxTopics = 10_000): P {
  const store = persistence as P & SubscriptionStore;
  const byTopic = store.subscriptionsByTopic.bind(store);
  let cache = new Map<string, unknown[]>();
  /** Bumped when a change starts and ends: an answer asked for before a change is not kept after it. */
  let generation = 0;
  const forget = () => {
    generation += 1;
    cache.clear();
  };
  (store as unknown as Record<symbol, unknown>)[CACHED] = (topic: string) => cache.get(topic);
  store.subscriptionsByTopic = async (topic: string) => {
    const found = cache.get(topic);
    if (found !== undefined) return found;
    const asked = generation;
    const fresh = await byTopic(topic);
    if (asked !== generation) return fresh;
    if (cache.size >= maxTopics) cache = new Map();
    cache.set(topic, fresh);
    return fresh;
  };
  for (const method of ['addSubscriptions', 'removeSubscriptions', 'cleanSubscriptions'] as const) {
    const original = store[method].bind(store);
    store[method] = (...args: unknown[]) => {
      forget();
      return original(...args).finally(forget);
    };
  }
  return persistence;
}

// aedes-persistence's own conformance suite run against its in-memory store with the indexed outgoing queues
// (broker/src/indexed-outgoing.ts). Run by indexed-outgoing.test.ts as
// `node --import tsx --test broker/test/persistence-abstract-memory.mjs` because the suite is written for node:test.
import { test } from 'node:test';
import memoryPersistence from 'aedes-persistence';
import abstractPersistence from 'aedes-persistence/abstract.js';
import { withIndexedOutgoing } from '../src/indexed-outgoing.ts';

abstractPersistence({
  test,
  testAsync: true,
  persistence: () => withIndexedOutgoing(memoryPersistence()),
});

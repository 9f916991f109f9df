// aedes-persistence's own conformance suite (its README, "Implement another persistence") run against
// SqlitePersistence on real files. Run by sqlite-persistence.test.ts as
// `node --import tsx --test broker/test/persistence-abstract.mjs` because the suite is written for node:test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import abstractPersistence from 'aedes-persistence/abstract.js';
import { SqlitePersistence } from '../src/sqlite-persistence.ts';

const dir = mkdtempSync(join(tmpdir(), 'lophoc-persistence-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let count = 0;

abstractPersistence({
  test,
  testAsync: true,
  persistence: () => new SqlitePersistence({ file: join(dir, `${++count}.db`) }),
});

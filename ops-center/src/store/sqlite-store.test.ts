import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe } from 'vitest';
import { SqliteStore } from './sqlite-store.js';
import { storeContract } from './store-contract.js';

describe('SQLite store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-store-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  storeContract(async () => new SqliteStore(join(dir, `ops-${Math.random()}.db`)));
});

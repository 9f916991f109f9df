import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyPassword } from './auth/passwords.js';
import { runUserCommand } from './cli.js';
import { SqliteStore } from './store/sqlite-store.js';

const BIN = fileURLToPath(new URL('../bin/lophoc-ops-center.js', import.meta.url));

describe('lophoc-ops-center user', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-cli-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('adds an account with an scrypt hash, the password read from standard input', async () => {
    const file = join(dir, 'ops.db');
    const out = await runUserCommand(
      ['add', 'admin', '--role', 'admin'],
      { kind: 'sqlite', file },
      {},
      Readable.from(['Mật khẩu rất dài\n']),
    );
    expect(out).toBe('account admin (admin) saved');
    const store = new SqliteStore(file);
    const user = await store.user('admin');
    await store.close();
    expect(user?.passwordHash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifyPassword('Mật khẩu rất dài', user!.passwordHash)).toBe(true);
    expect(await verifyPassword('mật khẩu rất dài', user!.passwordHash)).toBe(false);
  });

  it('refuses a weak password or an unknown role, naming it', async () => {
    const store = { kind: 'sqlite', file: join(dir, 'ops.db') } as const;
    await expect(
      runUserCommand(['add', 'lan', '--role', 'viewer'], store, { LOPHOC_USER_PASSWORD: 'short' }, Readable.from([])),
    ).rejects.toThrow('the password for lan must have at least 10 characters');
    await expect(
      runUserCommand(['add', 'lan', '--role', 'boss'], store, { LOPHOC_USER_PASSWORD: 'long enough!' }, Readable.from([])),
    ).rejects.toThrow('role "boss" must be one of viewer, operator, admin');
  });

  it('works as the installed command', async () => {
    const run = promisify(execFile);
    const env = { ...process.env, LOPHOC_DATA_DIR: dir, LOPHOC_USER_PASSWORD: 'một mật khẩu dài' };
    const added = await run(process.execPath, [BIN, 'user', 'add', 'minh', '--role', 'operator'], { env });
    expect(added.stdout).toBe('account minh (operator) saved\n');
    const listed = await run(process.execPath, [BIN, 'user', 'list'], { env });
    expect(listed.stdout).toBe('minh\toperator\n');
    const failed = await run(process.execPath, [BIN, 'user', 'add'], { env }).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 1, stderr: expect.stringMatching(/^lophoc-ops-center: usage: lophoc-ops-center user add/) });
  });
});

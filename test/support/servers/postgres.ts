import { execFile } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../processes.js';
import { type Daemon, spawnDaemon } from './daemon.js';

const BIN = process.env.LOPHOC_POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';
const run = promisify(execFile);

/**
 * A throwaway PostgreSQL 15 (Debian `postgresql`) on a free 127.0.0.1 port, data in a temp dir, durability off
 * (tests only). initdb and postgres refuse to run as root, so as root they run as the `postgres` user.
 */
export async function startPostgres(): Promise<Daemon> {
  const dir = await mkdtemp(join(tmpdir(), 'lophoc-pg-'));
  const asRoot = userInfo().uid === 0;
  const as = (command: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = join(dir, 'data');
  const [initCommand, initArgs] = as(join(BIN, 'initdb'), [
    '-D',
    data,
    '-A',
    'trust',
    '-U',
    'postgres',
    '-E',
    'UTF8',
    '--no-sync',
    '--locale=C.UTF-8',
  ]);
  await run(initCommand, initArgs).catch((error: Error & { stderr?: string }) => {
    throw new Error(`initdb failed: ${error.stderr ?? error.message}`);
  });
  const port = await freePort();
  const [command, args] = as(join(BIN, 'postgres'), [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'max_connections=50',
  ]);
  const daemon = await spawnDaemon('postgres', command, args, port, `postgres://postgres@127.0.0.1:${port}/postgres`);
  // The port opens before recovery ends ("the database system is starting up"): wait until it accepts queries.
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ready = await run(join(BIN, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres']).then(
      () => true,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await daemon.stop();
      throw new Error(`postgres on ${port} did not accept queries within 15 s:\n${daemon.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    ...daemon,
    async stop() {
      await daemon.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

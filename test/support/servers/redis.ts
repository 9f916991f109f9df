import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../processes.js';
import { type Daemon, spawnDaemon } from './daemon.js';

/**
 * A throwaway redis-server (Debian `redis-server`) on a free 127.0.0.1 port (or `port`, to bring one back after
 * a crash), no snapshots, data in a temp dir.
 */
export async function startRedis(options: { port?: number } = {}): Promise<Daemon> {
  const dir = await mkdtemp(join(tmpdir(), 'lophoc-redis-'));
  const port = options.port ?? (await freePort());
  const daemon = await spawnDaemon(
    'redis-server',
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'],
    port,
    `redis://127.0.0.1:${port}`,
  );
  return {
    ...daemon,
    async stop() {
      await daemon.stop();
      await rm(dir, { recursive: true, force: true });
    },
    async kill() {
      await daemon.kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../processes.js';
import { type Daemon, spawnDaemon } from './daemon.js';

export interface MosquittoOptions {
  /** Mosquitto password file (`$7$` hashes) and ACL file; without them the broker is anonymous. */
  passwordFile?: string;
  aclFile?: string;
  /** A fixed port (to restart "the same" broker in a test); a free one otherwise. */
  port?: number;
  /** Extra mosquitto.conf lines. */
  extraConfig?: string[];
}

/**
 * A throwaway Mosquitto (Debian `mosquitto`, 2.x) on a free 127.0.0.1 port, config in a temp dir.
 * `max_queued_messages` is raised: its default (1000) silently drops QoS 1 messages for a slow subscriber.
 */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<Daemon> {
  const dir = await mkdtemp(join(tmpdir(), 'lophoc-mosquitto-'));
  const port = options.port ?? (await freePort());
  const config = [
    `listener ${port} 127.0.0.1`,
    options.passwordFile ? 'allow_anonymous false' : 'allow_anonymous true',
    ...(options.passwordFile ? [`password_file ${options.passwordFile}`] : []),
    ...(options.aclFile ? [`acl_file ${options.aclFile}`] : []),
    'max_queued_messages 1000000',
    'max_inflight_messages 100',
    'persistence false',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    // Tests run as root; without this Mosquitto switches to the `mosquitto` user and cannot read the temp files.
    'user root',
    ...(options.extraConfig ?? []),
  ];
  const configFile = join(dir, 'mosquitto.conf');
  await writeFile(configFile, `${config.join('\n')}\n`);
  const daemon = await spawnDaemon('mosquitto', '/usr/sbin/mosquitto', ['-c', configFile], port, `mqtt://127.0.0.1:${port}`);
  return {
    ...daemon,
    async stop() {
      await daemon.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

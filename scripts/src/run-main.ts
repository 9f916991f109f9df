import type { Logger } from 'pino';
import { createLogger } from './logger.js';

export interface Stoppable {
  stop(): Promise<void>;
}

/**
 * The life of every LopHoc daemon: start, or print one line naming what is wrong and exit 1 (having
 * closed whatever was half-started); stop cleanly on SIGINT/SIGTERM; a second signal forces the exit.
 */
export async function runMain(
  name: string,
  start: (context: { args: string[]; log: Logger }) => Promise<Stoppable>,
  args = process.argv.slice(2),
): Promise<void> {
  const log = createLogger(name);
  let running: Stoppable;
  try {
    running = await start({ args, log });
  } catch (error) {
    process.stderr.write(`${name}: ${(error as Error).message}\n`);
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`${name}: second ${signal}, exiting now\n`);
      process.exit(130);
    }
    stopping = true;
    log.info({ signal }, 'stopping');
    running.stop().then(
      () => process.exit(0),
      (error: Error) => {
        process.stderr.write(`${name}: error while stopping: ${error.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

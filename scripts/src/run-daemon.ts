export interface Stoppable {
  stop(): Promise<void>;
}

/**
 * The life of every LopHoc daemon, with the logger it is given: start, or print one line naming what is wrong and
 * exit 1 (having closed whatever was half-started); stop cleanly on SIGINT/SIGTERM; a second signal forces the exit.
 * The edge agent gives it its own small logger (./logger.ts), the other daemons pino (./run-main.ts).
 */
export async function runDaemon<L extends { info(obj: object, msg?: string): void }>(
  name: string,
  createLog: () => L,
  start: (context: { args: string[]; log: L }) => Promise<Stoppable>,
  args = process.argv.slice(2),
): Promise<void> {
  let running: Stoppable;
  let log: L;
  try {
    log = createLog(); // a bad LOG_LEVEL is one line too
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

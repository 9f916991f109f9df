import pino, { type Logger } from 'pino';
import { runDaemon, type Stoppable } from './run-daemon.js';

export type { Stoppable };

/**
 * `runDaemon` with pino (JSON lines on stderr, level from LOG_LEVEL, default info), for the broker, ops-center, kiosk
 * and pilot: fastify takes their logger as its own. The edge agent uses ./logger.ts instead (issue #3, idle memory).
 */
export function runMain(
  name: string,
  start: (context: { args: string[]; log: Logger }) => Promise<Stoppable>,
  args = process.argv.slice(2),
): Promise<void> {
  const createLog = () =>
    pino({ name, level: process.env.LOG_LEVEL ?? 'info', base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2));
  return runDaemon(name, createLog, start, args);
}

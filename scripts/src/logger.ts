import pino, { type Logger } from 'pino';

/** JSON lines on stderr (journald and log shippers read them); level from LOG_LEVEL, default info. */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2));
}

/**
 * Structured logs for long-running commands (`serve`): pino, to stderr so stdout stays
 * for data, level from `$KUBETRIAGE_LOG_LEVEL` (default info).
 */
import { pino } from 'pino';

export type LogFn = (msg: string, fields?: Record<string, unknown>) => void;

export function stderrLogger(name: string): { info: LogFn; warn: LogFn } {
  const log = pino({ name, level: process.env.KUBETRIAGE_LOG_LEVEL ?? 'info' }, pino.destination(2));
  return {
    info: (msg, fields) => log.info(fields ?? {}, msg),
    warn: (msg, fields) => log.warn(fields ?? {}, msg),
  };
}

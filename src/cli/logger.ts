/**
 * Logs for long-running commands (`serve`, `demo`, `agent`), to stderr so stdout stays
 * for data. On a terminal: readable lines (log-text.ts), in colour unless NO_COLOR;
 * otherwise (a service, a pipe, a file): pino's JSON lines. `$KUBETRIAGE_LOG_FORMAT`
 * (`text`|`json`) overrides the choice. Level from `-v`/`-q`/`--log-level` or
 * `$KUBETRIAGE_LOG_LEVEL`: trace, debug, info (default), warn, error, silent.
 */
import { pino } from 'pino';
import { realClock } from '../time/clock.ts';
import { type Level, levelRank, textLine } from './log-text.ts';
import { colourEnabled, painter } from './render/colour.ts';

export type LogFn = (msg: string, fields?: Record<string, unknown>) => void;

export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

function configuredLevel(): Level {
  const raw = process.env.KUBETRIAGE_LOG_LEVEL ?? 'info';
  return raw in levelRank ? (raw as Level) : 'info';
}

export function stderrLogger(name: string): Logger {
  const level = configuredLevel();
  const format = process.env.KUBETRIAGE_LOG_FORMAT ?? (process.stderr.isTTY ? 'text' : 'json');
  if (format === 'text') {
    const p = painter(colourEnabled(process.stderr));
    const at =
      (l: Exclude<Level, 'silent'>): LogFn =>
      (msg, fields) => {
        if (levelRank[l] >= levelRank[level])
          process.stderr.write(textLine({ atMs: realClock.now(), level: l, msg, fields }, p));
      };
    return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  }
  const log = pino({ name, level }, pino.destination(2));
  return {
    debug: (msg, fields) => log.debug(fields ?? {}, msg),
    info: (msg, fields) => log.info(fields ?? {}, msg),
    warn: (msg, fields) => log.warn(fields ?? {}, msg),
    error: (msg, fields) => log.error(fields ?? {}, msg),
  };
}

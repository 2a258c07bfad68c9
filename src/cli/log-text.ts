/**
 * Log lines for a person at a terminal: `08:46:12 INFO  listening url=http://…`, the level
 * in colour. Services and pipes get pino's JSON lines instead (logger.ts picks).
 */
import { escapeControls } from '../publish/control-chars.ts';
import { rfc3339 } from '../time/clock.ts';
import type { Painter } from './render/colour.ts';

export const levelRank = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, silent: Infinity } as const;
export type Level = keyof typeof levelRank;

/** A field's value; an error quoting the cluster can carry terminal controls, shown as escapes. */
function value(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return escapeControls(/^[^\s"=]+$/.test(s) ? s : JSON.stringify(s));
}

export function textLine(
  o: { atMs: number; level: Exclude<Level, 'silent'>; msg: string; fields?: Record<string, unknown> },
  p: Painter,
): string {
  const time = rfc3339(o.atMs).slice(11, 19);
  const tag = o.level.toUpperCase().padEnd(5);
  const painted =
    o.level === 'error'
      ? p.red(p.bold(tag))
      : o.level === 'warn'
        ? p.yellow(tag)
        : o.level === 'info'
          ? p.green(tag)
          : p.dim(tag);
  const fields = Object.entries(o.fields ?? {})
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${p.dim(`${k}=`)}${value(v)}`)
    .join(' ');
  return `${p.dim(time)} ${painted} ${escapeControls(o.msg)}${fields ? ` ${fields}` : ''}\n`;
}

/**
 * Reading and writing the times that objects carry (RFC 3339) and that signals show
 * (UTC dates and clock times). Never reads the clock: every "now" is passed in.
 */
import { memoText } from '../kube/text-memo.ts';
import { rfc3339 } from '../time/clock.ts';

const parsedTime = memoText((text) => {
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
});

/** Milliseconds of an RFC 3339 time, or undefined when absent or unreadable. */
export function timeMs(text: string | undefined): number | undefined {
  return text ? parsedTime(text) : undefined;
}

/** `2024-01-15T12:00:00Z`: seconds are enough, and shorter to read. */
export function isoSeconds(ms: number): string {
  return rfc3339(ms);
}

/** `2024-01-15`, the UTC day. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export const dayMs = 86_400_000;

/** Minutes since UTC midnight. */
export function minuteOfDay(ms: number): number {
  return Math.floor((((ms % dayMs) + dayMs) % dayMs) / 60_000);
}

/** `06:05` for a minute of the day (wrapping past midnight). */
export function clockText(minute: number): string {
  const m = ((minute % 1440) + 1440) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** A duration for people: `45s`, `12m`, `3h20m`. */
export function durationText(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  return `${Math.floor(m / 60)}h${m % 60 ? `${m % 60}m` : ''}`;
}

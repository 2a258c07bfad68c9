/**
 * `at` in the API, when something happened: an RFC 3339 time, and a plausible one.
 * `Date.parse` takes far more (years up to ±275760, "March 7", 2024-02-30 rolled into
 * March), and whatever it took went onto the timeline and the public `/status.json`.
 */

const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-](\d{2}):(\d{2}))$/;

/** Nothing kubetriage records happened before this. */
const earliestMs = Date.UTC(2000, 0, 1);
/** Clocks disagree, and people type times in other zones by mistake; a day covers both. */
const latestAheadMs = 24 * 3_600_000;

const isRealDay = (year: number, month: number, day: number) => {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
};

/** The instant an RFC 3339 date-time names, or undefined if it is not one (or names no real day). */
export function rfc3339Ms(s: string): number | undefined {
  const m = rfc3339.exec(s);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const [offH, offM] = [Number(m[9] ?? 0), Number(m[10] ?? 0)];
  // Leap seconds (:60) are left out: JavaScript time has none to put them in.
  if (hour > 23 || minute > 59 || second > 59 || offH > 23 || offM > 59) return undefined;
  if (!isRealDay(year, month, day)) return undefined;
  return Date.parse(s);
}

/**
 * Whether `s` is an RFC 3339 full-date (section 5.6: `2024-03-31`) naming a real day: a due
 * date is a day, whatever the zone of the person who set it.
 */
export function isRfc3339Date(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  return m !== null && isRealDay(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** Why `s` is not a time to record now (`nowMs` by the server's clock), or undefined. */
export function timeProblem(s: string, nowMs: number): string | undefined {
  const ms = rfc3339Ms(s);
  if (ms === undefined) return 'must be an RFC 3339 time, e.g. 2024-03-06T14:00:00Z';
  if (ms < earliestMs) return 'must not be before 2000-01-01T00:00:00Z';
  if (ms > nowMs + latestAheadMs)
    return `must not be more than a day ahead of the server's clock (${new Date(nowMs).toISOString()})`;
  return undefined;
}

/**
 * The time notations scenario files are written in, and their meaning in milliseconds:
 * durations (`15m`, `2h`, `1h30m`, `3d`), timeline instants (an ISO time with its zone, or
 * an offset from the scenario's start such as `+2h`), and the daily wall-clock time of a
 * node-local timer, in the subset of systemd's `OnCalendar=` that such timers use
 * (`*-*-* 06:00:00`, `daily`). Parsers return undefined on bad input so the schema can
 * word the error; nothing here throws.
 */

const unitMs = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;

/** Units in the only order they may appear, each at most once: `1d2h3m4s`, not `3m1h`. */
const durationPattern = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Milliseconds in a duration such as `15m`, `2h`, `1h30m`, `3d`, `500ms`; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const m = durationPattern.exec(text);
  if (!m || text === '') return undefined;
  const [, d, h, min, s, ms] = m;
  return (
    Number(d ?? 0) * unitMs.d +
    Number(h ?? 0) * unitMs.h +
    Number(min ?? 0) * unitMs.m +
    Number(s ?? 0) * unitMs.s +
    Number(ms ?? 0) * unitMs.ms
  );
}

/** The canonical spelling of a duration (`5400000` → `1h30m`), for listings and messages. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const unit of ['d', 'h', 'm', 's', 'ms'] as const) {
    const n = Math.floor(rest / unitMs[unit]);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * unitMs[unit];
  }
  return out;
}

/**
 * A full ISO 8601 time with an explicit zone. Scenario times replay real incidents, so a
 * zone-less time would silently mean the machine's zone; it is refused instead.
 */
const isoPattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Epoch milliseconds of an ISO time with a zone; undefined when malformed or not a real date. */
export function parseIsoTime(text: string): number | undefined {
  const m = isoPattern.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse rolls 2019-02-30 over to 2 March; a real date reads back the same.
  const [, y, mo, d, h, mi, s] = m.map(Number);
  const local = new Date(Date.UTC(y, mo - 1, d, h, mi, s || 0));
  const ok =
    local.getUTCFullYear() === y &&
    local.getUTCMonth() === mo - 1 &&
    local.getUTCDate() === d &&
    local.getUTCHours() === h &&
    local.getUTCMinutes() === mi &&
    (s || 0) < 60;
  return ok ? ms : undefined;
}

/** True when `text` is a timeline instant: an ISO time with a zone, or `+<duration>`. */
export function isInstant(text: string): boolean {
  return text.startsWith('+') ? parseDuration(text.slice(1)) !== undefined : parseIsoTime(text) !== undefined;
}

/** Epoch milliseconds of a timeline instant, offsets counted from `startMs`. */
export function resolveInstant(text: string, startMs: number): number | undefined {
  if (text.startsWith('+')) {
    const offset = parseDuration(text.slice(1));
    return offset === undefined ? undefined : startMs + offset;
  }
  return parseIsoTime(text);
}

/** A daily wall-clock time in UTC, the schedule of a node-local timer. */
export interface DailyTime {
  hour: number;
  minute: number;
  second: number;
}

/**
 * The daily `OnCalendar=` forms a node timer uses: `daily` (00:00), `*-*-* HH:MM[:SS]`, or
 * a bare `HH:MM[:SS]`; systemd accepts single-digit hours (`*-*-* 6:00`, as Debian's
 * apt-daily-upgrade.timer writes it). Weekly or dated calendars are not daily and are refused.
 */
export function parseDailyCalendar(text: string): DailyTime | undefined {
  if (text === 'daily') return { hour: 0, minute: 0, second: 0 };
  const m = /^(?:\*-\*-\* )?(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (!m) return undefined;
  const hour = Number(m[1]);
  const minute = Number(m[2]);
  const second = Number(m[3] ?? 0);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  return { hour, minute, second };
}

/** The first firing of a daily time at or after `fromMs` (before any randomized delay). */
export function nextDailyFiring(daily: DailyTime, fromMs: number): number {
  const from = new Date(fromMs);
  const sameDay = Date.UTC(
    from.getUTCFullYear(),
    from.getUTCMonth(),
    from.getUTCDate(),
    daily.hour,
    daily.minute,
    daily.second,
  );
  return sameDay >= fromMs ? sameDay : sameDay + unitMs.d;
}

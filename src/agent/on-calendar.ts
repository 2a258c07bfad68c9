/**
 * The subset of systemd's OnCalendar expressions that package-upgrade timers use, in UTC:
 * `daily`, `weekly`, `hourly`, and `[*-*-*] H[,H…]:M[:S]` (Debian's `*-*-* 6:00`, Ubuntu's
 * `*-*-* 6,18:00`). Anything else gives undefined, and the agent leaves `nextRun` and
 * `scheduled` out rather than guess.
 */

interface Daily {
  hours: number[];
  minute: number;
  second: number;
  weekly?: boolean;
}

function parse(expr: string): Daily | 'hourly' | undefined {
  const e = expr.trim();
  if (e === 'daily') return { hours: [0], minute: 0, second: 0 };
  if (e === 'weekly') return { hours: [0], minute: 0, second: 0, weekly: true };
  if (e === 'hourly') return 'hourly';
  const m = /^(?:\*-\*-\*\s+)?(\d{1,2}(?:,\d{1,2})*):(\d{1,2})(?::(\d{1,2}))?$/.exec(e);
  if (!m) return undefined;
  return { hours: m[1].split(',').map(Number), minute: Number(m[2]), second: Number(m[3] ?? 0) };
}

/** The occurrences around `fromMs` (a day before to two weeks after), sorted. */
function occurrences(expr: string, fromMs: number): number[] | undefined {
  const p = parse(expr);
  if (!p) return undefined;
  const hourMs = 3_600_000;
  if (p === 'hourly') {
    const base = Math.floor(fromMs / hourMs) * hourMs;
    return [base - hourMs, base, base + hourMs];
  }
  const day = 86_400_000;
  const startDay = Math.floor(fromMs / day) * day - day;
  const out: number[] = [];
  for (let d = startDay; d <= startDay + 15 * day; d += day) {
    // systemd's `weekly` is Monday 00:00; 1970-01-01 was a Thursday.
    if (p.weekly && (Math.floor(d / day) + 3) % 7 !== 0) continue;
    for (const h of p.hours) out.push(d + h * hourMs + p.minute * 60_000 + p.second * 1000);
  }
  return out.sort((a, b) => a - b);
}

/** The latest occurrence at or before `atMs`. */
export function previousElapse(expr: string, atMs: number): number | undefined {
  const all = occurrences(expr, atMs);
  return all?.filter((t) => t <= atMs).at(-1);
}

/** The first occurrence after `atMs`. */
export function nextElapse(expr: string, atMs: number): number | undefined {
  return occurrences(expr, atMs)?.find((t) => t > atMs);
}

/** `*-*-* 06:00:00`: how systemd prints a normalized daily expression. */
export function normalizedCalendar(expr: string): string {
  const p = parse(expr);
  if (!p || p === 'hourly' || p.weekly) return expr.trim();
  const two = (n: number) => String(n).padStart(2, '0');
  return `*-*-* ${p.hours.map(two).join(',')}:${two(p.minute)}:${two(p.second)}`;
}

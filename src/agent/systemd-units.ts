/**
 * systemd unit files read straight from the host's disk (no D-Bus): which timers are enabled
 * (linked into a `*.wants` directory under /etc/systemd/system), their `[Timer]` settings
 * with drop-ins applied, and the service each one starts. Symlinks are resolved by unit
 * name, since an absolute link target would point into the agent's container, not the host.
 */
import type { NodeHost } from './host.ts';

const unitDirs = [
  '/etc/systemd/system',
  '/run/systemd/system',
  '/lib/systemd/system',
  '/usr/lib/systemd/system',
];

export type UnitSections = Record<string, Record<string, string[]>>;

/** INI-style unit text → section → key → values (an empty assignment resets the list). */
export function parseUnit(text: string, into: UnitSections = {}): UnitSections {
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const s = /^\[(.+)\]$/.exec(line);
    if (s) {
      section = s[1];
      into[section] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0 || !section) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    into[section] ??= {};
    const sec = into[section];
    sec[key] = value === '' ? [] : [...(sec[key] ?? []), value];
  }
  return into;
}

/** A unit's settings: the first file found by name, then its `<unit>.d/*.conf` drop-ins. */
export async function readUnit(host: NodeHost, name: string): Promise<UnitSections | undefined> {
  let sections: UnitSections | undefined;
  for (const dir of unitDirs) {
    const text = await host.readText(`${dir}/${name}`);
    if (text !== undefined && text.trim() !== '') {
      sections = parseUnit(text);
      break;
    }
  }
  if (!sections) return undefined;
  for (const dir of unitDirs)
    for (const f of await host.list(`${dir}/${name}.d`))
      if (f.endsWith('.conf')) parseUnit((await host.readText(`${dir}/${name}.d/${f}`)) ?? '', sections);
  return sections;
}

/** Timer names linked into any `*.wants` directory of /etc/systemd/system: enabled ones. */
export async function enabledTimers(host: NodeHost): Promise<string[]> {
  const out = new Set<string>();
  for (const d of await host.list('/etc/systemd/system'))
    if (d.endsWith('.wants'))
      for (const f of await host.list(`/etc/systemd/system/${d}`)) if (f.endsWith('.timer')) out.add(f);
  return [...out].sort();
}

/** Every timer unit installed anywhere (for the `disabled=` list). */
export async function installedTimers(host: NodeHost): Promise<string[]> {
  const out = new Set<string>();
  for (const dir of unitDirs) for (const f of await host.list(dir)) if (f.endsWith('.timer')) out.add(f);
  return [...out].sort();
}

export function first(sections: UnitSections | undefined, section: string, key: string): string | undefined {
  return sections?.[section]?.[key]?.at(-1);
}

/** systemd time spans (`1h`, `60m`, `30min`, `15s`, `2h 30m`, bare seconds) in ms. */
export function parseTimeSpan(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const units: Record<string, number> = {
    us: 0.001,
    ms: 1,
    s: 1000,
    sec: 1000,
    second: 1000,
    seconds: 1000,
    m: 60_000,
    min: 60_000,
    minute: 60_000,
    minutes: 60_000,
    h: 3_600_000,
    hr: 3_600_000,
    hour: 3_600_000,
    hours: 3_600_000,
    d: 86_400_000,
    day: 86_400_000,
    days: 86_400_000,
    w: 604_800_000,
    week: 604_800_000,
    weeks: 604_800_000,
  };
  let total = 0;
  const re = /(\d+(?:\.\d+)?)\s*([a-z]*)/gy;
  const s = text.trim();
  let i = 0;
  while (i < s.length) {
    re.lastIndex = i;
    const m = re.exec(s);
    if (!m || m[0] === '') return undefined;
    const unit = m[2] === '' ? 1000 : units[m[2]];
    if (unit === undefined) return undefined;
    total += Number(m[1]) * unit;
    i = re.lastIndex;
    while (s[i] === ' ') i++;
  }
  return total;
}

/**
 * Reads the fields of a node agent condition message (`docs/node-agent-report.md` §1):
 * `<summary>; <fields>`, the fields logfmt (`key=value`, one space apart, values
 * JSON-quoted when they hold a space, `"`, `=` or `;`, or are empty), groups (one per
 * systemd timer) joined by ` | `. The summary is for people and never parsed. A message
 * cut at 1024 bytes keeps what parsed before the cut.
 */

import { memoText } from './text-memo.ts';

export interface AgentMessage {
  summary: string;
  /** Every field, the first group's value winning when a key repeats. */
  fields: Record<string, string>;
  /** One record per ` | `-separated group (one per timer). */
  groups: Record<string, string>[];
}

/** Reads one JSON-quoted value starting at `i` (a `"`); returns it and the index after it. */
function quoted(text: string, i: number): { value: string; end: number } {
  let j = i + 1;
  while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
  const raw = text.slice(i, Math.min(j + 1, text.length));
  try {
    return { value: JSON.parse(raw) as string, end: j + 1 };
  } catch {
    // Cut off mid-value: keep the readable part.
    return { value: raw.slice(1).replace(/\\(.)/g, '$1'), end: text.length };
  }
}

export function parseLogfmt(text: string): Record<string, string>[] {
  const groups: Record<string, string>[] = [{}];
  let i = 0;
  while (i < text.length) {
    while (text[i] === ' ') i++;
    if (i >= text.length) break;
    if (text[i] === '|' && (text[i + 1] === ' ' || i + 1 === text.length)) {
      groups.push({});
      i++;
      continue;
    }
    let k = i;
    while (k < text.length && text[k] !== '=' && text[k] !== ' ') k++;
    const key = text.slice(i, k);
    let value = '';
    if (text[k] === '=') {
      if (text[k + 1] === '"') {
        const q = quoted(text, k + 1);
        value = q.value;
        i = q.end;
      } else {
        let e = k + 1;
        while (e < text.length && text[e] !== ' ') e++;
        value = text.slice(k + 1, e);
        i = e;
      }
    } else {
      i = k;
    }
    const group = groups[groups.length - 1];
    if (key && !(key in group)) group[key] = value;
  }
  return groups.filter((g) => Object.keys(g).length > 0);
}

/**
 * The message's summary and fields, parsed once per text (detectors read each Node's
 * conditions every round) and frozen, since callers share the result.
 */
export const parseAgentMessage: (message: string) => AgentMessage = memoText(readAgentMessage);

function readAgentMessage(message: string): AgentMessage {
  const cut = message.indexOf('; ');
  const summary = cut < 0 ? message : message.slice(0, cut);
  const groups = cut < 0 ? [] : parseLogfmt(message.slice(cut + 2));
  const fields: Record<string, string> = {};
  for (const g of groups) for (const [k, v] of Object.entries(g)) if (!(k in fields)) fields[k] = v;
  for (const g of groups) Object.freeze(g);
  return Object.freeze({
    summary,
    fields: Object.freeze(fields),
    groups: Object.freeze(groups) as AgentMessage['groups'],
  });
}

/** A list field: comma-separated, capped at 8 items plus `+N`; `more` is that N. */
export function listField(value: string | undefined): { items: string[]; more: number } {
  if (!value) return { items: [], more: 0 };
  const items: string[] = [];
  let more = 0;
  for (const part of value.split(',')) {
    const m = /^\+(\d+)$/.exec(part);
    if (m) more += Number(m[1]);
    else if (part) items.push(part);
  }
  return { items, more };
}

/** Go's `Duration.String()` (`1h0m0s`, `23m4s`, `1.5s`, `300ms`) in milliseconds. */
export function parseGoDuration(text: string | undefined): number | undefined {
  if (!text) return undefined;
  if (text === '0' || text === '0s') return 0;
  const units: Record<string, number> = {
    h: 3_600_000,
    m: 60_000,
    s: 1000,
    ms: 1,
    us: 0.001,
    µs: 0.001,
    ns: 1e-6,
  };
  const re = /(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/y;
  let total = 0;
  let i = 0;
  while (i < text.length) {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) return undefined;
    total += Number(m[1]) * units[m[2]];
    i = re.lastIndex;
  }
  return total;
}

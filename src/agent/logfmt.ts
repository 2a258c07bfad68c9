/**
 * The message grammar of docs/node-agent-report.md §1: `<summary>; <fields>`, the fields
 * logfmt (`key=value`, a value JSON-quoted when it holds a space, `"`, `=` or `;`, or is
 * empty), per-timer groups joined by ` | `, lists capped at 8 items plus `+N`, durations as
 * Go prints them, and the whole message at most 1024 bytes.
 */

/** One `key=value` pair; undefined values are left out, so optional facts need no branching. */
export type Field = readonly [key: string, value: string | number | boolean | undefined];

const maxMessageBytes = 1024;
const maxListItems = 8;

export function formatValue(value: string | number | boolean): string {
  const v = String(value);
  return v === '' || /[\s"=;]/.test(v) ? JSON.stringify(v) : v;
}

export function formatFields(fields: readonly Field[]): string {
  return fields
    .filter((f): f is readonly [string, string | number | boolean] => f[1] !== undefined)
    .map(([k, v]) => `${k}=${formatValue(v)}`)
    .join(' ');
}

/** Comma-separated, at most 8 items then `+N`; `none` when empty is the caller's choice. */
export function listValue(items: readonly string[], cap = maxListItems): string {
  const shown = items.slice(0, cap).join(',');
  return items.length > cap ? `${shown},+${items.length - cap}` : shown;
}

/**
 * `<summary>; <group> | <group>`, at most 1024 bytes. Lists are shortened first (to 4, then
 * 2 items), and only then is the text cut, because a detector keeps what parsed before a cut.
 */
export function conditionMessage(summary: string, groups: readonly (readonly Field[])[]): string {
  const render = (cap: number): string => {
    const body = groups
      .map((g) =>
        formatFields(g.map(([k, v]) => [k, typeof v === 'string' ? shortenList(v, cap) : v] as const)),
      )
      .filter((s) => s !== '')
      .join(' | ');
    return body ? `${summary}; ${body}` : summary;
  };
  for (const cap of [maxListItems, 4, 2]) {
    const text = render(cap);
    if (Buffer.byteLength(text) <= maxMessageBytes) return text;
  }
  return truncateBytes(render(2), maxMessageBytes);
}

/** Re-caps a list value already written with listValue (only values that look like lists). */
function shortenList(value: string, cap: number): string {
  if (cap >= maxListItems || !value.includes(',') || /\s/.test(value)) return value;
  const parts = value.split(',');
  const more = /^\+(\d+)$/.exec(parts.at(-1) ?? '');
  const items = more ? parts.slice(0, -1) : parts;
  const extra = (more ? Number(more[1]) : 0) + Math.max(0, items.length - cap);
  const kept = items.slice(0, cap).join(',');
  return extra ? `${kept},+${extra}` : kept;
}

function truncateBytes(text: string, max: number): string {
  const buf = Buffer.from(text);
  if (buf.length <= max) return text;
  // Never split a UTF-8 sequence: back up to a character boundary.
  let end = max;
  while (end > 0 && (buf[end] & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString();
}

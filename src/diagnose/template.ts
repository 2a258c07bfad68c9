/**
 * Statement, reason and next-step templates: `{slot}` takes a slot's words, and a `[…]`
 * group is dropped whole when a slot inside it is empty, so a sentence never claims what
 * no signal said. A template naming a slot its pattern does not declare is a defect the
 * load check reports (catalogue-check.ts), not something to guess at run time.
 */
import type { Signal } from '../detect/signal.ts';
import type { Slot } from './pattern.ts';

const slotRef = /\{([a-zA-Z][\w.]*)\}/g;
const group = /\[([^[\]]*)\]/g;
/** Stand-ins for literal brackets while groups are resolved. */
const open = '\u0000';
const close = '\u0001';

/** The slot names a template uses. */
export function slotNames(template: string): string[] {
  return [...template.matchAll(slotRef)].map((m) => m[1]);
}

export interface Rendered {
  text: string;
  /** The signals whose words it used. */
  from: Signal[];
}

/**
 * Fills a template. A slot outside any group that is empty leaves the whole template
 * unsaid (undefined): its sentence would be a claim without a signal.
 */
export function render(template: string, slots: Record<string, Slot | undefined>): Rendered | undefined {
  const from = new Set<Signal>();
  const fill = (part: string): string | undefined => {
    let missing = false;
    const text = part.replace(slotRef, (_, name: string) => {
      const s = slots[name];
      if (!s || s.text === '') {
        missing = true;
        return '';
      }
      for (const f of s.from) from.add(f);
      return s.text;
    });
    return missing ? undefined : text;
  };
  // Groups are resolved on the template, innermost first, before any slot is filled, so
  // brackets in slot text (an IPv6 address) are never read as groups. A bracket pair with
  // no slot inside is literal text (`containers[0]` in a jsonpath).
  let grouped = template;
  for (let prev = ''; prev !== grouped; ) {
    prev = grouped;
    grouped = grouped.replace(group, (_, inner: string) => {
      const names = slotNames(inner);
      if (names.length === 0) return `${open}${inner}${close}`;
      return names.every((n) => (slots[n]?.text ?? '') !== '') ? inner : '';
    });
  }
  grouped = grouped.replaceAll(open, '[').replaceAll(close, ']');
  const text = fill(grouped);
  if (text === undefined) return undefined;
  return {
    text: text
      .replace(/ {2,}/g, ' ')
      .replace(/ ([,.;:)])/g, '$1')
      .trim(),
    from: [...from],
  };
}

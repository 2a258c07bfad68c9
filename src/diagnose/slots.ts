/**
 * Slot builders: the only way words get into a statement. Each takes the signals the words
 * come from, so every sentence the tool says can be traced to evidence.
 */
import type { Signal } from '../detect/signal.ts';
import { fmtTime } from './hypothesis.ts';
import type { Slot } from './pattern.ts';

type From = Signal | readonly (Signal | undefined)[] | undefined;

function signals(from: From): Signal[] {
  if (!from) return [];
  if (Array.isArray(from))
    return (from as (Signal | undefined)[]).filter((s): s is Signal => s !== undefined);
  return [from as Signal];
}

/** Words taken from signals; empty when there are no signals to back them. */
export function said(text: string | number | undefined, from: From): Slot | undefined {
  const f = signals(from);
  if (text === undefined || text === '' || f.length === 0) return undefined;
  return { text: String(text), from: f };
}

/** A count; zero is a fact too, as long as a signal backs it. */
export function count(n: number, from: From): Slot | undefined {
  return said(String(n), from);
}

/** A list of names, the first `max` shown. */
export function names(values: readonly string[], from: From, max = 6): Slot | undefined {
  if (values.length === 0) return undefined;
  const shown = values.slice(0, max).join(', ');
  return said(values.length > max ? `${shown}, … (${values.length} in all)` : shown, from);
}

/** How node attributes read in a sentence (detect/node-attributes.ts names them for code). */
const attributeWords: Record<string, string> = {
  pool: 'pool',
  nodeImage: 'node image',
  kubeletVersion: 'kubelet',
  osImage: 'OS image',
  kernelVersion: 'kernel',
  containerRuntimeVersion: 'container runtime',
  zone: 'zone',
  instanceType: 'instance type',
};

/**
 * Node attributes as people say them: `pool=a|b` and `nodeImage=c` (node-attributes.ts's
 * `name=v1|v2`) read "pool a or b, node image c".
 */
export function attributes(entries: readonly string[], from: From): Slot | undefined {
  const words = entries.map((e) => {
    const at = e.indexOf('=');
    if (at < 0) return e;
    const name = e.slice(0, at);
    return `${attributeWords[name] ?? name} ${e
      .slice(at + 1)
      .split('|')
      .join(' or ')}`;
  });
  return words.length ? said(words.join(', '), from) : undefined;
}

/** A moment, RFC 3339 as Kubernetes writes it. */
export function at(ms: number | undefined, from: From): Slot | undefined {
  return ms === undefined || !Number.isFinite(ms) ? undefined : said(fmtTime(ms), from);
}

/** The first signal's summary, verbatim. */
export function summaryOf(s: Signal | undefined): Slot | undefined {
  return s ? said(s.summary, s) : undefined;
}

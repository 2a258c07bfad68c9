/**
 * What every command prints for machines (`-o json|yaml`): a document with `apiVersion`
 * and `kind`, as kubectl's output has, so a script can tell what it reads and a schema
 * (docs/schema/) can describe it; lists are `kind: XList` with `items`. Times are RFC 3339
 * strings, never epoch milliseconds: `withRfc3339Times` converts the record's `…AtMs`/`…Ms`
 * timestamps on the way out.
 */
import { rfc3339 } from '../time/clock.ts';

export const outputApiVersion = 'kubetriage.io/v1alpha1';

export interface MachineDocument {
  apiVersion: typeof outputApiVersion;
  kind: string;
  [field: string]: unknown;
}

export function machineDocument(kind: string, body: Record<string, unknown>): MachineDocument {
  return { apiVersion: outputApiVersion, kind, ...body };
}

export function machineList(kind: string, items: readonly unknown[]): MachineDocument {
  return { apiVersion: outputApiVersion, kind: `${kind}List`, items };
}

/**
 * Keys that hold an epoch-millisecond instant in the record (`openedAtMs`, `atMs`,
 * `sinceMs`, `onsetMs`, `lastSeenMs`, …). Durations (`durationMs`, `latencyMs`, `ageMs`)
 * are not instants and stay numbers.
 */
const instantKey =
  /^(?:at|since|now|onset|start|end|first|firstFailure|last|lastSeen|firstSeen|until|due)Ms$|AtMs$/;

/** Maps whose values are all instants: `topSince` (pattern → when it first led). */
const instantMaps = new Set(['topSince']);

function renamed(key: string): string {
  return key.replace(/Ms$/, '');
}

/** A copy with every epoch-ms instant as RFC 3339 (`openedAtMs: 1.7e12` → `openedAt: "2024-…Z"`). */
export function withRfc3339Times(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withRfc3339Times);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (instantKey.test(k) && typeof v === 'number' && Number.isFinite(v)) out[renamed(k)] = rfc3339(v);
    else if (instantMaps.has(k) && v !== null && typeof v === 'object')
      out[k] = Object.fromEntries(
        Object.entries(v).map(([m, t]) => [m, typeof t === 'number' ? rfc3339(t) : t]),
      );
    else out[k] = withRfc3339Times(v);
  }
  return out;
}

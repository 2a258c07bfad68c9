/**
 * The gitVersion a `/version` probe answered, parsed once per probe: several detectors
 * walk the whole probe history every round, and the answers never change once recorded.
 */
import type { ProbeResult } from '../observe/cluster-view.ts';

const parsed = new WeakMap<ProbeResult, string | null>();

export function probeGitVersion(p: ProbeResult): string | undefined {
  let v = parsed.get(p);
  if (v === undefined) {
    try {
      v =
        p.check === 'version' && p.ok && p.body
          ? ((JSON.parse(p.body) as { gitVersion?: string }).gitVersion ?? null)
          : null;
    } catch {
      v = null;
    }
    parsed.set(p, v);
  }
  return v ?? undefined;
}

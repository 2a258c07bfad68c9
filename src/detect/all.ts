/**
 * Every detector, run over one view at one moment. A detector that throws is reported as a
 * signal of its own rather than taking the others down: a bug in one rule must not blind
 * the tool during an outage.
 */
import type { ClusterView } from '../observe/cluster-view.ts';
import { componentDetectors } from './components.ts';
import { coreSourceDetectors } from './core-sources.ts';
import { nodeAndWorkloadDetectors } from './index.ts';
import type { Detector, Signal } from './signal.ts';

export const allDetectors: readonly Detector[] = [
  ...componentDetectors,
  ...nodeAndWorkloadDetectors,
  ...coreSourceDetectors,
];

export function detectAll(
  view: ClusterView,
  nowMs: number,
  detectors: readonly Detector[] = allDetectors,
): Signal[] {
  const out: Signal[] = [];
  for (const d of detectors) {
    try {
      out.push(...d(view, nowMs));
    } catch (err) {
      out.push({
        detector: d.name || 'unknown',
        kind: 'detector-failed',
        subject: 'kubetriage',
        severity: 'warning',
        sinceMs: nowMs,
        summary: `detector ${d.name || 'unknown'} failed: ${err instanceof Error ? err.message : String(err)}`,
        scope: {},
        facts: { error: err instanceof Error ? err.message : String(err) },
        evidence: [],
      });
    }
  }
  return out;
}

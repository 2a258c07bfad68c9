/**
 * Whether kubetriage has lost sight of the cluster, and in words a status page reader
 * understands: its API probes go unanswered (or never were answered, as with a wrong
 * address or after a restart with the API server already silent), the API server refuses
 * its credentials, or the watch on nodes is failing. Then silence is no evidence of health:
 * the tracker declares nothing cleared, and the status page calls nothing operational.
 */
import type { Signal } from '../detect/signal.ts';

const reasons: Record<string, string> = {
  'api-never-reached': 'the monitoring has not reached the cluster',
  'api-access-denied': "the cluster refuses the monitoring's credentials",
  'api-unreachable': 'the monitoring has lost its connection to the cluster',
};

/** Why the cluster cannot be seen this round, or undefined while it can. */
export function lostSight(signals: readonly Signal[]): string | undefined {
  for (const kind of Object.keys(reasons)) if (signals.some((s) => s.kind === kind)) return reasons[kind];
  const nodesStale = signals.some(
    (s) => s.kind === 'source-status' && s.facts.source === 'reflector/nodes' && s.facts.state === 'stale',
  );
  return nodesStale ? "the monitoring's view of the nodes is stale" : undefined;
}

/**
 * Whether kubetriage has lost sight of the cluster, and in words a status page reader
 * understands: its API probes go unanswered (or never were answered, as with a wrong
 * address or after a restart with the API server already silent), the API server refuses
 * its credentials, or the watch on nodes is failing. Then silence is no evidence of health:
 * the tracker declares nothing cleared, and the status page calls nothing operational.
 */
import type { Signal } from '../detect/signal.ts';

export interface LostSight {
  /** For the public page: why nothing can be said. */
  reason: string;
  /** For the operator's log: what to do about it. */
  next: string;
  /**
   * kubetriage's own access is what fails (never reached, credentials refused), not a
   * cluster trouble it reports as an incident: its health check fails for it.
   */
  access: boolean;
}

const byKind: [kind: string, sight: LostSight][] = [
  [
    'api-never-reached',
    {
      reason: 'the monitoring has not reached the cluster',
      next: 'check the server address in the kubeconfig (kubectl config view --minify) and the network path from here',
      access: true,
    },
  ],
  [
    'api-access-denied',
    {
      reason: "the cluster refuses the monitoring's credentials",
      next: 'kubectl auth whoami shows who the API server takes the credentials for; renew the token or certificate',
      access: true,
    },
  ],
  [
    'api-unreachable',
    {
      reason: 'the monitoring has lost its connection to the cluster',
      next: 'see the open incident for the API server',
      access: false,
    },
  ],
];

const nodesStale: LostSight = {
  reason: "the monitoring's view of the nodes is stale",
  next: 'check the watcher log for the nodes watch errors',
  access: false,
};

/** Why the cluster cannot be seen this round, or undefined while it can. */
export function lostSight(signals: readonly Signal[]): LostSight | undefined {
  for (const [kind, sight] of byKind) if (signals.some((s) => s.kind === kind)) return sight;
  const stale = signals.some(
    (s) => s.kind === 'source-status' && s.facts.source === 'reflector/nodes' && s.facts.state === 'stale',
  );
  return stale ? nodesStale : undefined;
}

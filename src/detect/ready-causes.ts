/**
 * The Ready condition's reason and message, read for their causes. The kubelet joins its
 * runtime and network errors with `,` into the KubeletNotReady message
 * (K:pkg/kubelet/kubelet.go runtimeErrors/networkErrors, pkg/kubelet/nodestatus/setters.go
 * ReadyCondition); the node lifecycle controller writes `Kubelet stopped posting node
 * status.` with reason NodeStatusUnknown when heartbeats stop. Samples with their sources
 * are in `ready-causes.test.ts`.
 */
import { parseGoDuration } from '../kube/agent-message.ts';

export type ReadyCause =
  | 'ready'
  | 'pleg-unhealthy'
  | 'runtime-down'
  | 'runtime-not-ready'
  | 'runtime-status-unknown'
  | 'runtime-network-not-ready'
  | 'cni-not-initialized'
  | 'kubelet-stopped-posting'
  | 'missing-capacity'
  | 'csi-not-initialized'
  | 'node-shutdown'
  | 'other';

export interface ReadyReading {
  causes: ReadyCause[];
  /** `PLEG is not healthy: pleg was last seen active 3m3.9s ago`: the 3m3.9s, in seconds. */
  plegLastActiveSeconds?: number;
}

const needles: [RegExp, ReadyCause][] = [
  [/kubelet is posting ready status/i, 'ready'],
  [/PLEG is not healthy/i, 'pleg-unhealthy'],
  [/container runtime is down/i, 'runtime-down'],
  [/runtime status check may not have completed/i, 'runtime-status-unknown'],
  [/container runtime not ready|RuntimeReady=false/i, 'runtime-not-ready'],
  [/runtime network not ready|NetworkReady=false/i, 'runtime-network-not-ready'],
  [
    /cni config uninitiali[sz]ed|cni plugin not initiali[sz]ed|network plugin is not ready|no networks found in \/etc\/cni/i,
    'cni-not-initialized',
  ],
  [/stopped posting node status/i, 'kubelet-stopped-posting'],
  [/Missing node capacity/i, 'missing-capacity'],
  [/CSINode is not yet initiali[sz]ed/i, 'csi-not-initialized'],
  [/node is shutting down|shutdown/i, 'node-shutdown'],
];

export function readyCauses(reason: string, message: string): ReadyReading {
  const causes = needles.filter(([re]) => re.test(message)).map(([, c]) => c);
  if (reason === 'NodeStatusUnknown' && !causes.includes('kubelet-stopped-posting'))
    causes.push('kubelet-stopped-posting');
  if (causes.length === 0) causes.push(reason === 'KubeletReady' ? 'ready' : 'other');
  const pleg = /pleg was last seen active ([\dhms.]+) ago/.exec(message)?.[1];
  const ms = parseGoDuration(pleg);
  const seconds = ms === undefined ? undefined : ms / 1000;
  return {
    causes: [...new Set(causes)].sort(),
    ...(seconds !== undefined ? { plegLastActiveSeconds: Math.round(seconds) } : {}),
  };
}

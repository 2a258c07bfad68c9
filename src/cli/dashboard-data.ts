/**
 * What the dashboard needs from the cluster view each round, computed where the view is
 * (here in cli, so `server` never reads the view itself): one cell per node for the node
 * map, and one sample of symptom counts for the chart, taken from the view and the round's
 * signals.
 */
import { poolOf } from '../detect/node-attributes.ts';
import type { Signal } from '../detect/signal.ts';
import type { KubeObject } from '../kube/observations.ts';
import type { ClusterView } from '../observe/cluster-view.ts';
import type { NodeCell, NodeState } from '../server/dashboard-nodes.ts';
import type { SignalSample } from '../server/dashboard-series.ts';

interface NodeFields {
  spec?: { unschedulable?: boolean };
  status?: { conditions?: { type: string; status: string }[]; nodeInfo?: { kubeletVersion?: string } };
}

interface PodFields {
  status?: { containerStatuses?: { state?: { waiting?: { reason?: string } } }[] };
}

function nodeState(n: KubeObject & NodeFields): NodeState {
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  if (ready === 'False') return 'N';
  if (ready !== 'True') return 'U';
  return n.spec?.unschedulable ? 'C' : 'R';
}

export function nodeCells(view: ClusterView): NodeCell[] {
  return view.list('nodes').map((node) => {
    const n = node as KubeObject & NodeFields;
    return {
      name: n.metadata.name,
      pool: poolOf(n) ?? '(no pool label)',
      version: n.status?.nodeInfo?.kubeletVersion ?? 'unknown',
      state: nodeState(n),
    };
  });
}

/** How far back a sample looks through the transitions; more than a round's worth on a big cluster. */
const transitionScan = 5_000;

/** Symptom counts at `nowMs`; NotReady nodes and probe failures include those since the previous sample. */
export function signalSample(
  view: ClusterView,
  signals: readonly Signal[],
  sinceMs: number,
  nowMs: number,
): SignalSample {
  // NotReady now, or at any moment since the last sample: a node that flapped between two
  // rounds counts, or the chart would miss the very blips a flapping-node diagnosis rests on.
  const notReady = new Set<string>();
  for (const n of view.list('nodes')) {
    const state = nodeState(n as KubeObject & NodeFields);
    if (state === 'N' || state === 'U') notReady.add(n.metadata.name);
  }
  for (const t of view.transitions.latest(transitionScan)) {
    if (t.atMs <= sinceMs) break;
    if (
      t.resource === 'nodes' &&
      t.field === 'condition/Ready' &&
      t.to !== 'True' &&
      view.get('nodes', t.key)
    )
      notReady.add(t.key);
  }
  const notReadyNodes = notReady.size;
  let crashLoopPods = 0;
  for (const p of view.list('pods'))
    if (
      (p as KubeObject & PodFields).status?.containerStatuses?.some(
        (c) => c.state?.waiting?.reason === 'CrashLoopBackOff',
      )
    )
      crashLoopPods++;
  let probeFailures = 0;
  for (const p of view.probes.latest(500)) {
    if (p.atMs <= sinceMs) break;
    if (!p.ok && p.atMs <= nowMs) probeFailures++;
  }
  let proxySyncFailingNodes = 0;
  let http5xx = 0;
  for (const s of signals) {
    if (s.kind === 'proxy-sync-failing') proxySyncFailingNodes += s.scope.nodes?.length ?? 0;
    if (s.kind === 'service-errors') http5xx += Number(s.facts['errors'] ?? 0);
  }
  return { notReadyNodes, crashLoopPods, proxySyncFailingNodes, probeFailures, http5xx };
}

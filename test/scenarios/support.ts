/**
 * Watching a replayed scenario the way kubetriage does, through the cluster view only:
 * a tick-by-tick record of which nodes were not Ready and which pods were crash-looping,
 * so tests can say when symptoms appeared, where, and when they went away.
 */
import type { KubeObject } from '../../src/kube/observations.ts';
import type { ClusterView } from '../../src/observe/cluster-view.ts';

interface NodeView {
  status?: { conditions?: { type: string; status: string }[] };
}
interface PodView {
  spec?: { nodeName?: string };
  status?: { containerStatuses?: { name: string; state?: { waiting?: { reason?: string } } }[] };
}

export function notReadyNodes(view: ClusterView): string[] {
  return (view.list('nodes') as (KubeObject & NodeView)[])
    .filter((n) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True')
    .map((n) => n.metadata.name)
    .sort();
}

export function crashLooping(view: ClusterView): { pod: string; node?: string }[] {
  return (view.list('pods') as (KubeObject & PodView)[])
    .filter((p) => p.status?.containerStatuses?.some((c) => c.state?.waiting?.reason === 'CrashLoopBackOff'))
    .map((p) => ({ pod: `${p.metadata.namespace}/${p.metadata.name}`, node: p.spec?.nodeName }));
}

export interface Sample {
  atMs: number;
  notReady: string[];
  crashLooping: { pod: string; node?: string }[];
}

/** Ticks recorded into `samples`; pass as `onTick`. */
export function recorder(samples: Sample[]): (view: ClusterView, nowMs: number) => void {
  return (view, atMs) => {
    samples.push({ atMs, notReady: notReadyNodes(view), crashLooping: crashLooping(view) });
  };
}

export const between = (samples: Sample[], from: string, to: string): Sample[] =>
  samples.filter((s) => s.atMs >= Date.parse(from) && s.atMs < Date.parse(to));

/** Nodes that went from Ready to not Ready, with when. */
export function onsets(samples: Sample[]): { node: string; atMs: number }[] {
  const out: { node: string; atMs: number }[] = [];
  let before = new Set<string>();
  for (const s of samples) {
    for (const n of s.notReady) if (!before.has(n)) out.push({ node: n, atMs: s.atMs });
    before = new Set(s.notReady);
  }
  return out;
}

/**
 * One pipeline round on a large cluster (issue: one detect→diagnose round on a view of
 * 5,000 nodes and 150,000 pods under 1 s, healthy and during a 500-node outage). The view
 * is filled from the benchmark cluster's lists, as a reflector's first list fills it; the
 * outage is the node lifecycle controller's answer to 500 kubelets that stopped posting:
 * Ready Unknown with its real reason and message, leases a minute stale.
 */
import { Pipeline } from '../src/cli/pipeline.ts';
import { simStorageOf } from '../src/cli/replay-feed.ts';
import { type KubeObject, watchedResources } from '../src/kube/observations.ts';
import { trimObject } from '../src/kube/trim.ts';
import { ClusterView } from '../src/observe/cluster-view.ts';
import { objectFields } from '../src/sim/api/field-selector.ts';
import { ObjectStore } from '../src/sim/store/object-store.ts';
import { realClock, rfc3339 } from '../src/time/clock.ts';
import type { Figure } from './figure.ts';
import { loadLargeCluster } from './fixtures.ts';

const outageNodes = 500;

export async function pipelineRound(o: {
  nodes: number;
  pods: number;
  report: (f: Figure) => void;
  progress: (m: string) => void;
}): Promise<void> {
  const startMs = Date.parse('2026-01-05T10:00:00Z');
  o.progress(`building a view of ${o.nodes} nodes and ${o.pods} pods`);
  const store = new ObjectStore({ clock: realClock, fieldsOf: objectFields });
  loadLargeCluster(store, { nodes: o.nodes, pods: o.pods, namespaces: 50, nowMs: startMs });
  const view = new ClusterView();
  for (const resource of watchedResources) {
    const { r, namespace } = simStorageOf(resource);
    const items = store.listObjects(r, namespace).map((obj) => trimObject(resource, obj));
    view.apply({ type: 'listed', resource, items, resourceVersion: '1', atMs: startMs });
    view.apply({ type: 'source', source: `reflector/${resource}`, ok: true, atMs: startMs });
  }
  // A minute of answered probes, every 5 s as the live feed sends them.
  for (let t = startMs; t <= startMs + 60_000; t += 5_000)
    for (const check of ['livez', 'readyz', 'version'] as const)
      view.apply({ type: 'probe', check, ok: true, latencyMs: 12, status: 200, body: 'ok', atMs: t });

  const pipeline = new Pipeline();
  const timed = (nowMs: number) => {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const began = performance.now();
      pipeline.round(view, nowMs + i * 10_000);
      times.push(performance.now() - began);
    }
    return times.sort((a, b) => a - b)[1];
  };
  const healthyAt = startMs + 60_000;
  o.report({
    bench: 'pipeline-round',
    figure: 'healthy, 1 round (median of 3)',
    value: timed(healthyAt),
    unit: 'ms',
  });

  const outageAt = healthyAt + 120_000;
  const nodes = view.list('nodes').slice(0, Math.min(outageNodes, o.nodes));
  for (const n of nodes)
    view.apply({ type: 'upsert', resource: 'nodes', object: stopped(n, outageAt - 40_000), atMs: outageAt });
  const round = pipeline.round(view, outageAt);
  o.report({
    bench: 'pipeline-round',
    figure: `${nodes.length} nodes NotReady, 1 round (median of 3)`,
    value: timed(outageAt),
    unit: 'ms',
  });
  o.report({
    bench: 'pipeline-round',
    figure: 'hypotheses during the outage',
    value: round.diagnosis.hypotheses.length,
    unit: 'hypotheses',
  });
}

/** The Node as the node lifecycle controller leaves it when the kubelet stops posting (kubernetes.md §3). */
function stopped(n: KubeObject, sinceMs: number): KubeObject {
  const status = (n.status ?? {}) as { conditions?: { type: string }[] };
  return {
    ...n,
    status: {
      ...status,
      conditions: (status.conditions ?? []).map((c) =>
        c.type === 'Ready'
          ? {
              ...c,
              status: 'Unknown',
              reason: 'NodeStatusUnknown',
              message: 'Kubelet stopped posting node status.',
              lastTransitionTime: rfc3339(sinceMs),
            }
          : c,
      ),
    },
  };
}

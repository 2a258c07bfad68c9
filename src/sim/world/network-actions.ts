/**
 * The network actions of a timeline: `kubectl label nodes` (how an operator restores a
 * label an upgrade removed, or moves a peering), and registering the node pools with the
 * load balancer again.
 */
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import type { ObjectStore } from '../store/object-store.ts';

const nodeType = resourceForKind('Node')!;

export interface NetworkActions {
  labelNodes(nodes: readonly string[], labels: Readonly<Record<string, string | null>>): void;
  registerLbTargets(): void;
}

export function networkActions(o: { store: ObjectStore; registerLbTargets?: () => void }): NetworkActions {
  return {
    labelNodes(nodes, labels) {
      for (const name of nodes) {
        const n = o.store.find(nodeType, '', name) as KubeObject | undefined;
        if (!n) continue;
        const next = { ...n.metadata.labels };
        for (const [k, v] of Object.entries(labels)) {
          if (v === null) delete next[k];
          else next[k] = v;
        }
        o.store.update(nodeType, { ...n, metadata: { ...n.metadata, labels: next } });
      }
    },
    registerLbTargets() {
      o.registerLbTargets?.();
    },
  };
}

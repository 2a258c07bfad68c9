/**
 * Which nodes a fault or action means at a given moment: the scenario names pools, a label
 * selector, node names and a condition (as the node reports it then), narrowed to `count`
 * picked with the scenario's seeded dice. Without pools, control-plane nodes are left out:
 * faults and operators act on workers unless a file says otherwise.
 */
import type { KubeObject } from '../api/k8s-types.ts';
import { parseLabelSelector } from '../api/label-selector.ts';
import { resourceForKind } from '../api/resources.ts';
import type { NodeTarget } from '../scenario/schema.ts';
import type { ObjectStore } from '../store/object-store.ts';

const nodeType = resourceForKind('Node')!;

interface NodeView {
  status?: { conditions?: { type: string; status: string }[] };
}

export function isNodeReady(node: KubeObject): boolean {
  return (
    (node as NodeView).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false
  );
}

/** Every node matching the target's filters (before `count`), sorted by name. */
export function matchingNodes(
  store: ObjectStore,
  target: NodeTarget,
  poolOf: (node: string) => string | undefined,
  controlPlanePools: ReadonlySet<string>,
): string[] {
  const selector = target.selector ? parseLabelSelector(target.selector) : undefined;
  return (store.listObjects(nodeType) as KubeObject[])
    .filter((n) => {
      const name = n.metadata.name ?? '';
      const pool = poolOf(name) ?? '';
      if (n.metadata.deletionTimestamp) return false;
      if (target.pools ? !target.pools.includes(pool) : controlPlanePools.has(pool)) return false;
      if (selector && !selector.matches(n.metadata.labels ?? {})) return false;
      if (target.names && !target.names.includes(name)) return false;
      if (target.condition && isNodeReady(n) !== (target.condition === 'Ready')) return false;
      return true;
    })
    .map((n) => n.metadata.name ?? '')
    .sort();
}

/** `n` of `from`, picked with the dice (a partial Fisher-Yates shuffle), in pick order. */
export function pick<T>(from: readonly T[], n: number, random: () => number): T[] {
  const pool = [...from];
  const out: T[] = [];
  while (out.length < n && pool.length) {
    const i = Math.floor(random() * pool.length);
    out.push(pool.splice(i, 1)[0]);
  }
  return out;
}

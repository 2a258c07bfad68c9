/**
 * The disruption controller (pkg/controller/disruption): keeps each
 * PodDisruptionBudget's status current from the pods it selects: expectedPods,
 * currentHealthy (Ready and not being deleted or already disrupted), desiredHealthy from
 * minAvailable or maxUnavailable (integers or percentages, rounded up), and
 * disruptionsAllowed, which the eviction API spends. Entries in disruptedPods expire
 * after 2 minutes, as in the real controller (DeletionTimeout).
 */
import type { Clock } from '../../time/clock.ts';
import { rfc3339 } from '../../time/clock.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { parseLabelSelector } from '../api/label-selector.ts';
import { resourceForKind } from '../api/resources.ts';
import { type LabelSelectorSpec, selectorText } from '../api/selector-spec.ts';
import type { ObjectStore } from '../store/object-store.ts';

const podType = resourceForKind('Pod')!;
const pdbType = resourceForKind('PodDisruptionBudget', 'policy')!;
const deletionTimeoutMs = 2 * 60_000;

interface PdbView {
  metadata: KubeObject['metadata'];
  spec?: {
    minAvailable?: number | string;
    maxUnavailable?: number | string;
    selector?: LabelSelectorSpec | null;
  };
  status?: {
    disruptedPods?: Record<string, string>;
    conditions?: {
      type: string;
      status: string;
      reason: string;
      message: string;
      lastTransitionTime?: string;
      observedGeneration?: number;
    }[];
  };
}

interface PodView {
  metadata: KubeObject['metadata'];
  status?: { conditions?: { type: string; status: string }[] };
}

function scaled(v: number | string, total: number): number {
  if (typeof v === 'number') return v;
  const pct = Number(v.replace('%', ''));
  return Math.ceil((pct * total) / 100);
}

/**
 * The pods a budget selects among its namespace's: policy/v1 reads an empty selector (`{}`)
 * as every pod and a null or absent one as none (PodDisruptionBudgetSpec.selector).
 */
export function selectedPods<T extends PodView>(
  selector: LabelSelectorSpec | null | undefined,
  pods: T[],
): T[] {
  if (!selector) return [];
  const sel = parseLabelSelector(selectorText(selector));
  return pods.filter((p) => sel.matches(p.metadata.labels));
}

export function pdbStatus(pdb: PdbView, pods: PodView[], nowMs: number): Record<string, unknown> {
  const matching = selectedPods(pdb.spec?.selector, pods);
  const disrupted: Record<string, string> = {};
  for (const [name, at] of Object.entries(pdb.status?.disruptedPods ?? {})) {
    const stillThere = matching.some((p) => p.metadata.name === name && !p.metadata.deletionTimestamp);
    if (stillThere && Date.parse(at) + deletionTimeoutMs > nowMs) disrupted[name] = at;
  }
  const expected = matching.length;
  const healthy = matching.filter(
    (p) =>
      !p.metadata.deletionTimestamp &&
      !(p.metadata.name! in disrupted) &&
      (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
  ).length;
  let desired: number;
  if (pdb.spec?.maxUnavailable !== undefined)
    desired = Math.max(0, expected - scaled(pdb.spec.maxUnavailable, expected));
  else desired = scaled(pdb.spec?.minAvailable ?? 0, expected);
  const allowed = Math.max(0, healthy - desired);
  const generation = pdb.metadata.generation ?? 1;
  const allowedNow = allowed > 0;
  const prev = pdb.status?.conditions?.find((c) => c.type === 'DisruptionAllowed');
  const condStatus = allowedNow ? 'True' : 'False';
  return {
    observedGeneration: generation,
    ...(Object.keys(disrupted).length ? { disruptedPods: disrupted } : {}),
    disruptionsAllowed: allowed,
    currentHealthy: healthy,
    desiredHealthy: desired,
    expectedPods: expected,
    conditions: [
      {
        type: 'DisruptionAllowed',
        status: condStatus,
        observedGeneration: generation,
        lastTransitionTime: prev && prev.status === condStatus ? prev.lastTransitionTime : rfc3339(nowMs),
        reason: allowedNow ? 'SufficientPods' : 'InsufficientPods',
        message: '',
      },
    ],
  };
}

/** Recomputes PDB status whenever pods or budgets change. */
export function startDisruptionController(store: ObjectStore, clock: Clock): () => void {
  let queued = false;
  const sync = (): void => {
    queued = false;
    for (const pdb of store.listObjects(pdbType) as (PdbView & KubeObject)[]) {
      const pods = store.listObjects(podType, pdb.metadata.namespace) as PodView[];
      const status = pdbStatus(pdb, pods, clock.now());
      store.update(pdbType, { ...pdb, status }, { subresource: 'status' });
    }
  };
  // Coalesce bursts of changes into one pass, as a workqueue would.
  const queue = (): void => {
    if (queued) return;
    queued = true;
    queueMicrotask(sync);
  };
  const offPods = store.subscribe(podType.storage, queue);
  // Our own status writes come back here too; the recomputed status is then unchanged,
  // the store treats the write as a no-op, and the loop ends.
  const offPdbs = store.subscribe(pdbType.storage, queue);
  sync();
  return () => {
    offPods();
    offPdbs();
  };
}

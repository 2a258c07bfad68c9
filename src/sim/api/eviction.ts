/**
 * POST pods/{name}/eviction: the Eviction API that `kubectl drain` uses, with the
 * PodDisruptionBudget check of pkg/registry/core/pod/storage/eviction.go: pods that are
 * not running or already terminating go without a check; otherwise the one matching
 * budget must allow a disruption, which is then spent (status.disruptionsAllowed and
 * status.disruptedPods) before the pod is deleted. Blocked evictions get 429 with the
 * real message, which kubectl prints and retries every 5 s.
 */

import type { Clock } from '../../time/clock.ts';
import { rfc3339 } from '../../time/clock.ts';
import { selectedPods } from '../controllers/disruption.ts';
import type { ObjectStore } from '../store/object-store.ts';
import type { KubeObject } from './k8s-types.ts';
import { resourceForKind } from './resources.ts';
import type { LabelSelectorSpec } from './selector-spec.ts';
import { ApiError, badRequest, internalError, tooManyRequests } from './status.ts';

const podType = resourceForKind('Pod')!;
const pdbType = resourceForKind('PodDisruptionBudget', 'policy')!;

interface EvictionBody {
  metadata?: { name?: string; namespace?: string };
  deleteOptions?: { gracePeriodSeconds?: number; preconditions?: { uid?: string; resourceVersion?: string } };
}

interface PodView {
  metadata: KubeObject['metadata'];
  status?: {
    phase?: string;
    conditions?: {
      type: string;
      status: string;
      reason?: string;
      message?: string;
      lastTransitionTime?: string;
    }[];
  };
}

interface PdbView {
  metadata: KubeObject['metadata'];
  spec?: { selector?: LabelSelectorSpec };
  status?: {
    observedGeneration?: number;
    disruptionsAllowed?: number;
    currentHealthy?: number;
    desiredHealthy?: number;
    disruptedPods?: Record<string, string>;
  };
}

function isReady(pod: PodView): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export function evictPod(opts: {
  store: ObjectStore;
  clock: Clock;
  namespace: string;
  name: string;
  body: Record<string, unknown>;
}): void {
  const { store, clock, namespace, name } = opts;
  const body = opts.body as EvictionBody;
  if (body.metadata?.name && body.metadata.name !== name) {
    throw badRequest(`name in URL does not match name in Eviction object`);
  }
  const pod = store.get(podType, namespace, name) as PodView & KubeObject;
  const deleteOptions = {
    gracePeriodSeconds: body.deleteOptions?.gracePeriodSeconds,
    preconditions: body.deleteOptions?.preconditions,
  };

  const phase = pod.status?.phase;
  const terminating = Boolean(pod.metadata.deletionTimestamp);
  if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || terminating) {
    store.delete(podType, namespace, name, deleteOptions);
    return;
  }

  // policy/v1: an empty selector guards every pod of the namespace, a null one none.
  const budgets = (store.listObjects(pdbType, namespace) as (PdbView & KubeObject)[]).filter(
    (pdb) => selectedPods(pdb.spec?.selector, [pod]).length > 0,
  );
  if (budgets.length > 1) {
    throw internalError(
      'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
    );
  }
  const pdb = budgets[0];
  if (pdb) {
    const pdbName = pdb.metadata.name ?? '';
    const status = pdb.status ?? {};
    if ((status.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) {
      throw tooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", 10, [
        {
          reason: 'DisruptionBudget',
          message: `The disruption budget ${pdbName} is still being processed by the server.`,
        },
      ]);
    }
    // An unready pod can go when the budget is otherwise satisfied (IfHealthyBudget).
    const healthyEnough = (status.currentHealthy ?? 0) >= (status.desiredHealthy ?? 0);
    const spendsBudget = isReady(pod) || !healthyEnough;
    if (spendsBudget) {
      if ((status.disruptionsAllowed ?? 0) <= 0) {
        throw tooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", 0, [
          {
            reason: 'DisruptionBudget',
            message: `The disruption budget ${pdbName} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`,
          },
        ]);
      }
      const next = {
        ...pdb,
        status: {
          ...status,
          disruptionsAllowed: (status.disruptionsAllowed ?? 0) - 1,
          disruptedPods: { ...(status.disruptedPods ?? {}), [name]: rfc3339(clock.now()) },
        },
      };
      try {
        store.update(pdbType, next, { subresource: 'status' });
      } catch (err) {
        if (err instanceof ApiError && err.code === 409) {
          throw tooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", 1);
        }
        throw err;
      }
    }
  }

  // Mark the pod before it goes, as the eviction registry does.
  const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget');
  conditions.push({
    type: 'DisruptionTarget',
    status: 'True',
    reason: 'EvictionByEvictionAPI',
    message: 'Eviction API: evicting',
    lastTransitionTime: rfc3339(clock.now()),
  });
  const marked = store.update(
    podType,
    { ...pod, status: { ...pod.status, conditions } },
    { subresource: 'status' },
  );
  store.delete(podType, namespace, name, { ...deleteOptions, preconditions: { uid: marked.metadata.uid } });
}

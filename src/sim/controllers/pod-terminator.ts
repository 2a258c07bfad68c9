/**
 * Finishes graceful pod deletion the way a kubelet does: once a bound pod has a
 * deletionTimestamp, its containers are stopped and the pod is deleted with grace 0.
 * The static cluster has no kubelet model (the behaviour model brings real ones); this
 * stands in so `kubectl delete pod` and `kubectl drain` complete. Containers here stop at
 * once, so the wait is short rather than the full grace period.
 */
import type { Clock } from '../../time/clock.ts';
import type { PodLogBook } from '../api/pod-log-book.ts';
import { resourceForKind } from '../api/resources.ts';
import { ApiError } from '../api/status.ts';
import type { ObjectStore } from '../store/object-store.ts';

const podType = resourceForKind('Pod')!;

export function startPodTerminator(
  store: ObjectStore,
  clock: Clock,
  logs: PodLogBook,
  stopDelayMs = 500,
): () => void {
  const pending = new Set<string>();
  const off = store.subscribe(podType.storage, (ev) => {
    const key = ev.entry.key;
    if (ev.type === 'DELETED') {
      pending.delete(key);
      logs.forgetPod(ev.entry.namespace, ev.entry.name);
      return;
    }
    if (pending.has(key) || !ev.entry.terminating) return;
    pending.add(key);
    const { namespace, name } = ev.entry;
    clock.after(stopDelayMs, () => {
      pending.delete(key);
      try {
        store.delete(podType, namespace, name, { gracePeriodSeconds: 0 });
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
    });
  });
  return off;
}

/**
 * Events as client-go's recorder writes them: a repeat of the same object, reason and
 * message within the correlator's window bumps `count` and `lastTimestamp` on the existing
 * Event instead of creating a new one. Events about cluster-scoped objects (nodes) live in
 * `default` with an empty involvedObject namespace (kubernetes.md §2.4).
 */
import { type Clock, rfc3339 } from '../../time/clock.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import { hexId } from '../cluster/objects.ts';
import type { ObjectStore } from '../store/object-store.ts';

const eventType = resourceForKind('Event')!;

export interface EventInput {
  involved: {
    kind: string;
    name: string;
    namespace?: string;
    uid?: string;
    apiVersion: string;
    /** The container an event is about: `spec.containers{name}`. */
    fieldPath?: string;
  };
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  source: { component: string; host?: string };
}

/** A pod as an Event's involved object. */
export function podInvolved(pod: {
  metadata: { name?: string; namespace?: string; uid?: string };
}): EventInput['involved'] {
  return {
    kind: 'Pod',
    name: pod.metadata.name ?? '',
    namespace: pod.metadata.namespace,
    uid: pod.metadata.uid,
    apiVersion: 'v1',
  };
}

/** Same object, reason and message within this window aggregate into one Event. */
const aggregateWindowMs = 10 * 60_000;

export function recordEvent(store: ObjectStore, clock: Clock, e: EventInput): void {
  const namespace = e.involved.namespace || 'default';
  const now = clock.now();
  const stamp = rfc3339(now);
  const name = `${e.involved.name}.${hexId(`${e.involved.kind}/${e.involved.namespace}/${e.involved.name}/${e.reason}/${e.message}/${e.source.component}`, 16)}`;
  const existing = store.find(eventType, namespace, name) as
    | (KubeObject & { count?: number; lastTimestamp?: string })
    | undefined;
  if (existing?.lastTimestamp && now - Date.parse(existing.lastTimestamp) <= aggregateWindowMs) {
    store.update(eventType, { ...existing, count: (existing.count ?? 1) + 1, lastTimestamp: stamp });
    return;
  }
  if (existing) store.delete(eventType, namespace, name);
  store.create(eventType, {
    metadata: { name, namespace },
    involvedObject: { ...e.involved, namespace: e.involved.namespace ?? '' },
    reason: e.reason,
    message: e.message,
    source: e.source,
    firstTimestamp: stamp,
    lastTimestamp: stamp,
    count: 1,
    type: e.type,
    eventTime: null,
    reportingComponent: e.source.component,
    reportingInstance: e.source.host ?? '',
  });
}

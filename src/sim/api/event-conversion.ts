/**
 * Conversion between the stored core/v1 Event and events.k8s.io/v1 Event, following
 * kubernetes pkg/apis/events/v1/conversion.go (both go through the internal core.Event).
 * The output has the shape Go's JSON encoder gives each version's struct: fields whose Go
 * type is a struct are always present (zero times as null), omitempty scalars are dropped
 * when zero, and keys come in struct order.
 */
import { isObject, type KubeObject, type ObjectMeta } from './k8s-types.ts';

type Json = Record<string, unknown>;

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function int(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** metav1.Time / MicroTime: a zero time marshals as null. */
function time(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/** Sets `key` only when the value is non-empty (Go `omitempty` on a string or number). */
function putIf(out: Json, key: string, v: string | number): void {
  if (v !== '' && v !== 0) out[key] = v;
}

/** corev1.ObjectReference: every field is an omitempty string; unknown fields are dropped. */
function objectReference(v: unknown): Json {
  const ref: Json = {};
  if (!isObject(v)) return ref;
  putIf(ref, 'kind', str(v['kind']));
  putIf(ref, 'namespace', str(v['namespace']));
  putIf(ref, 'name', str(v['name']));
  putIf(ref, 'uid', str(v['uid']));
  putIf(ref, 'apiVersion', str(v['apiVersion']));
  putIf(ref, 'resourceVersion', str(v['resourceVersion']));
  putIf(ref, 'fieldPath', str(v['fieldPath']));
  return ref;
}

function eventSource(v: unknown): Json {
  const src: Json = {};
  if (!isObject(v)) return src;
  putIf(src, 'component', str(v['component']));
  putIf(src, 'host', str(v['host']));
  return src;
}

function metadataOf(ev: KubeObject): ObjectMeta {
  return isObject(ev.metadata) ? ev.metadata : {};
}

/**
 * Stored core/v1 Event → events.k8s.io/v1 Event. `metadata` is passed through, not copied:
 * callers hand in an object they own (a parsed or cloned stored object).
 */
export function toEventsV1(coreEvent: KubeObject): KubeObject {
  const e = coreEvent;
  const out: KubeObject = {
    kind: 'Event',
    apiVersion: 'events.k8s.io/v1',
    metadata: metadataOf(e),
    eventTime: time(e['eventTime']),
  };
  if (isObject(e['series'])) {
    // events.k8s.io/v1 EventSeries has no omitempty: both fields always appear.
    out['series'] = {
      count: int(e['series']['count']),
      lastObservedTime: time(e['series']['lastObservedTime']),
    };
  }
  putIf(out, 'reportingController', str(e['reportingComponent']));
  putIf(out, 'reportingInstance', str(e['reportingInstance']));
  putIf(out, 'action', str(e['action']));
  putIf(out, 'reason', str(e['reason']));
  out['regarding'] = objectReference(e['involvedObject']);
  if (isObject(e['related'])) out['related'] = objectReference(e['related']);
  putIf(out, 'note', str(e['message']));
  putIf(out, 'type', str(e['type']));
  out['deprecatedSource'] = eventSource(e['source']);
  out['deprecatedFirstTimestamp'] = time(e['firstTimestamp']);
  out['deprecatedLastTimestamp'] = time(e['lastTimestamp']);
  putIf(out, 'deprecatedCount', int(e['count']));
  return out;
}

/**
 * events.k8s.io/v1 Event → the stored core/v1 Event. `metadata` is passed through, not copied.
 */
export function fromEventsV1(ev: KubeObject): KubeObject {
  const e = ev;
  const out: KubeObject = {
    kind: 'Event',
    apiVersion: 'v1',
    metadata: metadataOf(e),
    involvedObject: objectReference(e['regarding']),
  };
  putIf(out, 'reason', str(e['reason']));
  putIf(out, 'message', str(e['note']));
  out['source'] = eventSource(e['deprecatedSource']);
  out['firstTimestamp'] = time(e['deprecatedFirstTimestamp']);
  out['lastTimestamp'] = time(e['deprecatedLastTimestamp']);
  putIf(out, 'count', int(e['deprecatedCount']));
  putIf(out, 'type', str(e['type']));
  out['eventTime'] = time(e['eventTime']);
  if (isObject(e['series'])) {
    // core/v1 EventSeries.count is omitempty; lastObservedTime is a struct, so always present.
    const series: Json = {};
    putIf(series, 'count', int(e['series']['count']));
    series['lastObservedTime'] = time(e['series']['lastObservedTime']);
    out['series'] = series;
  }
  putIf(out, 'action', str(e['action']));
  if (isObject(e['related'])) out['related'] = objectReference(e['related']);
  // Neither is omitempty in core/v1, so both always appear.
  out['reportingComponent'] = str(e['reportingController']);
  out['reportingInstance'] = str(e['reportingInstance']);
  return out;
}

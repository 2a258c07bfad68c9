/**
 * How stored objects are presented in each served group/version and how incoming bodies
 * are brought to the stored form. Almost every resource is stored as it is served; the
 * exception is events.k8s.io/v1, which shares storage with core/v1 events and is converted
 * on the way in and out, as kube-apiserver does.
 */
import { fromEventsV1, toEventsV1 } from './event-conversion.ts';
import { withTypeMeta } from './http-io.ts';
import type { KubeObject } from './k8s-types.ts';
import { groupVersion, type ResourceType } from './resources.ts';

function converts(r: ResourceType): boolean {
  return r.group === 'events.k8s.io';
}

/** Stored JSON → the JSON a client of `r` sees, without kind/apiVersion (list items). */
export function presentItem(r: ResourceType, storedJson: string): string {
  if (!converts(r)) return storedJson;
  const ev = toEventsV1(JSON.parse(storedJson) as KubeObject);
  delete ev.kind;
  delete ev.apiVersion;
  return JSON.stringify(ev);
}

/** Stored JSON → a whole object of `r` with kind/apiVersion (get, watch, create responses). */
export function presentObject(r: ResourceType, storedJson: string): string {
  return withTypeMeta(presentItem(r, storedJson), r.kind, groupVersion(r));
}

/** A parsed stored object → the parsed object a client of `r` sees. */
export function presentParsed(r: ResourceType, stored: KubeObject): KubeObject {
  const obj = converts(r) ? toEventsV1(stored) : stored;
  return { kind: r.kind, apiVersion: groupVersion(r), ...obj };
}

/** An incoming body of `r` → the stored form. */
export function toStored(r: ResourceType, body: KubeObject): KubeObject {
  return converts(r) ? fromEventsV1(body) : body;
}

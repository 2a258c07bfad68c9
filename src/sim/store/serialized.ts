/**
 * How the store serializes objects: `metadata.resourceVersion` first, so the text of the
 * same object at another revision is a splice rather than a second JSON.stringify. Every
 * write is serialized once, and a no-op update is found by comparing text.
 */
import type { KubeObject } from '../api/k8s-types.ts';

export interface SerializedObject {
  /** The JSON is `head + resourceVersion + tail`. */
  head: string;
  tail: string;
}

const head = '{"metadata":{"resourceVersion":"';

export function serializeObject(obj: KubeObject): SerializedObject {
  const { resourceVersion: _ignored, ...meta } = obj.metadata;
  const { metadata: _metadata, ...rest } = obj;
  const metaJson = JSON.stringify(meta);
  const restJson = JSON.stringify(rest);
  const tail = `"${metaJson.length > 2 ? `,${metaJson.slice(1)}` : '}'}${restJson.length > 2 ? `,${restJson.slice(1)}` : '}'}`;
  return { head, tail };
}

export function atRevision(s: SerializedObject, rv: number): string {
  return s.head + rv + s.tail;
}

/**
 * Parses an API path into what it addresses, the way kube-apiserver's request-info
 * resolver does: `/api/v1/namespaces/ns/pods/p/log` → core/v1 pods "p" in "ns",
 * subresource "log". Discovery and health paths are recognised here too.
 */

export type ApiPath =
  | { type: 'root' | 'version' | 'api' | 'apis' | 'openapi' }
  | { type: 'health'; check: 'livez' | 'readyz' | 'healthz'; sub: string }
  | { type: 'group'; group: string }
  | { type: 'groupVersion'; group: string; version: string }
  | {
      type: 'resource';
      group: string;
      version: string;
      plural: string;
      namespace?: string;
      name?: string;
      subresource?: string;
      /** For `nodes/{name}/proxy/<rest>`: the rest of the path, with its leading slash. */
      rest?: string;
      /** The legacy `/watch/` path prefix. */
      watchPrefix?: boolean;
    }
  | { type: 'unknown' }
  /** A malformed %-escape: Go's net/http answers 400 before any handler runs. */
  | { type: 'badEscape' };

export function parseApiPath(pathname: string): ApiPath {
  const parts = pathname.split('/').filter((p, i) => i > 0 && p !== '');
  if (parts.length === 0) return { type: 'root' };
  let decoded: string[];
  try {
    decoded = parts.map(decodeURIComponent);
  } catch {
    return { type: 'badEscape' };
  }
  const [first, ...tail] = decoded;
  if (first === 'version' && tail.length === 0) return { type: 'version' };
  if (first === 'livez' || first === 'readyz' || first === 'healthz') {
    return { type: 'health', check: first, sub: tail.join('/') };
  }
  if (first === 'openapi') return { type: 'openapi' };
  if (first === 'api') {
    if (tail.length === 0) return { type: 'api' };
    const [version, ...rest] = tail;
    if (rest.length === 0) return { type: 'groupVersion', group: '', version };
    return resourcePath('', version, rest, pathname);
  }
  if (first === 'apis') {
    if (tail.length === 0) return { type: 'apis' };
    const [group, version, ...rest] = tail;
    if (version === undefined) return { type: 'group', group };
    if (rest.length === 0) return { type: 'groupVersion', group, version };
    return resourcePath(group, version, rest, pathname);
  }
  return { type: 'unknown' };
}

function resourcePath(group: string, version: string, segments: string[], raw: string): ApiPath {
  let rest = segments;
  let watchPrefix = false;
  if (rest[0] === 'watch') {
    watchPrefix = true;
    rest = rest.slice(1);
  }
  // namespaces/{ns}/{resource}/... addresses a namespaced resource; namespaces/{ns} and
  // namespaces/{ns}/status|finalize address the Namespace object itself.
  if (
    group === '' &&
    rest[0] === 'namespaces' &&
    rest.length >= 3 &&
    rest[2] !== 'status' &&
    rest[2] !== 'finalize'
  ) {
    const [, namespace, plural, name, subresource] = rest;
    return withRest(
      { type: 'resource', group, version, plural, namespace, name, subresource, watchPrefix },
      rest,
      5,
      raw,
    );
  }
  if (group !== '' && rest[0] === 'namespaces' && rest.length >= 3) {
    const [, namespace, plural, name, subresource] = rest;
    return withRest(
      { type: 'resource', group, version, plural, namespace, name, subresource, watchPrefix },
      rest,
      5,
      raw,
    );
  }
  const [plural, name, subresource] = rest;
  return withRest({ type: 'resource', group, version, plural, name, subresource, watchPrefix }, rest, 3, raw);
}

/** Keeps the raw remainder after a `proxy` subresource (it must not be re-joined from decoded parts). */
function withRest(
  p: Extract<ApiPath, { type: 'resource' }>,
  segments: string[],
  consumed: number,
  raw: string,
): ApiPath {
  if (p.subresource === 'proxy') {
    const marker = `/${p.name}/proxy`;
    const at = raw.indexOf(marker);
    p.rest = at >= 0 ? raw.slice(at + marker.length) || '/' : '/';
  } else if (segments.length > consumed) {
    return { type: 'unknown' };
  }
  return p;
}

/**
 * List continuation tokens in kube-apiserver's format: base64 of
 * `{"v":"meta.k8s.io/v1","rv":<list revision>,"start":"<next key>"}`
 * (apiserver pkg/storage/continue.go). Clients treat them as opaque.
 */
import { badRequest, expired } from './status.ts';

export interface ContinuePoint {
  rv: number;
  /** The last key already returned; the next page starts after it. */
  afterKey: string;
}

export function encodeContinue(point: ContinuePoint): string {
  const body = JSON.stringify({ v: 'meta.k8s.io/v1', rv: point.rv, start: `${point.afterKey}\u0000` });
  return Buffer.from(body).toString('base64url');
}

export function decodeContinue(token: string, oldestServableRv: number): ContinuePoint {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('continue key is not valid: illegal base64 data');
  }
  const p = parsed as { v?: unknown; rv?: unknown; start?: unknown };
  if (p.v !== 'meta.k8s.io/v1' || typeof p.rv !== 'number' || typeof p.start !== 'string') {
    throw badRequest(
      'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    );
  }
  if (p.rv < oldestServableRv) {
    // Same wording as apiserver's storage.NewResourceVersionExpiredError for continue tokens.
    throw expired(
      'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
    );
  }
  return { rv: p.rv, afterKey: p.start.endsWith('\u0000') ? p.start.slice(0, -1) : p.start };
}

/**
 * Server-side field validation (`?fieldValidation=Strict|Warn|Ignore`, GA in 1.27): a body
 * is decoded into the kind's Go type, so fields the type does not have are dropped, and
 * reported as the directive says. Strict fails the request the way the create handler
 * words it (apiserver `endpoints/handlers/create.go` transformDecodeError):
 *
 *   Deployment in version "v1" cannot be handled as a Deployment: strict decoding error:
 *   unknown field "spec.template.spec.containers[0].imagee"
 *
 * Warn (the default) sends one `Warning: 299 - "unknown field …"` header per field, which
 * kubectl prints as `Warning: unknown field "…"`. kubectl sends Strict unless told
 * `--validate=false` (Ignore). The kinds' fields come from their protobuf tables.
 */
import type { ServerResponse } from 'node:http';
import { jsonFields } from './proto/fields.ts';
import { protoRoots } from './proto/messages.ts';
import { groupVersion, type ResourceType } from './resources.ts';
import { badRequest } from './status.ts';

const isMessage = (type: string) => type.includes('.');

/** Removes fields the type lacks from `value` (in place) and returns their paths. */
function prune(message: string, value: unknown, path: string, out: string[], root: boolean): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  const defs = jsonFields(message);
  if (!defs) return;
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (root && (key === 'apiVersion' || key === 'kind')) continue;
    const def = defs.get(key);
    const at = path ? `${path}.${key}` : key;
    if (!def) {
      out.push(at);
      delete obj[key];
      continue;
    }
    const child = obj[key];
    if (def.type === 'map') {
      if (def.mapValue && isMessage(def.mapValue) && child && typeof child === 'object')
        for (const [k, v] of Object.entries(child)) prune(def.mapValue, v, `${at}[${k}]`, out, false);
    } else if (isMessage(def.type)) {
      if (def.repeated && Array.isArray(child))
        for (const [i, v] of child.entries()) prune(def.type, v, `${at}[${i}]`, out, false);
      else prune(def.type, child, at, out, false);
    }
  }
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function fieldValidationOf(q: URLSearchParams): FieldValidation {
  const v = q.get('fieldValidation');
  if (v === null || v === '' || v === 'Warn') return 'Warn';
  if (v === 'Strict' || v === 'Ignore') return v;
  throw badRequest(`fieldValidation parameter unsupported: ${v}. Must be one of Ignore, Warn, or Strict`);
}

/**
 * Drops unknown fields from a body of `r` (in place) and applies the directive: Strict
 * throws the create handler's 400, Warn adds warning headers. `verb` words the error for
 * patches, which have no kind to name.
 */
export function validateFields(
  r: ResourceType,
  body: Record<string, unknown>,
  directive: FieldValidation,
  res: ServerResponse,
  verb: 'create' | 'update' | 'patch',
): void {
  const root = protoRoots[`${groupVersion(r)}/${r.kind}`];
  if (!root) return;
  const unknown: string[] = [];
  prune(root, body, '', unknown, true);
  if (unknown.length === 0 || directive === 'Ignore') return;
  const texts = unknown.map((p) => `unknown field "${p}"`);
  if (directive === 'Strict') {
    const strict = `strict decoding error: ${texts.join(', ')}`;
    throw badRequest(
      verb === 'patch'
        ? strict
        : `${r.kind} in version "${r.version}" cannot be handled as a ${r.kind}: ${strict}`,
    );
  }
  if (!res.headersSent)
    res.setHeader(
      'Warning',
      texts.map((t) => `299 - ${JSON.stringify(t)}`),
    );
}

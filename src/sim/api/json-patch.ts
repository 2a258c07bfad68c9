/**
 * RFC 6902 JSON patch and RFC 7386 merge patch, as kube-apiserver applies them through
 * gopkg.in/evanphx/json-patch.v4, plus the own-property JSON helpers every patch flavour
 * shares. Behaviour and error reporting follow that library and
 * apiserver/pkg/endpoints/handlers/patch.go, including their deviations from the RFCs.
 */
import { ApiError } from './status.ts';

/** kube-apiserver turns every failure of a decoded JSON patch into this one 422 (patch.go applyJSPatch). */
export const REJECTED_MESSAGE = 'the server rejected our request due to an error in our request';

/**
 * The apiserver's `NewGenericServerResponse(422, …)`: reason Invalid, the generic message and
 * an empty details block. The library's own explanation is dropped from the response, as the
 * real server drops it; it is kept as `cause` so logs and tests can still see it.
 */
export function rejected(why: string): ApiError {
  const err = new ApiError(422, 'Invalid', REJECTED_MESSAGE, {});
  err.cause = new Error(why);
  return err;
}

/** Own-property lookups: patch bodies may carry keys such as `__proto__` or `constructor`. */
export function hasField(o: Record<string, unknown>, key: string): boolean {
  return Object.hasOwn(o, key);
}

export function getField(o: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

/** Defines instead of assigning, so a `__proto__` key stays data and never swaps the prototype. */
export function setField(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => hasField(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---------------------------------------------------------------- RFC 7386 merge patch

/**
 * Merges `patch` into `doc` (mutating `doc`). Mirrors json-patch.v4 `mergeDocs`: null deletes,
 * objects merge, anything else replaces; values that land where nothing (or null) was have
 * their nested null members pruned, as RFC 7386 prescribes.
 */
export function mergePatchInto(doc: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      delete doc[k];
      continue;
    }
    const cur = getField(doc, k);
    if (cur === undefined || cur === null) {
      setField(doc, k, pruneNulls(v));
    } else if (!isMap(cur)) {
      setField(doc, k, pruneNulls(v));
    } else if (!isMap(v)) {
      // The library keeps an array that replaces an object exactly as sent, nulls included.
      setField(doc, k, v);
    } else {
      mergePatchInto(cur, v);
    }
  }
}

/** Drops null members of objects at any depth; null array elements stay (json-patch.v4 pruneNulls). */
export function pruneNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => (x === null ? x : pruneNulls(x)));
  if (!isMap(v)) return v;
  for (const [k, x] of Object.entries(v)) {
    if (x === null) delete v[k];
    else setField(v, k, pruneNulls(x));
  }
  return v;
}

// ---------------------------------------------------------------- RFC 6902 JSON patch

type Container = Record<string, unknown> | unknown[];

/** RFC 6901 unescaping: `~1` before `~0`, so `~01` means the literal `~1`. */
function unescapeToken(t: string): string {
  return t.replaceAll('~1', '/').replaceAll('~0', '~');
}

/**
 * Array index parsing as the library does it (`strconv.Atoi`): optional sign, decimal digits.
 * Negative indices count from the end; the library enables that extension by default.
 */
function parseIndex(token: string): number | undefined {
  return /^[+-]?\d+$/.test(token) ? Number(token) : undefined;
}

/** Walks to the parent of the last token; undefined when the path does not exist. */
function findParent(doc: Container, path: string): { parent: Container; key: string } | undefined {
  if (!path.startsWith('/')) return undefined;
  const tokens = path.slice(1).split('/').map(unescapeToken);
  const key = tokens.pop() as string;
  let cur: unknown = doc;
  for (const t of tokens) {
    cur = childOf(cur, t);
    if (cur === undefined) return undefined;
  }
  if (!isMap(cur) && !Array.isArray(cur)) return undefined;
  return { parent: cur, key };
}

function childOf(cur: unknown, token: string): unknown {
  if (Array.isArray(cur)) {
    const i = resolveIndex(cur.length, token);
    return i === undefined ? undefined : cur[i];
  }
  if (isMap(cur)) {
    const v = getField(cur, token);
    // A member that is null cannot be descended into either.
    return v === null ? undefined : v;
  }
  return undefined;
}

/** An existing element's position, honouring negative indices; undefined when out of range. */
function resolveIndex(length: number, token: string): number | undefined {
  let i = parseIndex(token);
  if (i === undefined) return undefined;
  if (i < 0) i += length;
  return i >= 0 && i < length ? i : undefined;
}

function addAt(parent: Container, key: string, value: unknown, path: string): void {
  if (!Array.isArray(parent)) {
    setField(parent, key, value);
    return;
  }
  if (key === '-') {
    parent.push(value);
    return;
  }
  let i = parseIndex(key);
  if (i === undefined) throw rejected(`value was not a proper array index: '${key}'`);
  if (i < 0) i += parent.length + 1;
  if (i < 0 || i > parent.length)
    throw rejected(`error in add for path: '${path}': invalid index referenced`);
  parent.splice(i, 0, value);
}

function removeAt(parent: Container, key: string, path: string): unknown {
  if (Array.isArray(parent)) {
    const i = resolveIndex(parent.length, key);
    if (i === undefined) throw rejected(`error in remove for path: '${path}': invalid index referenced`);
    return parent.splice(i, 1)[0];
  }
  if (!hasField(parent, key)) throw rejected(`Unable to remove nonexistent key: ${key}: missing value`);
  const v = parent[key];
  delete parent[key];
  return v;
}

function locate(doc: Container, op: Record<string, unknown>, field: 'path' | 'from', kind: string) {
  const path = getField(op, field);
  if (typeof path !== 'string') throw rejected(`${kind} operation failed to decode ${field}: missing value`);
  const found = findParent(doc, path);
  if (!found)
    throw rejected(`${kind} operation does not apply: doc is missing path: "${path}": missing value`);
  return { path, ...found };
}

/**
 * Applies decoded operations to `doc` (mutated in place; callers pass a copy). Every failure is
 * the apiserver's generic 422. Where json-patch.v4 departs from RFC 6902 we follow the library,
 * because that is what a real cluster does: `replace` of a missing object member adds it, an
 * absent `value` means null, and `test` of a missing member passes when the value is null.
 */
export function applyJsonPatch(doc: Record<string, unknown>, ops: readonly unknown[]): unknown {
  let root: Container = doc;
  for (const raw of ops) {
    const op = isMap(raw) ? raw : {};
    const kind = getField(op, 'op');
    const value = hasField(op, 'value') ? op.value : null;
    switch (kind) {
      case 'add': {
        const at = locate(root, op, 'path', 'add');
        addAt(at.parent, at.key, structuredClone(value), at.path);
        break;
      }
      case 'remove': {
        const at = locate(root, op, 'path', 'remove');
        removeAt(at.parent, at.key, at.path);
        break;
      }
      case 'replace': {
        if (getField(op, 'path') === '') {
          if (!isMap(value) && !Array.isArray(value)) {
            throw rejected('replace operation value must be object or array');
          }
          root = structuredClone(value);
          break;
        }
        const at = locate(root, op, 'path', 'replace');
        if (Array.isArray(at.parent)) {
          const i = resolveIndex(at.parent.length, at.key);
          if (i === undefined)
            throw rejected(`replace operation does not apply: doc is missing key: ${at.path}`);
          at.parent[i] = structuredClone(value);
        } else {
          setField(at.parent, at.key, structuredClone(value));
        }
        break;
      }
      case 'move': {
        const from = locate(root, op, 'from', 'move');
        const moved = removeAt(from.parent, from.key, from.path);
        const to = locate(root, op, 'path', 'move');
        addAt(to.parent, to.key, moved, to.path);
        break;
      }
      case 'copy': {
        const from = locate(root, op, 'from', 'copy');
        const v = childAt(from.parent, from.key);
        if (v === undefined)
          throw rejected(`copy operation does not apply: doc is missing from path: ${from.path}`);
        const to = locate(root, op, 'path', 'copy');
        addAt(to.parent, to.key, structuredClone(v), to.path);
        break;
      }
      case 'test': {
        if (getField(op, 'path') === '') {
          if (!jsonEqual(root, value)) throw rejected('testing value  failed: test failed');
          break;
        }
        const at = locate(root, op, 'path', 'test');
        if (Array.isArray(at.parent) && resolveIndex(at.parent.length, at.key) === undefined) {
          throw rejected(`error in test for path: '${at.path}': invalid index referenced`);
        }
        const actual = childAt(at.parent, at.key) ?? null;
        if (!jsonEqual(actual, value)) throw rejected(`testing value ${at.path} failed: test failed`);
        break;
      }
      default:
        throw rejected(`Unexpected kind: ${typeof kind === 'string' ? kind : 'unknown'}`);
    }
  }
  // A whole-document replace may have left an array; the caller's decode step rejects it.
  return root;
}

function childAt(parent: Container, key: string): unknown {
  if (Array.isArray(parent)) {
    const i = resolveIndex(parent.length, key);
    return i === undefined ? undefined : parent[i];
  }
  return getField(parent, key);
}

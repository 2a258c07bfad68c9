/**
 * Strategic merge patch as kube-apiserver applies it (apimachinery pkg/util/strategicpatch,
 * `StrategicMergeMapPatch` with MergeParallelList and IgnoreUnmatchedNulls set), driven by a
 * small table of the k8s.io/api `patchStrategy`/`patchMergeKey` struct tags for the kinds the
 * simulator serves. Fields the table does not name behave like untagged Go fields: maps merge,
 * lists are replaced. Error wording and HTTP codes follow apimachinery pkg/util/mergepatch and
 * `interpretStrategicMergePatchError` in apiserver's handlers/patch.go.
 */
import { getField, hasField, rejected, setField } from './json-patch.ts';
import { ApiError, badRequest } from './status.ts';

type JMap = Record<string, unknown>;

interface FieldMeta {
  strategy: 'merge' | 'replace';
  /** Only lists of objects have one; a merge list of scalars is a set (e.g. finalizers). */
  mergeKey?: string;
}

type Table = Record<string, FieldMeta>;

const merge = (mergeKey?: string): FieldMeta => ({ strategy: 'merge', mergeKey });

/** Paths are dotted JSON field names; list elements add no segment (`spec.containers.env`). */
function under(prefix: string, table: Table): Table {
  return Object.fromEntries(Object.entries(table).map(([path, meta]) => [`${prefix}.${path}`, meta]));
}

// metav1.ObjectMeta: shared by every kind.
const OBJECT_META: Table = {
  'metadata.ownerReferences': merge('uid'),
  'metadata.finalizers': merge(),
};

// core/v1 Container and EphemeralContainerCommon.
const CONTAINER: Table = {
  ports: merge('containerPort'),
  env: merge('name'),
  volumeMounts: merge('mountPath'),
  volumeDevices: merge('devicePath'),
};

// core/v1 PodSpec. `volumes` and `resourceClaims` are also tagged retainKeys; $retainKeys is
// honoured wherever it appears, so the table does not need to say so.
const POD_SPEC: Table = {
  volumes: merge('name'),
  initContainers: merge('name'),
  containers: merge('name'),
  ephemeralContainers: merge('name'),
  ...under('initContainers', CONTAINER),
  ...under('containers', CONTAINER),
  ...under('ephemeralContainers', CONTAINER),
  imagePullSecrets: merge('name'),
  hostAliases: merge('ip'),
  topologySpreadConstraints: merge('topologyKey'),
  schedulingGates: merge('name'),
  resourceClaims: merge('name'),
};

// core/v1 PodStatus. containerStatuses, initContainerStatuses and ephemeralContainerStatuses
// carry no tags, so a patch replaces those lists whole.
const POD_STATUS: Table = {
  conditions: merge('type'),
  hostIPs: merge('ip'),
  podIPs: merge('ip'),
  resourceClaimStatuses: merge('name'),
};

const CONDITIONS: Table = { 'status.conditions': merge('type') };
const WORKLOAD: Table = { ...under('spec.template.spec', POD_SPEC), ...CONDITIONS };

const KINDS = new Map<string, Table>([
  ['Pod', { ...under('spec', POD_SPEC), ...under('status', POD_STATUS) }],
  // spec.taints has no tags: cordon/taint patches replace the whole list.
  ['Node', { 'spec.podCIDRs': merge(), ...CONDITIONS, 'status.addresses': merge('type') }],
  ['Service', { 'spec.ports': merge('port'), ...CONDITIONS }],
  ['Namespace', CONDITIONS],
  ['Deployment', WORKLOAD],
  ['ReplicaSet', WORKLOAD],
  ['DaemonSet', WORKLOAD],
  ['StatefulSet', WORKLOAD],
  ['PodDisruptionBudget', { 'spec.selector': { strategy: 'replace' }, ...CONDITIONS }],
  // Endpoints, ConfigMap, Event, EndpointSlice and Lease have no tagged fields beyond metadata.
]);

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder';
const DELETE_FROM = '$deleteFromPrimitiveList';

// mergepatch.Err* values that patch.go maps to 400.
const BAD_PRIMITIVE_LIST = 'invalid patch format of primitive list';
const BAD_RETAIN_KEYS = 'invalid patch format of retainKeys';
const BAD_SET_ORDER = 'invalid patch format of setElementOrder list';

/**
 * Any other merge error is a plain Go error that the apiserver reports as a 500 with reason
 * Unknown (empty) and the error text as the message (responsewriters/status.go).
 */
function internal(message: string): ApiError {
  return new ApiError(500, '', message);
}

function isMap(v: unknown): v is JMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The Go dynamic type a decoded JSON value has (`reflect.TypeOf`), for comparisons and messages. */
function goType(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return '[]interface {}';
  if (typeof v === 'object') return 'map[string]interface {}';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  return typeof v === 'boolean' ? 'bool' : 'string';
}

/** Go's `%v` rendering of a decoded JSON value, so error texts read like the real ones. */
function goFormat(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`;
  if (isMap(v)) {
    const parts = Object.keys(v)
      .sort()
      .map((k) => `${k}:${goFormat(v[k])}`);
    return `map[${parts.join(' ')}]`;
  }
  return String(v);
}

const badArgType = (expected: string, actual: unknown) =>
  internal(`expected a ${expected}, but received a ${goType(actual)}`);
const noMergeKey = (m: JMap, key: string) =>
  internal(`map: ${goFormat(m)} does not contain declared merge key: ${key}`);

function extractKey(key: string, prefix: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) {
    throw badRequest(prefix === SET_ORDER ? BAD_SET_ORDER : BAD_PRIMITIVE_LIST);
  }
  return key.slice(slash + 1);
}

function isDirectiveKey(k: string): boolean {
  return (
    k === DIRECTIVE || k === RETAIN_KEYS || k.startsWith(`${SET_ORDER}/`) || k.startsWith(`${DELETE_FROM}/`)
  );
}

/**
 * The real server adopts some patch values verbatim and relies on decoding into the typed
 * object to drop nulls and unknown `$` keys. The simulator stores raw JSON, so it does that
 * clean-up here instead.
 */
function stripForStorage(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripForStorage);
  if (!isMap(v)) return v;
  for (const [k, x] of Object.entries(v)) {
    if (x === null || isDirectiveKey(k)) delete v[k];
    else setField(v, k, stripForStorage(x));
  }
  return v;
}

/** strategicpatch `discardNullValuesFromPatch`. */
function discardNulls(v: unknown): void {
  if (Array.isArray(v)) {
    for (const x of v) discardNulls(x);
  } else if (isMap(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (x === null) delete v[k];
      else discardNulls(x);
    }
  }
}

/** strategicpatch `removeDirectives`: a map carrying `$patch` is dropped altogether. */
function removeDirectives(v: unknown): { value: unknown; keep: boolean } {
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const x of v) {
      const r = removeDirectives(x);
      if (r.keep) out.push(r.value);
    }
    return { value: out, keep: true };
  }
  if (!isMap(v)) return { value: v, keep: true };
  if (hasField(v, DIRECTIVE)) return { value: undefined, keep: false };
  for (const [k, x] of Object.entries(v)) {
    const r = removeDirectives(x);
    if (r.keep) setField(v, k, r.value);
    else delete v[k];
  }
  return { value: v, keep: true };
}

class Merger {
  readonly #table: Table | undefined;

  constructor(kind: string) {
    this.#table = KINDS.get(kind);
  }

  meta(path: string): FieldMeta | undefined {
    if (this.#table && Object.hasOwn(this.#table, path)) return this.#table[path];
    return Object.hasOwn(OBJECT_META, path) ? OBJECT_META[path] : undefined;
  }

  /** strategicpatch `mergeMap`; mutates and returns `original`. */
  mergeMap(original: JMap, patch: JMap, path: string): JMap {
    if (hasField(patch, DIRECTIVE)) {
      const directive = patch[DIRECTIVE];
      if (directive === 'replace') {
        delete patch[DIRECTIVE];
        return stripForStorage(patch) as JMap;
      }
      if (directive === 'delete') return {};
      // `$patch: merge` is not accepted on maps by the real code either.
      throw internal(`unknown patch type: ${goFormat(directive)} in map: ${goFormat(patch)}`);
    }
    this.retainKeys(original, patch);
    this.setElementOrder(original, patch, path);

    for (const k of Object.keys(patch)) {
      const patchV = patch[k];
      let key = k;
      let isDeleteList = false;
      if (k.startsWith(DELETE_FROM)) {
        key = extractKey(k, DELETE_FROM);
        isDeleteList = true;
      }
      if (patchV === null) {
        delete original[key];
        continue;
      }
      const origV = getField(original, key);
      if (!hasField(original, key) || goType(origV) !== goType(patchV)) {
        if (!isDeleteList) this.adopt(original, key, patchV);
        continue;
      }
      const child = path ? `${path}.${key}` : key;
      const meta = this.meta(child);
      if (isMap(origV) && isMap(patchV)) {
        setField(
          original,
          key,
          meta?.strategy === 'replace' ? stripForStorage(patchV) : this.mergeMap(origV, patchV, child),
        );
      } else if (Array.isArray(origV) && Array.isArray(patchV)) {
        const merged = this.mergeSliceHandler(origV, patchV, child, meta, isDeleteList);
        // An emptied set is omitted on the way back out of the typed object (omitempty).
        if (isDeleteList && merged.length === 0) delete original[key];
        else setField(original, key, merged);
      } else {
        this.adopt(original, key, patchV);
      }
    }
    return original;
  }

  /** Takes a patch value where nothing of its type was, as `mergeMap` does for new keys. */
  adopt(original: JMap, key: string, patchV: unknown): void {
    discardNulls(patchV);
    const r = removeDirectives(patchV);
    if (r.keep) setField(original, key, r.value);
    else delete original[key];
  }

  /** strategicpatch `applyRetainKeysDirective`. */
  retainKeys(original: JMap, patch: JMap): void {
    if (!hasField(patch, RETAIN_KEYS)) return;
    const list = patch[RETAIN_KEYS];
    delete patch[RETAIN_KEYS];
    if (!Array.isArray(list)) throw badRequest(BAD_RETAIN_KEYS);
    const keep = new Set(list);
    for (const [k, v] of Object.entries(patch)) {
      if (v === null || k.startsWith(DELETE_FROM) || k.startsWith(SET_ORDER)) continue;
      if (!keep.has(k)) throw badRequest(BAD_RETAIN_KEYS);
    }
    for (const k of Object.keys(original)) {
      if (!keep.has(k)) delete original[k];
    }
  }

  /** strategicpatch `mergePatchIntoOriginal`: lists named by `$setElementOrder/<field>`. */
  setElementOrder(original: JMap, patch: JMap, path: string): void {
    for (const k of Object.keys(patch)) {
      if (!k.startsWith(SET_ORDER)) continue;
      const order = patch[k];
      delete patch[k];
      if (!Array.isArray(order)) throw badArgType('[]interface {}', order);
      const field = extractKey(k, SET_ORDER);
      const foundOriginal = hasField(original, field);
      const foundPatch = hasField(patch, field);
      const origList = foundOriginal ? original[field] : [];
      const patchList = foundPatch ? patch[field] : [];
      if (!Array.isArray(origList)) throw badArgType('[]interface {}', origList);
      if (!Array.isArray(patchList)) throw badArgType('[]interface {}', patchList);
      const child = path ? `${path}.${field}` : field;
      const meta = this.meta(child);
      const mergeKey = meta?.mergeKey ?? '';
      validateWithOrderList(patchList, order, mergeKey);

      let merged: unknown[];
      if (foundOriginal && !foundPatch) merged = origList;
      else if (!foundOriginal && foundPatch)
        merged = stripForStorage(removeDirectives(patchList).value) as unknown[];
      else if (foundOriginal && foundPatch)
        merged = this.mergeSliceHandler(origList, patchList, child, meta, false);
      else continue;

      if (merged.length === 0) {
        // Go would fail with "no elements in any of the given slices", but a typed object never
        // holds an empty list (omitempty); the simulator's raw objects can, so keep it as is.
        setField(original, field, merged);
        delete patch[field];
        continue;
      }
      const { inPatch, serverOnly } = partition(merged, order, mergeKey);
      const kind = elementKind(origList, patchList);
      setField(original, field, normalizeElementOrder(inPatch, serverOnly, order, origList, mergeKey, kind));
      delete patch[field];
    }
  }

  mergeSliceHandler(
    original: unknown[],
    patch: unknown[],
    path: string,
    meta: FieldMeta | undefined,
    isDeleteList: boolean,
  ): unknown[] {
    // Deletion lists apply whatever the field's strategy is.
    if (meta?.strategy === 'merge' || isDeleteList) {
      return this.mergeSlice(original, patch, path, meta?.mergeKey ?? '', isDeleteList);
    }
    return stripForStorage(patch) as unknown[];
  }

  /** strategicpatch `mergeSlice`. */
  mergeSlice(
    original: unknown[],
    patch: unknown[],
    path: string,
    mergeKey: string,
    isDeleteList: boolean,
  ): unknown[] {
    if (original.length === 0 && patch.length === 0) return original;
    const kind = elementKind(original, patch);
    let merged: unknown[];
    if (kind !== 'map') {
      if (isDeleteList) return original.filter((v) => !patch.includes(v));
      merged = deduplicateScalars([...original, ...patch]);
    } else {
      if (!mergeKey) throw internal(`cannot merge lists without merge key for ${path}`);
      const special = withSpecialElements(original as JMap[], patch as JMap[], mergeKey);
      original = special.original;
      patch = special.patch;
      merged = [...original];
      for (const item of patch as JMap[]) {
        if (!hasField(item, mergeKey)) throw noMergeKey(item, mergeKey);
        const i = merged.findIndex(
          (o) => isMap(o) && hasField(o, mergeKey) && o[mergeKey] === item[mergeKey],
        );
        if (i >= 0) merged[i] = this.mergeMap(merged[i] as JMap, item, path);
        else merged.push(stripForStorage(item));
      }
    }
    const { inPatch, serverOnly } = partition(merged, patch, mergeKey);
    return normalizeElementOrder(inPatch, serverOnly, patch, original, mergeKey, kind);
  }
}

/** strategicpatch `mergeSliceWithSpecialElements`: list items carrying `$patch`. */
function withSpecialElements(original: JMap[], patch: JMap[], mergeKey: string) {
  const rest: JMap[] = [];
  let replace = false;
  for (const item of patch) {
    if (!hasField(item, DIRECTIVE)) {
      rest.push(item);
      continue;
    }
    const directive = item[DIRECTIVE];
    if (directive === 'delete') {
      if (!hasField(item, mergeKey)) throw noMergeKey(item, mergeKey);
      original = original.filter((o) => !(hasField(o, mergeKey) && o[mergeKey] === item[mergeKey]));
    } else if (directive === 'replace') {
      // Keep scanning so the other `$patch` items are still validated and pruned.
      replace = true;
    } else if (directive === 'merge') {
      throw internal('merging lists cannot yet be specified in the patch');
    } else {
      throw internal(`unknown patch type: ${goFormat(directive)} in map: ${goFormat(item)}`);
    }
  }
  return replace ? { original: rest, patch: [] } : { original, patch: rest };
}

type ElementKind = 'map' | 'scalar';

/** strategicpatch `sliceElementType`: every element of every list must have the same Go type. */
function elementKind(...lists: unknown[][]): ElementKind {
  let first: string | undefined;
  for (const list of lists) {
    for (const v of list) {
      const t = goType(v);
      if (first === undefined) {
        if (Array.isArray(v)) throw rejected('lists of lists are not supported');
        first = t;
      } else if (t !== first) {
        throw internal(`list element types are not identical: ${goFormat(lists)}`);
      }
    }
  }
  if (first === undefined) throw internal('no elements in any of the given slices');
  return first === 'map[string]interface {}' ? 'map' : 'scalar';
}

/** The Go implementation's in-place dedupe, kept because it decides the order of equal-rank items. */
function deduplicateScalars(s: unknown[]): unknown[] {
  let length = s.length - 1;
  for (let i = 0; i < length; i++) {
    for (let j = i + 1; j <= length; j++) {
      if (s[i] === s[j]) {
        s[j] = s[length];
        s.length = length;
        length--;
        j--;
      }
    }
  }
  return s;
}

function identity(v: unknown, mergeKey: string, kind: ElementKind): unknown {
  return kind === 'map' ? (isMap(v) ? getField(v, mergeKey) : undefined) : v;
}

function indexIn(list: unknown[], v: unknown, mergeKey: string, kind: ElementKind): number {
  const id = identity(v, mergeKey, kind);
  return list.findIndex((x) => identity(x, mergeKey, kind) === id);
}

/** Splits `merged` into items the reference list names and the rest (server-only items). */
function partition(merged: unknown[], by: unknown[], mergeKey: string) {
  const inPatch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const v of merged) {
    let found: boolean;
    if (!mergeKey) {
      found = by.includes(v);
    } else {
      if (!isMap(v)) throw badArgType('map[string]interface {}', v);
      if (!hasField(v, mergeKey)) throw noMergeKey(v, mergeKey);
      found = by.some((b) => {
        if (!isMap(b)) throw internal('value for key 0 is not a map');
        return hasField(b, mergeKey) && b[mergeKey] === v[mergeKey];
      });
    }
    (found ? inPatch : serverOnly).push(v);
  }
  return { inPatch, serverOnly };
}

/**
 * strategicpatch `normalizeElementOrder`: patch items in patch order, server-only items in
 * live order, interleaved so each keeps its place relative to the live list where it can.
 */
function normalizeElementOrder(
  patch: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  kind: ElementKind,
): unknown[] {
  const left = sortByOrder(serverOnly, serverOrder, mergeKey, kind);
  const right = sortByOrder(patch, patchOrder, mergeKey, kind);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (j >= right.length) out.push(left[i++]);
    else if (i >= left.length) out.push(right[j++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey, kind);
      const ri = indexIn(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

/**
 * strategicpatch `normalizeSliceOrder`. Its comparator says "less" whenever either item is
 * missing from `order`; Go's stable sort is an insertion sort at these sizes, reproduced here
 * so such items land where they land on a real server. `$patch: delete` items go last.
 */
function sortByOrder(toSort: unknown[], order: unknown[], mergeKey: string, kind: ElementKind): unknown[] {
  let items = [...toSort];
  let deletes: unknown[] = [];
  if (kind === 'map') {
    for (const v of [...items, ...order]) {
      if (!isMap(v)) throw badArgType('map[string]interface {}', v);
      if (!hasField(v, mergeKey)) throw noMergeKey(v, mergeKey);
    }
    deletes = items.filter((v) => (v as JMap)[DIRECTIVE] === 'delete');
    items = items.filter((v) => (v as JMap)[DIRECTIVE] !== 'delete');
  }
  const less = (a: unknown, b: unknown): boolean => {
    const ia = indexIn(order, a, mergeKey, kind);
    const ib = indexIn(order, b, mergeKey, kind);
    return ia >= 0 && ib >= 0 ? ia < ib : true;
  };
  for (let i = 1; i < items.length; i++) {
    for (let j = i; j > 0 && less(items[j], items[j - 1]); j--) {
      [items[j], items[j - 1]] = [items[j - 1], items[j]];
    }
  }
  return [...items, ...deletes];
}

/** strategicpatch `validatePatchWithSetOrderList`: patch items must follow the order list. */
function validateWithOrderList(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  let items = patchList;
  if (mergeKey) {
    for (const v of patchList) if (!isMap(v)) throw badArgType('map[string]interface {}', v);
    items = patchList.filter((v) => (v as JMap)[DIRECTIVE] !== 'delete');
  }
  const sameKey = (a: unknown, b: unknown): boolean => {
    if (!mergeKey) return a === b;
    if (!isMap(a)) throw badArgType('map[string]interface {}', a);
    if (!isMap(b)) throw badArgType('map[string]interface {}', b);
    if (!hasField(a, mergeKey)) throw noMergeKey(a, mergeKey);
    if (!hasField(b, mergeKey)) throw noMergeKey(b, mergeKey);
    return a[mergeKey] === b[mergeKey];
  };
  let p = 0;
  let o = 0;
  while (p < items.length && o < order.length) {
    if (isMap(items[p]) && hasField(items[p] as JMap, DIRECTIVE)) {
      p++;
      continue;
    }
    if (sameKey(items[p], order[o])) p++;
    o++;
  }
  if (p < items.length && o >= order.length) {
    throw internal(
      `The order in patch list:\n${goFormat(patchList)}\n doesn't match ${SET_ORDER} list:\n${goFormat(order)}\n`,
    );
  }
}

/**
 * Applies a strategic merge patch for an object of `kind`, mutating and returning `original`
 * (callers pass a copy). Unknown kinds get the metadata rules only.
 */
export function strategicMergePatch(original: JMap, patch: JMap, kind: string): JMap {
  return new Merger(kind).mergeMap(original, patch, '');
}

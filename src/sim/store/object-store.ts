/**
 * The simulator's etcd: an in-memory object store with Kubernetes metadata semantics.
 *
 * - One resourceVersion counter for the whole store (like etcd's revision); clients only
 *   ever see it as an opaque string.
 * - uid, creationTimestamp, generation (for kinds that track it), deletionTimestamp and
 *   finalizers behave as in kube-apiserver's generic registry.
 * - Objects are kept serialized: a list or watch writes stored text straight to the wire,
 *   and 150,000 pods fit in far less memory than as live object graphs. Reads parse a
 *   fresh copy, so callers can never mutate what is stored.
 * - Every change is appended to a bounded watch history; a watch from a resourceVersion
 *   older than what history still holds gets 410 Expired, as from a compacted etcd.
 */
import { randomUUID } from 'node:crypto';
import { type Clock, rfc3339 } from '../../time/clock.ts';
import { isObject, type KubeObject } from '../api/k8s-types.ts';
import type { ResourceType } from '../api/resources.ts';
import { alreadyExists, conflict, expired, invalid, notFound } from '../api/status.ts';
import { atRevision, serializeObject } from './serialized.ts';
import { SortedKeys } from './sorted-keys.ts';
import { type WatchEvent, WatchHistory } from './watch-history.ts';

export interface StoredEntry {
  /** `namespace/name` for namespaced objects, `name` otherwise: the etcd key order. */
  key: string;
  namespace: string;
  name: string;
  rv: number;
  /** The object as JSON, without `kind`/`apiVersion` (lists omit them per item). */
  json: string;
  labels: Record<string, string> | undefined;
  /** Field-selector values, computed once per write. */
  fields: Record<string, string>;
  /** Has a deletionTimestamp (graceful deletion or finalizers pending). */
  terminating: boolean;
}

/** A write as dynamic admission sees it (see api/admission-webhooks.ts AdmissionAttributes). */
export interface WriteAttributes {
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  group: string;
  version: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  namespaced: boolean;
  name?: string;
  labels?: Record<string, string>;
}

export interface ListOptions {
  namespace?: string;
  filter?: (e: StoredEntry) => boolean;
  limit?: number;
  /** Resume after this key (from a continue token). */
  startAfterKey?: string;
}

export interface ListResult {
  entries: StoredEntry[];
  /** Key of the last entry returned when more remain; the caller builds the continue token. */
  lastKey?: string;
  remaining?: number;
}

export interface DeleteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
  gracePeriodSeconds?: number;
}

export interface UpdateOptions {
  /** `status` updates change only `.status`; main-resource updates keep the old status. */
  subresource?: 'status';
}

export interface ObjectStoreOptions {
  clock: Clock;
  /** Field-selector values for an object; the API layer knows which fields each kind has. */
  fieldsOf: (r: ResourceType, obj: KubeObject) => Record<string, string>;
  /** How long watch history is kept, like the apiserver watch cache / etcd compaction. */
  historyWindowMs?: number;
  /** Upper bound on retained watch events, whatever their age. */
  historyMaxEvents?: number;
  newUid?: () => string;
  /**
   * Seeded dice for uids and generateName suffixes, so a replayed scenario writes the same
   * objects every run; the crypto generator when unset.
   */
  random?: () => number;
}

/** Kinds whose spec changes bump metadata.generation (they report observedGeneration). */
const tracksGeneration = new Set([
  'deployments.apps',
  'replicasets.apps',
  'daemonsets.apps',
  'poddisruptionbudgets.policy',
  'jobs.batch',
  'cronjobs.batch',
  'ingresses.networking.k8s.io',
  'validatingwebhookconfigurations.admissionregistration.k8s.io',
  'mutatingwebhookconfigurations.admissionregistration.k8s.io',
  'flowschemas.flowcontrol.apiserver.k8s.io',
  'prioritylevelconfigurations.flowcontrol.apiserver.k8s.io',
]);

/** Kinds with a status subresource: a PUT of the main resource leaves status alone. */
function hasStatus(r: ResourceType): boolean {
  return r.subresources.some((s) => s.name === 'status');
}

interface Collection {
  entries: Map<string, StoredEntry>;
  keys: SortedKeys;
}

export type WatchListener = (event: WatchEvent) => void;

export class ObjectStore {
  private readonly clock: Clock;
  private readonly fieldsOf: ObjectStoreOptions['fieldsOf'];
  private readonly newUid: () => string;
  private readonly nameRandom: () => number;
  private readonly collections = new Map<string, Collection>();
  private readonly listeners = new Map<string, Set<WatchListener>>();
  readonly history: WatchHistory;
  /**
   * Dynamic admission for the cluster's own writers (kubelets, controllers), which write
   * here directly: they ask it before writing what a webhook may refuse. Unset: no webhooks.
   */
  admission:
    | { reviewNow(a: WriteAttributes, clientTimeoutMs?: number): { message: string } | undefined }
    | undefined;
  private revision = 0;

  constructor(opts: ObjectStoreOptions) {
    this.clock = opts.clock;
    this.fieldsOf = opts.fieldsOf;
    const random = opts.random;
    this.nameRandom = random ?? Math.random;
    this.newUid = opts.newUid ?? (random ? () => seededUuid(random) : randomUUID);
    this.history = new WatchHistory({
      clock: opts.clock,
      windowMs: opts.historyWindowMs ?? 5 * 60_000,
      maxEvents: opts.historyMaxEvents ?? 200_000,
    });
  }

  /** The store-wide resourceVersion: the revision of the newest write. */
  get resourceVersion(): number {
    return this.revision;
  }

  private collection(storage: string): Collection {
    let c = this.collections.get(storage);
    if (!c) {
      c = { entries: new Map(), keys: new SortedKeys() };
      this.collections.set(storage, c);
    }
    return c;
  }

  count(r: ResourceType): number {
    return this.collection(r.storage).entries.size;
  }

  getEntry(r: ResourceType, namespace: string, name: string): StoredEntry | undefined {
    return this.collection(r.storage).entries.get(keyOf(r, namespace, name));
  }

  get(r: ResourceType, namespace: string, name: string): KubeObject {
    const e = this.getEntry(r, namespace, name);
    if (!e) throw notFound(r.plural, r.group, name);
    return JSON.parse(e.json) as KubeObject;
  }

  /**
   * Like get, but undefined instead of NotFound, and the object is shared and frozen: the
   * behaviour model reads the same versions over and over, and parsing each once keeps a
   * replay fast. Change a copy (`{ ...o, spec }`, structuredClone), never the object.
   */
  find(r: ResourceType, namespace: string, name: string): KubeObject | undefined {
    const e = this.getEntry(r, namespace, name);
    return e ? parsedEntry(e) : undefined;
  }

  list(r: ResourceType, opts: ListOptions = {}): ListResult {
    const c = this.collection(r.storage);
    const prefix = r.namespaced && opts.namespace ? `${opts.namespace}/` : '';
    let i = opts.startAfterKey !== undefined ? c.keys.lowerBound(`${opts.startAfterKey}\u0000`) : 0;
    if (prefix) i = Math.max(i, c.keys.lowerBound(prefix));
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Number.POSITIVE_INFINITY;
    const entries: StoredEntry[] = [];
    for (; i < c.keys.size; i++) {
      const key = c.keys.at(i)!;
      if (prefix && !key.startsWith(prefix)) break;
      const e = c.entries.get(key)!;
      if (opts.filter && !opts.filter(e)) continue;
      if (entries.length === limit) {
        const last = entries[entries.length - 1].key;
        // remainingItemCount is only meaningful (and only sent) without a filter.
        let remaining: number | undefined;
        if (!opts.filter) {
          const end = prefix ? c.keys.lowerBound(`${prefix.slice(0, -1)}0`) : c.keys.size;
          remaining = end - i;
        }
        return { entries, lastKey: last, remaining };
      }
      entries.push(e);
    }
    return { entries };
  }

  /** All objects of a resource, parsed, shared and frozen (see find); not for the HTTP path. */
  listObjects(r: ResourceType, namespace?: string): KubeObject[] {
    return this.list(r, { namespace }).entries.map(parsedEntry);
  }

  /**
   * Creates an object. `createdAtMs` lets a scenario seed objects that already existed
   * before the simulation starts; the API path never passes it.
   */
  create(r: ResourceType, input: KubeObject, opts: { createdAtMs?: number } = {}): KubeObject {
    // The store keeps only serialized text, so a shallow copy is enough to leave the
    // caller's object (and its metadata) untouched.
    const obj: KubeObject = { ...input, metadata: { ...input.metadata } };
    const meta = obj.metadata;
    if (!meta.name && meta.generateName) meta.name = meta.generateName + randomSuffix(this.nameRandom);
    if (!meta.name) {
      throw invalid(r.kind, r.group, '', [
        {
          reason: 'FieldValueRequired',
          field: 'metadata.name',
          message: 'Required value: name or generateName is required',
        },
      ]);
    }
    if (!r.namespaced) delete meta.namespace;
    const namespace = r.namespaced ? (meta.namespace ?? 'default') : '';
    if (r.namespaced) meta.namespace = namespace;
    const c = this.collection(r.storage);
    const key = keyOf(r, namespace, meta.name);
    if (c.entries.has(key)) throw alreadyExists(r.plural, r.group, meta.name);
    meta.uid = this.newUid();
    meta.creationTimestamp = rfc3339(opts.createdAtMs ?? this.clock.now());
    if (tracksGeneration.has(r.storage)) meta.generation = 1;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.managedFields;
    delete obj.kind;
    delete obj.apiVersion;
    return this.write(r, c, key, undefined, obj, 'ADDED');
  }

  update(r: ResourceType, input: KubeObject, opts: UpdateOptions = {}): KubeObject {
    const name = input.metadata?.name ?? '';
    const namespace = r.namespaced ? (input.metadata?.namespace ?? 'default') : '';
    const c = this.collection(r.storage);
    const key = keyOf(r, namespace, name);
    const prev = c.entries.get(key);
    if (!prev) throw notFound(r.plural, r.group, name);
    // The stored version, shared and frozen: `next` is always a fresh object over it.
    const old = parsedEntry(prev);
    const wantedRv = input.metadata?.resourceVersion;
    if (wantedRv && wantedRv !== String(prev.rv)) throw conflict(r.plural, r.group, name);

    let next: KubeObject;
    if (opts.subresource === 'status') {
      next = { ...old, metadata: { ...old.metadata }, status: input.status };
      if (input.status === undefined) delete next.status;
    } else {
      next = { ...input, metadata: { ...input.metadata } };
      delete next.kind;
      delete next.apiVersion;
      if (hasStatus(r)) {
        if (old.status === undefined) delete next.status;
        else next.status = old.status;
      }
      // Identity and system fields are not the client's to change.
      const meta = { ...next.metadata };
      meta.uid = old.metadata.uid;
      meta.creationTimestamp = old.metadata.creationTimestamp;
      meta.deletionTimestamp = old.metadata.deletionTimestamp;
      meta.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
      meta.namespace = old.metadata.namespace;
      meta.generation = old.metadata.generation;
      delete meta.managedFields;
      next.metadata = dropUndefined(meta);
      // What the generation follows: the spec, or a webhook configuration's webhooks.
      const desired = (o: KubeObject) => JSON.stringify((o as { webhooks?: unknown }).webhooks ?? o.spec);
      if (tracksGeneration.has(r.storage) && desired(next) !== desired(old)) {
        next.metadata.generation = (old.metadata.generation ?? 0) + 1;
      }
    }
    const text = serializeObject(next);
    // A no-op write neither bumps the resourceVersion nor emits a watch event.
    if (atRevision(text, prev.rv) === prev.json) return old;

    if (
      next.metadata.deletionTimestamp &&
      !(next.metadata.finalizers?.length ?? 0) &&
      !isGracefulPod(r, next)
    ) {
      return this.remove(r, c, prev, next);
    }
    return this.write(r, c, key, prev, next, 'MODIFIED', text);
  }

  /**
   * Deletes, honouring finalizers and pod graceful termination: such objects get a
   * deletionTimestamp and stay until the finalizers are gone or the kubelet confirms.
   * Returns the object as it now is (kube-apiserver answers 200 with it) and whether it
   * is gone.
   */
  delete(
    r: ResourceType,
    namespace: string,
    name: string,
    opts: DeleteOptions = {},
  ): { object: KubeObject; deleted: boolean } {
    const c = this.collection(r.storage);
    const key = keyOf(r, namespace, name);
    const prev = c.entries.get(key);
    if (!prev) throw notFound(r.plural, r.group, name);
    const obj = JSON.parse(prev.json) as KubeObject;
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== obj.metadata.uid) {
      throw conflict(
        r.plural,
        r.group,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid}`,
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== String(prev.rv)) {
      throw conflict(
        r.plural,
        r.group,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${prev.rv}`,
      );
    }

    const grace = r.storage === 'pods' ? podGraceSeconds(obj, opts.gracePeriodSeconds) : 0;
    const hasFinalizers = (obj.metadata.finalizers?.length ?? 0) > 0;
    if (grace > 0 || hasFinalizers) {
      if (obj.metadata.deletionTimestamp && grace >= (obj.metadata.deletionGracePeriodSeconds ?? 0)) {
        // Already terminating and not shortened: nothing changes.
        return { object: obj, deleted: false };
      }
      obj.metadata.deletionTimestamp = rfc3339(this.clock.now() + grace * 1000);
      obj.metadata.deletionGracePeriodSeconds = grace;
      return { object: this.write(r, c, key, prev, obj, 'MODIFIED'), deleted: false };
    }
    return { object: this.remove(r, c, prev, obj), deleted: true };
  }

  /** Registers a listener for every change to one storage; returns the unsubscribe. */
  subscribe(storage: string, listener: WatchListener): () => void {
    let set = this.listeners.get(storage);
    if (!set) {
      set = new Set();
      this.listeners.set(storage, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  /**
   * The events after `fromRv` for one storage, or a 410 Expired error when history no
   * longer reaches back that far (the same check and message as the apiserver's cacher).
   */
  eventsSince(storage: string, fromRv: number): WatchEvent[] {
    const oldest = this.history.oldestRetained(this.revision);
    if (fromRv < oldest - 1) {
      throw expired(`too old resource version: ${fromRv} (${oldest - 1})`);
    }
    return this.history.since(storage, fromRv);
  }

  /** Forgets all watch history, as an etcd compaction does: older watches must relist. */
  compact(): void {
    this.history.compactTo(this.revision);
  }

  private write(
    r: ResourceType,
    c: Collection,
    key: string,
    prev: StoredEntry | undefined,
    obj: KubeObject,
    type: 'ADDED' | 'MODIFIED',
    text = serializeObject(obj),
  ): KubeObject {
    const rv = ++this.revision;
    obj.metadata.resourceVersion = String(rv);
    const entry: StoredEntry = {
      key,
      namespace: obj.metadata.namespace ?? '',
      name: obj.metadata.name ?? '',
      rv,
      json: atRevision(text, rv),
      labels: obj.metadata.labels,
      fields: this.fieldsOf(r, obj),
      terminating: Boolean(obj.metadata.deletionTimestamp),
    };
    if (!prev) c.keys.insert(key);
    c.entries.set(key, entry);
    // The written object is this version's parse: readers share it instead of parsing the
    // text again (a replay writes a lease every few milliseconds of wall time).
    parsedCache.set(entry, deepFreeze(obj));
    this.emit({ type, storage: r.storage, rv, entry, prev });
    return obj;
  }

  private remove(r: ResourceType, c: Collection, prev: StoredEntry, obj: KubeObject): KubeObject {
    const rv = ++this.revision;
    // The DELETED event carries the object at the deletion's own revision.
    obj.metadata.resourceVersion = String(rv);
    const entry: StoredEntry = {
      ...prev,
      rv,
      json: atRevision(serializeObject(obj), rv),
      labels: obj.metadata.labels,
      fields: this.fieldsOf(r, obj),
      terminating: true,
    };
    c.entries.delete(prev.key);
    c.keys.remove(prev.key);
    this.emit({ type: 'DELETED', storage: r.storage, rv, entry, prev });
    return obj;
  }

  private emit(event: WatchEvent): void {
    this.history.append(event);
    const set = this.listeners.get(event.storage);
    if (!set) return;
    for (const listener of set) listener(event);
  }
}

function keyOf(r: ResourceType, namespace: string, name: string): string {
  return r.namespaced ? `${namespace}/${name}` : name;
}

/** generateName suffixes are 5 characters from this alphabet (apiserver names.SimpleNameGenerator). */
function randomSuffix(random: () => number): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let s = '';
  for (let i = 0; i < 5; i++) s += alphabet[Math.floor(random() * alphabet.length)];
  return s;
}

/** A version-4 UUID from the given dice. */
function seededUuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = '89ab'[Math.floor(random() * 4)];
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function dropUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

interface PodView {
  spec?: { nodeName?: string; terminationGracePeriodSeconds?: number };
  status?: { phase?: string };
}

/**
 * Pod graceful deletion (pkg/registry/core/pod/strategy.go CheckGracefulDelete): a pod not
 * yet bound to a node, or already finished, goes at once; otherwise the grace period is the
 * request's, else the pod's terminationGracePeriodSeconds (default 30), and the kubelet
 * completes the deletion.
 */
function podGraceSeconds(obj: KubeObject, requested: number | undefined): number {
  const pod = obj as KubeObject & PodView;
  if (!pod.spec?.nodeName) return 0;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return 0;
  const grace = requested ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
  return Math.max(0, grace);
}

/** A bound pod with a deletionTimestamp stays until its kubelet deletes it with grace 0. */
function isGracefulPod(r: ResourceType, obj: KubeObject): boolean {
  return r.storage === 'pods' && isObject(obj.spec) && Boolean((obj as KubeObject & PodView).spec?.nodeName);
}

/** One parsed, deeply frozen object per stored version; entries are replaced on every write. */
const parsedCache = new WeakMap<StoredEntry, KubeObject>();

export function parsedEntry(e: StoredEntry): KubeObject {
  let o = parsedCache.get(e);
  if (!o) {
    o = deepFreeze(JSON.parse(e.json) as KubeObject);
    parsedCache.set(e, o);
  }
  return o;
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    Object.freeze(v);
    for (const x of Object.values(v)) if (x && typeof x === 'object' && !Object.isFrozen(x)) deepFreeze(x);
  }
  return v;
}

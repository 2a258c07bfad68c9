/**
 * The REST verbs on stored resources: get, list, create, update, patch, delete and
 * deletecollection, for the main resource and its `status` subresource. Watch, logs,
 * eviction and node proxy live in their own files.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../time/clock.ts';
import type { ObjectStore, StoredEntry } from '../store/object-store.ts';
import { admitCreate, type ClusterIpAllocator, validateName } from './admission.ts';
import type { AdmissionAttributes } from './admission-webhooks.ts';
import { presentItem, presentObject, presentParsed, toStored } from './codec.ts';
import { decodeContinue, encodeContinue } from './continue-token.ts';
import { fieldValidationOf, validateFields } from './field-validation.ts';
import { mediaType, parseJsonObject, readBody, sendJson, sendText } from './http-io.ts';
import { isObject, type KubeObject } from './k8s-types.ts';
import { type ListQuery, parseListQuery } from './list-options.ts';
import { applyPatch } from './patch.ts';
import { readObjectBody } from './request-body.ts';
import { groupVersion, type ResourceType, resourceTypes } from './resources.ts';
import { ApiError, badRequest, expired, methodNotSupported, notFound } from './status.ts';
import { toTable } from './table.ts';

export interface ResourceContext {
  store: ObjectStore;
  clock: Clock;
  clusterIps: ClusterIpAllocator;
  /** Dynamic admission (webhooks): resolves, or throws the error that refuses the write. */
  admit?: (a: AdmissionAttributes) => Promise<void>;
}

/** Sends a write through dynamic admission, when the server has any. */
async function admitWrite(
  ctx: ResourceContext,
  t: ResourceTarget,
  operation: AdmissionAttributes['operation'],
  obj: KubeObject | undefined,
): Promise<void> {
  if (!ctx.admit) return;
  await ctx.admit({
    operation,
    group: t.r.group,
    version: t.r.version,
    resource: t.r.plural,
    subresource: t.subresource,
    namespace: t.namespace || undefined,
    namespaced: t.r.namespaced,
    name: t.name ?? obj?.metadata.name,
    labels: obj?.metadata.labels,
  });
}

export interface ResourceTarget {
  r: ResourceType;
  namespace: string;
  name?: string;
  subresource?: string;
}

const tableAccept = /as=Table/;

/** What `?includeObject=` asks for in a Table response. */
function includeObject(q: URLSearchParams): 'None' | 'Metadata' | 'Object' {
  const v = q.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

function wantsTable(req: IncomingMessage): boolean {
  return tableAccept.test(req.headers.accept ?? '');
}

export function entryFilter(query: ListQuery): ((e: StoredEntry) => boolean) | undefined {
  if (query.labels.empty && query.fields.empty) return undefined;
  return (e) => query.labels.matches(e.labels) && query.fields.matches(e.fields);
}

export function handleList(
  ctx: ResourceContext,
  t: ResourceTarget,
  query: ListQuery,
  req: IncomingMessage,
  res: ServerResponse,
  q: URLSearchParams,
): void {
  const { r } = t;
  const oldest = ctx.store.history.oldestRetained(ctx.store.resourceVersion) - 1;
  let listRv = ctx.store.resourceVersion;
  let afterKey: string | undefined;
  if (query.continueToken) {
    const point = decodeContinue(query.continueToken, oldest);
    // Every page reports the first page's revision. Pages are served from current state,
    // not an MVCC snapshot; objects changed between pages may show their newer version.
    listRv = point.rv;
    afterKey = point.afterKey;
  } else if (query.resourceVersion && query.resourceVersion !== '0') {
    const wanted = Number(query.resourceVersion);
    if (!Number.isInteger(wanted) || wanted < 0) {
      throw badRequest(`invalid resource version "${query.resourceVersion}"`);
    }
    if (query.resourceVersionMatch === 'Exact' && wanted < oldest) {
      throw expired(`too old resource version: ${wanted} (${oldest})`);
    }
    if (wanted > ctx.store.resourceVersion) {
      throw new ApiError(
        504,
        'Timeout',
        `Too large resource version: ${wanted}, current: ${ctx.store.resourceVersion}`,
        {
          causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
          retryAfterSeconds: 1,
        },
      );
    }
  }
  const result = ctx.store.list(r, {
    namespace: t.namespace || undefined,
    filter: entryFilter(query),
    limit: query.limit,
    startAfterKey: afterKey,
  });
  const continueToken =
    result.lastKey !== undefined ? encodeContinue({ rv: listRv, afterKey: result.lastKey }) : undefined;

  if (wantsTable(req)) {
    const items = result.entries.map((e) => presentParsed(r, JSON.parse(e.json) as KubeObject));
    const table = toTable(r, items, {
      nowMs: ctx.clock.now(),
      includeObject: includeObject(q),
      resourceVersion: String(listRv),
      continueToken,
      remainingItemCount: result.remaining,
    });
    sendJson(res, 200, table);
    return;
  }

  const meta: Record<string, unknown> = { resourceVersion: String(listRv) };
  if (continueToken) meta.continue = continueToken;
  if (result.remaining !== undefined) meta.remainingItemCount = result.remaining;
  const parts: string[] = [];
  for (const e of result.entries) parts.push(presentItem(r, e.json));
  const body = `{"kind":"${r.kind}List","apiVersion":"${groupVersion(r)}","metadata":${JSON.stringify(meta)},"items":[${parts.join(',')}]}`;
  sendText(res, 200, body, 'application/json');
}

export function handleGet(
  ctx: ResourceContext,
  t: ResourceTarget,
  req: IncomingMessage,
  res: ServerResponse,
  q: URLSearchParams,
): void {
  const name = t.name!;
  const entry = ctx.store.getEntry(t.r, t.namespace, name);
  if (!entry) throw notFound(t.r.plural, t.r.group, name);
  if (wantsTable(req)) {
    const item = presentParsed(t.r, JSON.parse(entry.json) as KubeObject);
    sendJson(
      res,
      200,
      toTable(t.r, [item], {
        nowMs: ctx.clock.now(),
        includeObject: includeObject(q),
        resourceVersion: String(entry.rv),
      }),
    );
    return;
  }
  sendText(res, 200, presentObject(t.r, entry.json), 'application/json');
}

/** Reads a JSON, YAML or protobuf body and checks it is an object of the expected kind and group/version. */
async function readObject(t: ResourceTarget, req: IncomingMessage): Promise<KubeObject> {
  const body = await readObjectBody(req);
  checkKind(t.r, body);
  if (!isObject(body.metadata)) body.metadata = {};
  return body as KubeObject;
}

function checkKind(r: ResourceType, body: Record<string, unknown>): void {
  const gv = groupVersion(r);
  const { kind, apiVersion } = body;
  if (kind !== undefined && kind !== r.kind) {
    throw badRequest(
      `${String(kind)} in version "${String(apiVersion ?? gv)}" cannot be handled as a ${r.kind}: no kind "${String(kind)}" is registered for version "${String(apiVersion ?? gv)}" in scheme "k8s.io/kubernetes/pkg/api/legacyscheme/scheme.go:30"`,
    );
  }
  if (apiVersion !== undefined && apiVersion !== gv) {
    throw badRequest(
      `the API version in the data (${String(apiVersion)}) does not match the expected API version (${gv})`,
    );
  }
}

function checkNamespaceUsable(ctx: ResourceContext, namespace: string): void {
  const ns = ctx.store.find(nsType, '', namespace);
  if (!ns) throw notFound('namespaces', '', namespace);
  if (ns.metadata.deletionTimestamp) {
    throw new ApiError(
      403,
      'Forbidden',
      `unable to create new content in namespace ${namespace} because it is being terminated`,
      {
        causes: [
          {
            reason: 'NamespaceTerminating',
            message: `namespace ${namespace} is being terminated`,
            field: 'metadata.namespace',
          },
        ],
      },
    );
  }
}

const nsType = resourceTypes.find((r) => r.plural === 'namespaces')!;

/**
 * A create as the server takes it in, short of storing it: the namespace must accept new
 * objects, the name must be valid, API defaults apply and dynamic admission (webhooks) runs.
 * Returns what would be stored, or throws the error that refuses the create. handleCreate
 * stores it unless the request is a dry run; the replay's write probe
 * (cli/replay-write-probe.ts) calls it for its dry runs, in-process.
 */
export async function admitNewObject(
  ctx: ResourceContext,
  t: ResourceTarget,
  body: KubeObject,
): Promise<KubeObject> {
  if (t.r.namespaced) {
    const given = body.metadata.namespace;
    if (given && given !== t.namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    body.metadata.namespace = t.namespace;
    checkNamespaceUsable(ctx, t.namespace);
  }
  const stored = toStored(t.r, body);
  if (stored.metadata.name) validateName(t.r, stored.metadata.name);
  admitCreate(t.r, stored, ctx.clusterIps);
  await admitWrite(ctx, t, 'CREATE', stored);
  return stored;
}

export async function handleCreate(
  ctx: ResourceContext,
  t: ResourceTarget,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const body = await readObject(t, req);
  validateFields(t.r, body, fieldValidationOf(queryOf(req)), res, 'create');
  const stored = await admitNewObject(ctx, t, body);
  if (dryRun(req)) {
    sendJson(res, 201, presentParsed(t.r, stored));
    return;
  }
  const created = ctx.store.create(t.r, stored);
  sendJson(res, 201, presentParsed(t.r, created));
}

function queryOf(req: IncomingMessage): URLSearchParams {
  return new URL(req.url ?? '/', 'http://x').searchParams;
}

function dryRun(req: IncomingMessage): boolean {
  return queryOf(req).get('dryRun') === 'All';
}

function statusSubresource(t: ResourceTarget): { subresource?: 'status' } {
  if (t.subresource === undefined) return {};
  if (t.subresource === 'status' && t.r.subresources.some((s) => s.name === 'status'))
    return { subresource: 'status' };
  throw notFound(t.r.plural, t.r.group, t.name ?? '');
}

export async function handleUpdate(
  ctx: ResourceContext,
  t: ResourceTarget,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const opts = statusSubresource(t);
  const body = await readObject(t, req);
  validateFields(t.r, body, fieldValidationOf(queryOf(req)), res, 'update');
  const name = t.name!;
  if (body.metadata.name && body.metadata.name !== name) {
    throw badRequest(
      `the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`,
    );
  }
  body.metadata.name = name;
  if (t.r.namespaced) {
    if (body.metadata.namespace && body.metadata.namespace !== t.namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    body.metadata.namespace = t.namespace;
  }
  const stored = toStored(t.r, body);
  await admitWrite(ctx, t, 'UPDATE', stored);
  if (dryRun(req)) {
    sendJson(res, 200, presentParsed(t.r, stored));
    return;
  }
  const updated = ctx.store.update(t.r, stored, opts);
  sendJson(res, 200, presentParsed(t.r, updated));
}

export async function handlePatch(
  ctx: ResourceContext,
  t: ResourceTarget,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const opts = statusSubresource(t);
  const name = t.name!;
  const text = await readBody(req);
  const contentType = req.headers['content-type'] ?? '';
  const q = new URL(req.url ?? '/', 'http://x').searchParams;
  // Patches are computed against the served form and stored after conversion back.
  for (let attempt = 0; ; attempt++) {
    const current = ctx.store.find(t.r, t.namespace, name);
    if (!current) {
      // Server-side apply creates what does not exist yet.
      if (mediaType(contentType) === 'application/apply-patch+yaml' && !opts.subresource) {
        const created = applyPatch(
          contentType,
          { metadata: { name, namespace: t.r.namespaced ? t.namespace : undefined } },
          text,
          t.r.kind,
        );
        validateFields(t.r, created, fieldValidationOf(q), res, 'patch');
        const stored = toStored(t.r, created);
        if (t.r.namespaced) checkNamespaceUsable(ctx, t.namespace);
        admitCreate(t.r, stored, ctx.clusterIps);
        await admitWrite(ctx, t, 'CREATE', stored);
        sendJson(res, 201, presentParsed(t.r, ctx.store.create(t.r, stored)));
        return;
      }
      throw notFound(t.r.plural, t.r.group, name);
    }
    const served = presentParsed(t.r, current);
    const patched = applyPatch(contentType, served, text, t.r.kind);
    validateFields(t.r, patched, fieldValidationOf(q), res, 'patch');
    if (!isObject(patched.metadata)) patched.metadata = {};
    if (patched.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${String(patched.metadata.name)}) does not match the name on the URL (${name})`,
      );
    }
    // A patch without a resourceVersion applies to the version it was computed on; if the
    // object moved meanwhile, recompute (the apiserver's patcher retries the same way).
    const pinned = patched.metadata.resourceVersion;
    const stored = toStored(t.r, patched);
    if (!pinned || pinned === current.metadata.resourceVersion)
      stored.metadata.resourceVersion = current.metadata.resourceVersion;
    await admitWrite(ctx, t, 'UPDATE', stored);
    if (dryRun(req) || q.get('dryRun') === 'All') {
      sendJson(res, 200, presentParsed(t.r, stored));
      return;
    }
    try {
      const updated = ctx.store.update(t.r, stored, opts);
      sendJson(res, 200, presentParsed(t.r, updated));
      return;
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 409 || pinned || attempt >= 5) throw err;
    }
  }
}

interface DeleteRequest {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

async function readDeleteOptions(req: IncomingMessage, q: URLSearchParams): Promise<DeleteRequest> {
  const text = await readBody(req);
  const opts: DeleteRequest = {};
  if (text.trim()) {
    const body = parseJsonObject(text);
    if (typeof body.gracePeriodSeconds === 'number') opts.gracePeriodSeconds = body.gracePeriodSeconds;
    if (isObject(body.preconditions)) {
      const p = body.preconditions;
      opts.preconditions = {
        uid: typeof p.uid === 'string' ? p.uid : undefined,
        resourceVersion: typeof p.resourceVersion === 'string' ? p.resourceVersion : undefined,
      };
    }
  }
  const grace = q.get('gracePeriodSeconds');
  if (grace !== null && grace !== '') {
    const n = Number(grace);
    if (!Number.isInteger(n)) throw badRequest(`invalid value for gracePeriodSeconds: ${grace}`);
    opts.gracePeriodSeconds = n;
  }
  return opts;
}

export async function handleDelete(
  ctx: ResourceContext,
  t: ResourceTarget,
  req: IncomingMessage,
  res: ServerResponse,
  q: URLSearchParams,
): Promise<void> {
  if (t.subresource) throw methodNotSupported(`${t.r.plural}/${t.subresource}`, t.r.group, 'delete');
  const opts = await readDeleteOptions(req, q);
  const name = t.name!;
  if (dryRun(req)) {
    sendJson(res, 200, presentParsed(t.r, ctx.store.get(t.r, t.namespace, name)));
    return;
  }
  await admitWrite(ctx, t, 'DELETE', ctx.store.find(t.r, t.namespace, name));
  if (t.r.plural === 'namespaces' && t.r.group === '') deleteNamespaceContents(ctx, name);
  const { object, deleted } = ctx.store.delete(t.r, t.namespace, name, opts);
  // A deletion still pending (graceful or finalizers) answers with the object; a finished
  // one answers with the object only for registries with ReturnDeletedObject (pods,
  // services, namespaces) and with a Success Status for the rest (registry/store.go).
  if (!deleted || returnsDeletedObject.has(t.r.storage)) {
    sendJson(res, 200, presentParsed(t.r, object));
    return;
  }
  sendJson(res, 200, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name, ...(t.r.group ? { group: t.r.group } : {}), kind: t.r.plural, uid: object.metadata.uid },
  });
}

const returnsDeletedObject = new Set(['pods', 'services', 'namespaces']);

export async function handleDeleteCollection(
  ctx: ResourceContext,
  t: ResourceTarget,
  req: IncomingMessage,
  res: ServerResponse,
  q: URLSearchParams,
): Promise<void> {
  if (!t.r.verbs.includes('deletecollection'))
    throw methodNotSupported(t.r.plural, t.r.group, 'deletecollection');
  const query = parseListQuery(t.r, q, false);
  const opts = await readDeleteOptions(req, q);
  const { entries } = ctx.store.list(t.r, {
    namespace: t.namespace || undefined,
    filter: entryFilter(query),
  });
  const items: string[] = [];
  for (const e of entries) {
    const { object } = ctx.store.delete(t.r, e.namespace, e.name, {
      gracePeriodSeconds: opts.gracePeriodSeconds,
    });
    items.push(presentItem(t.r, JSON.stringify(object)));
  }
  const body = `{"kind":"${t.r.kind}List","apiVersion":"${groupVersion(t.r)}","metadata":{"resourceVersion":"${ctx.store.resourceVersion}"},"items":[${items.join(',')}]}`;
  sendText(res, 200, body, 'application/json');
}

/**
 * The namespace controller's job, done at once: everything in a deleted namespace goes
 * with it. (A real cluster takes a few seconds and shows the namespace Terminating.)
 */
function deleteNamespaceContents(ctx: ResourceContext, namespace: string): void {
  const storages = new Set<string>();
  for (const r of resourceTypes) {
    if (!r.namespaced || storages.has(r.storage)) continue;
    storages.add(r.storage);
    for (const e of ctx.store.list(r, { namespace }).entries) {
      ctx.store.delete(r, e.namespace, e.name, { gracePeriodSeconds: 0 });
    }
  }
}

/**
 * Wire-level conformance of the simulated kube-apiserver: raw `fetch` requests, exact status
 * codes, Content-Types and `Status` bodies, checked against what a real v1.32 apiserver sends
 * (/work/shared/reference/kubernetes.md §1–2, §8). Clients (kubectl, client-node, kubetriage's
 * own reflector) depend on these details, so a difference here is a simulator bug even when
 * kubectl happens to tolerate it. Fidelity details use `expect.soft` so one run reports every
 * divergence in a test, not just the first.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { KubeObject } from '../../src/sim/api/k8s-types.ts';
import { resourceForKind } from '../../src/sim/api/resources.ts';
import { type SimCluster, startSimCluster } from '../support/sim-cluster.ts';

interface StatusCauseBody {
  reason?: string;
  type?: string;
  message?: string;
  field?: string;
}

interface StatusBody {
  kind: string;
  apiVersion: string;
  metadata: Record<string, unknown>;
  status: string;
  message?: string;
  reason?: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    causes?: StatusCauseBody[];
    retryAfterSeconds?: number;
  };
  code?: number;
}

interface ListBody {
  kind: string;
  apiVersion: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: KubeObject[];
}

interface ApiResource {
  name: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  group?: string;
  version?: string;
}

interface WatchEventBody {
  type: string;
  object: KubeObject & Partial<StatusBody>;
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

interface CallOptions {
  body?: string | object;
  contentType?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

async function call(base: string, method: string, path: string, opts: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...opts.headers };
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    headers['Content-Type'] = opts.contentType ?? 'application/json';
  }
  const res = await fetch(base + path, { method, headers, body, signal: opts.signal });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

function json<T>(a: Answer): T {
  return JSON.parse(a.text) as T;
}

/** Asserts a JSON answer with the given code (kube-apiserver always labels JSON as such). */
function expectJson<T>(a: Answer, code: number): T {
  expect(a.status, a.text).toBe(code);
  expect(a.headers.get('content-type')).toBe('application/json');
  return json<T>(a);
}

/** Asserts a failure `Status` exactly as apimachinery's errors.go builds it. */
function expectFailure(a: Answer, code: number, reason: string, message?: string | RegExp): StatusBody {
  const s = expectJson<StatusBody>(a, code);
  expect(s.kind).toBe('Status');
  expect(s.apiVersion).toBe('v1');
  expect(s.metadata).toEqual({});
  expect(s.status).toBe('Failure');
  expect(s.reason).toBe(reason);
  expect(s.code).toBe(code);
  if (typeof message === 'string') expect(s.message).toBe(message);
  else if (message) expect(s.message).toMatch(message);
  return s;
}

/**
 * A raw watch stream: reads the chunked body as it arrives and keeps every complete line,
 * parsed, plus the raw text so framing (one JSON value per `\n`-terminated line) can be checked.
 */
class RawWatch {
  readonly events: WatchEventBody[] = [];
  readonly unparsable: string[] = [];
  raw = '';
  endedCleanly = false;
  readonly ended: Promise<void>;
  private readonly abort = new AbortController();
  headers: Headers = new Headers();
  status = 0;
  private readonly url: string;

  private constructor(url: string) {
    this.url = url;
    this.ended = this.run();
  }

  static async open(url: string): Promise<RawWatch> {
    const w = new RawWatch(url);
    await vi.waitFor(() => expect(w.status).not.toBe(0), { timeout: 5000, interval: 10 });
    return w;
  }

  private async run(): Promise<void> {
    let res: Response;
    try {
      res = await fetch(this.url, { signal: this.abort.signal });
    } catch {
      this.status = -1;
      return;
    }
    this.headers = res.headers;
    this.status = res.status;
    if (!res.body) return;
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let partial = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const text = decoder.decode(value, { stream: true });
        this.raw += text;
        partial += text;
        let nl = partial.indexOf('\n');
        while (nl >= 0) {
          const line = partial.slice(0, nl);
          partial = partial.slice(nl + 1);
          try {
            this.events.push(JSON.parse(line) as WatchEventBody);
          } catch {
            this.unparsable.push(line);
          }
          nl = partial.indexOf('\n');
        }
      }
      if (partial) this.unparsable.push(partial);
      this.endedCleanly = true;
    } catch {
      // Aborted by close(), or the connection died: either way the stream is over.
    }
  }

  /** Events of one type for one object name, in order. */
  of(name: string): string[] {
    return this.events.filter((e) => e.object.metadata?.name === name).map((e) => e.type);
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.ended;
  }
}

const cmType = resourceForKind('ConfigMap')!;

let c: SimCluster;
let base: string;

beforeAll(async () => {
  c = await startSimCluster({ tls: false });
  base = c.url;
});

afterAll(async () => {
  await c?.stop();
});

describe('discovery', () => {
  it('GET /api answers APIVersions with v1', async () => {
    const body = expectJson<{ kind: string; versions: string[] }>(await call(base, 'GET', '/api'), 200);
    expect(body.kind).toBe('APIVersions');
    expect(body.versions).toEqual(['v1']);
  });

  it('GET /apis lists groups, and every advertised group and group/version answers 200', async () => {
    const list = expectJson<{
      kind: string;
      apiVersion: string;
      groups: {
        name: string;
        versions: { groupVersion: string; version: string }[];
        preferredVersion: { groupVersion: string };
      }[];
    }>(await call(base, 'GET', '/apis'), 200);
    expect(list.kind).toBe('APIGroupList');
    expect(list.apiVersion).toBe('v1');
    const names = list.groups.map((g) => g.name);
    for (const g of ['apps', 'policy', 'coordination.k8s.io', 'discovery.k8s.io', 'events.k8s.io'])
      expect(names).toContain(g);
    for (const g of list.groups) {
      expect(g.preferredVersion.groupVersion).toBe(g.versions[0].groupVersion);
      const groupDoc = expectJson<{ kind: string; name: string }>(
        await call(base, 'GET', `/apis/${g.name}`),
        200,
      );
      expect(groupDoc.kind).toBe('APIGroup');
      expect(groupDoc.name).toBe(g.name);
      for (const v of g.versions) {
        // kubectl sends ?timeout=32s on discovery; unknown query parameters must be ignored.
        const rl = expectJson<{ kind: string; groupVersion: string; resources: ApiResource[] }>(
          await call(base, 'GET', `/apis/${v.groupVersion}?timeout=32s`),
          200,
        );
        expect(rl.kind).toBe('APIResourceList');
        expect(rl.groupVersion).toBe(v.groupVersion);
        expect(rl.resources.length).toBeGreaterThan(0);
      }
    }
  });

  it('GET /api/v1 advertises pods/eviction (policy/v1), pods/log and nodes/proxy', async () => {
    const rl = expectJson<{ kind: string; groupVersion: string; resources: ApiResource[] }>(
      await call(base, 'GET', '/api/v1'),
      200,
    );
    expect(rl.kind).toBe('APIResourceList');
    expect(rl.groupVersion).toBe('v1');
    const byName = new Map(rl.resources.map((r) => [r.name, r]));
    expect(byName.get('pods/eviction')).toMatchObject({
      name: 'pods/eviction',
      namespaced: true,
      group: 'policy',
      version: 'v1',
      kind: 'Eviction',
      verbs: ['create'],
    });
    expect(byName.get('pods/log')).toMatchObject({ namespaced: true, kind: 'Pod', verbs: ['get'] });
    expect(byName.get('nodes/proxy')).toMatchObject({ namespaced: false, kind: 'NodeProxyOptions' });
    expect(byName.get('pods')).toMatchObject({ namespaced: true, kind: 'Pod' });
    expect(byName.get('nodes')).toMatchObject({ namespaced: false, kind: 'Node' });
  });

  it('GET /version answers version.Info', async () => {
    const v = expectJson<Record<string, string>>(await call(base, 'GET', '/version'), 200);
    for (const k of [
      'major',
      'minor',
      'gitVersion',
      'gitCommit',
      'gitTreeState',
      'buildDate',
      'goVersion',
      'compiler',
      'platform',
    ]) {
      expect(typeof v[k], k).toBe('string');
    }
    expect(v.gitVersion).toMatch(/^v1\.32\./);
  });

  it('/livez, /readyz and /healthz answer ok', async () => {
    for (const p of ['/livez', '/readyz', '/healthz']) {
      const a = await call(base, 'GET', p);
      expect(a.status, p).toBe(200);
      expect(a.text).toBe('ok');
      expect(a.headers.get('content-type')).toMatch(/^text\/plain/);
    }
  });

  it('/openapi/v3 indexes a document per served group/version, each with its kinds and PATCH fieldValidation', async () => {
    const index = JSON.parse((await call(base, 'GET', '/openapi/v3')).text) as {
      paths: Record<string, { serverRelativeURL: string }>;
    };
    expect(Object.keys(index.paths)).toEqual(expect.arrayContaining(['api/v1', 'apis/apps/v1']));
    const doc = JSON.parse((await call(base, 'GET', index.paths['apis/apps/v1'].serverRelativeURL)).text) as {
      paths: Record<string, { patch?: { parameters: { name: string; in: string }[] } }>;
      components: { schemas: Record<string, { 'x-kubernetes-group-version-kind'?: unknown[] }> };
    };
    const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
    expect(patch?.parameters).toContainEqual(
      expect.objectContaining({ name: 'fieldValidation', in: 'query' }),
    );
    expect(
      doc.components.schemas['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind'],
    ).toEqual([{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
  });

  it('/openapi/v2 is JSON for JSON clients and 406 for gnostic protobuf, which it does not speak', async () => {
    const json = await call(base, 'GET', '/openapi/v2');
    expect(json.status).toBe(200);
    expect((JSON.parse(json.text) as { swagger: string }).swagger).toBe('2.0');
    const pb = await call(base, 'GET', '/openapi/v2', {
      headers: { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' },
    });
    expect(pb.status).toBe(406);
  });
});

describe('lists', () => {
  it('items carry no kind/apiVersion; the list does', async () => {
    const list = expectJson<ListBody>(await call(base, 'GET', '/api/v1/pods'), 200);
    expect(list.kind).toBe('PodList');
    expect(list.apiVersion).toBe('v1');
    expect(list.metadata.resourceVersion).toMatch(/^\d+$/);
    expect(list.items.length).toBeGreaterThan(0);
    for (const item of list.items) {
      expect(item.kind).toBeUndefined();
      expect(item.apiVersion).toBeUndefined();
    }
    const deps = expectJson<ListBody>(await call(base, 'GET', '/apis/apps/v1/deployments'), 200);
    expect(deps.kind).toBe('DeploymentList');
    expect(deps.apiVersion).toBe('apps/v1');
  });

  it('an empty list sends items: [] (never null)', async () => {
    const a = await call(base, 'GET', '/api/v1/namespaces/kube-public/pods');
    const list = expectJson<ListBody>(a, 200);
    expect(list.items).toEqual([]);
    expect(a.text).toContain('"items":[]');
  });

  it("limit/continue walks every item once, every page at the first page's resourceVersion", async () => {
    const all = expectJson<ListBody>(await call(base, 'GET', '/api/v1/pods'), 200);
    const seen: string[] = [];
    let token: string | undefined;
    let firstRv: string | undefined;
    let pages = 0;
    do {
      const q = new URLSearchParams({ limit: '4' });
      if (token) q.set('continue', token);
      const page = expectJson<ListBody>(await call(base, 'GET', `/api/v1/pods?${q}`), 200);
      expect(page.items.length).toBeLessThanOrEqual(4);
      firstRv ??= page.metadata.resourceVersion;
      expect(page.metadata.resourceVersion).toBe(firstRv);
      seen.push(...page.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
      token = page.metadata.continue;
      pages++;
    } while (token && pages < 100);
    expect(pages).toBe(Math.ceil(all.items.length / 4));
    expect(seen).toEqual(all.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
  });

  it('a continue token from compacted history is 410 Expired', async () => {
    const page = expectJson<ListBody>(await call(base, 'GET', '/api/v1/pods?limit=2'), 200);
    expect(page.metadata.continue).toBeTruthy();
    // History moves on past the list's revision and is compacted away.
    expectJson<KubeObject>(
      await call(base, 'POST', '/api/v1/namespaces/default/configmaps', {
        body: { metadata: { name: 'compact-bump' } },
      }),
      201,
    );
    c.sim.store.compact();
    const q = new URLSearchParams({ limit: '2', continue: page.metadata.continue! });
    expectFailure(
      await call(base, 'GET', `/api/v1/pods?${q}`),
      410,
      'Expired',
      /^The provided continue parameter is too old/,
    );
  });

  it('resourceVersionMatch without resourceVersion is 422 Invalid (kind ListOptions)', async () => {
    const s = expectFailure(
      await call(base, 'GET', '/api/v1/pods?resourceVersionMatch=NotOlderThan'),
      422,
      'Invalid',
    );
    // errors.NewInvalid(GroupKind{meta.k8s.io, ListOptions}) prints the group-qualified kind.
    expect
      .soft(s.message)
      .toBe(
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
      );
    expect.soft(s.details?.kind).toBe('ListOptions');
    expect.soft(s.details?.group).toBe('meta.k8s.io');
    // metav1.StatusCause serializes its Type as "reason".
    expect.soft(s.details?.causes?.[0]).toEqual({
      reason: 'FieldValueForbidden',
      message: 'Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
      field: 'resourceVersionMatch',
    });
  });

  it("an unsupported field selector is 400 with the conversion func's message", async () => {
    const q = new URLSearchParams({ fieldSelector: 'spec.nope=x' });
    expectFailure(
      await call(base, 'GET', `/api/v1/pods?${q}`),
      400,
      'BadRequest',
      'field label not supported: spec.nope',
    );
    // ConfigMap has no field-label conversion: runtime.DefaultMetaV1FieldSelectorConversion answers.
    const q2 = new URLSearchParams({ fieldSelector: 'data.k=v' });
    expectFailure(
      await call(base, 'GET', `/api/v1/configmaps?${q2}`),
      400,
      'BadRequest',
      '"data.k" is not a known field selector: only "metadata.name", "metadata.namespace"',
    );
  });

  it('a supported field selector and a label selector filter the list', async () => {
    const q = new URLSearchParams({
      fieldSelector: 'spec.nodeName=worker-1,status.phase=Running',
      labelSelector: 'k8s-app in (kube-proxy)',
    });
    const list = expectJson<ListBody>(await call(base, 'GET', `/api/v1/pods?${q}`), 200);
    expect(list.items).toHaveLength(1);
    expect(list.items[0].metadata.name).toMatch(/^kube-proxy-/);
  });

  it('a malformed label selector is 400 BadRequest', async () => {
    for (const sel of ['app in (web', 'app=', '!', 'a b']) {
      const q = new URLSearchParams({ labelSelector: sel });
      const a = await call(base, 'GET', `/api/v1/pods?${q}`);
      if (sel === 'app=') {
        // An empty value is legal: it selects objects whose label is "".
        expect(a.status).toBe(200);
        continue;
      }
      expectFailure(a, 400, 'BadRequest');
    }
  });
});

describe('CRUD', () => {
  it('create answers 201 with uid, resourceVersion and creationTimestamp', async () => {
    const obj = expectJson<KubeObject>(
      await call(base, 'POST', '/api/v1/namespaces/default/configmaps', {
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'crud-a' }, data: { k: 'v' } },
      }),
      201,
    );
    expect(obj.kind).toBe('ConfigMap');
    expect(obj.apiVersion).toBe('v1');
    expect(obj.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(obj.metadata.resourceVersion).toMatch(/^\d+$/);
    expect(obj.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(obj.metadata.namespace).toBe('default');
  });

  it('a duplicate create is 409 AlreadyExists', async () => {
    await call(base, 'POST', '/api/v1/namespaces/default/configmaps', {
      body: { metadata: { name: 'crud-dup' } },
    });
    const s = expectFailure(
      await call(base, 'POST', '/api/v1/namespaces/default/configmaps', {
        body: { metadata: { name: 'crud-dup' } },
      }),
      409,
      'AlreadyExists',
      'configmaps "crud-dup" already exists',
    );
    expect(s.details).toMatchObject({ name: 'crud-dup', kind: 'configmaps' });
  });

  it('get of a missing object is 404 NotFound', async () => {
    const s = expectFailure(
      await call(base, 'GET', '/api/v1/namespaces/default/pods/nope'),
      404,
      'NotFound',
      'pods "nope" not found',
    );
    expect(s.details).toMatchObject({ name: 'nope', kind: 'pods' });
    expectFailure(
      await call(base, 'GET', '/apis/apps/v1/namespaces/shop/deployments/nope'),
      404,
      'NotFound',
      'deployments.apps "nope" not found',
    );
  });

  it('an update with a stale resourceVersion is 409 Conflict with the real message', async () => {
    const created = expectJson<KubeObject>(
      await call(base, 'POST', '/api/v1/namespaces/default/configmaps', {
        body: { metadata: { name: 'crud-stale' }, data: { n: '1' } },
      }),
      201,
    );
    const fresh = expectJson<KubeObject>(
      await call(base, 'PUT', '/api/v1/namespaces/default/configmaps/crud-stale', {
        body: { ...created, data: { n: '2' } },
      }),
      200,
    );
    expect(Number(fresh.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    expectFailure(
      await call(base, 'PUT', '/api/v1/namespaces/default/configmaps/crud-stale', {
        body: { ...created, data: { n: '3' } },
      }),
      409,
      'Conflict',
      'Operation cannot be fulfilled on configmaps "crud-stale": the object has been modified; please apply your changes to the latest version and try again',
    );
  });

  it('a malformed JSON body is 400 BadRequest', async () => {
    expectFailure(
      await call(base, 'POST', '/api/v1/namespaces/default/configmaps', {
        body: '{"metadata": {"name": "x"',
        contentType: 'application/json',
      }),
      400,
      'BadRequest',
    );
  });

  it('a body of the wrong kind is 400 BadRequest', async () => {
    expectFailure(
      await call(base, 'POST', '/api/v1/namespaces/default/configmaps', {
        body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } },
      }),
      400,
      'BadRequest',
      /cannot be handled as a ConfigMap/,
    );
  });

  it('an unknown resource path is 404 with the generic message', async () => {
    for (const p of [
      '/api/v1/widgets',
      '/apis/nope.example.com/v1/things',
      '/api/v1/namespaces/default/widgets/x',
      '/apis/apps/v9/deployments',
    ]) {
      expectFailure(
        await call(base, 'GET', p),
        404,
        'NotFound',
        'the server could not find the requested resource',
      );
    }
  });

  it('creating in a missing namespace is 404 namespaces "x" not found', async () => {
    const s = expectFailure(
      await call(base, 'POST', '/api/v1/namespaces/ghost/configmaps', { body: { metadata: { name: 'x' } } }),
      404,
      'NotFound',
      'namespaces "ghost" not found',
    );
    expect(s.details).toMatchObject({ name: 'ghost', kind: 'namespaces' });
  });

  it('DELETE with a mismatched uid precondition is 409 Conflict', async () => {
    const created = expectJson<KubeObject>(
      await call(base, 'POST', '/api/v1/namespaces/default/configmaps', {
        body: { metadata: { name: 'crud-pre' } },
      }),
      201,
    );
    const wrong = '00000000-0000-0000-0000-000000000000';
    expectFailure(
      await call(base, 'DELETE', '/api/v1/namespaces/default/configmaps/crud-pre', {
        body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: wrong } },
      }),
      409,
      'Conflict',
      `Operation cannot be fulfilled on configmaps "crud-pre": Precondition failed: UID in precondition: ${wrong}, UID in object meta: ${created.metadata.uid}`,
    );
    expectJson<unknown>(await call(base, 'GET', '/api/v1/namespaces/default/configmaps/crud-pre'), 200);
  });

  it('DELETE of a ConfigMap answers 200 with a Success Status (no ReturnDeletedObject)', async () => {
    const created = expectJson<KubeObject>(
      await call(base, 'POST', '/api/v1/namespaces/default/configmaps', {
        body: { metadata: { name: 'crud-del' } },
      }),
      201,
    );
    const a = await call(base, 'DELETE', '/api/v1/namespaces/default/configmaps/crud-del');
    const s = expectJson<StatusBody>(a, 200);
    // apiserver registry/generic/registry/store.go finalizeDelete: stores without
    // ReturnDeletedObject (configmaps among them) answer a Status, pods answer the pod.
    expect.soft(s.kind).toBe('Status');
    expect.soft(s.status).toBe('Success');
    expect.soft(s.details).toEqual({ name: 'crud-del', kind: 'configmaps', uid: created.metadata.uid });
    expectFailure(await call(base, 'GET', '/api/v1/namespaces/default/configmaps/crud-del'), 404, 'NotFound');
  });

  it('PATCH with an unknown content type is 415 listing the accepted types', async () => {
    await call(base, 'POST', '/api/v1/namespaces/default/configmaps', {
      body: { metadata: { name: 'crud-415' } },
    });
    const s = expectFailure(
      await call(base, 'PATCH', '/api/v1/namespaces/default/configmaps/crud-415', {
        body: { data: { a: 'b' } },
        contentType: 'text/plain',
      }),
      415,
      'UnsupportedMediaType',
    );
    expect(s.message).toMatch(
      /^the body of the request was in an unknown format - accepted media types include: /,
    );
    for (const t of [
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/strategic-merge-patch+json',
      'application/apply-patch+yaml',
    ]) {
      expect(s.message).toContain(t);
    }
  });

  it('merge-patch, strategic-merge (the cordon body) and json-patch each apply', async () => {
    await call(base, 'POST', '/api/v1/namespaces/default/configmaps', {
      body: { metadata: { name: 'crud-patch' }, data: { a: '1', b: '2' } },
    });
    const merged = expectJson<KubeObject & { data: Record<string, string> }>(
      await call(base, 'PATCH', '/api/v1/namespaces/default/configmaps/crud-patch', {
        body: { metadata: { labels: { tier: 'x' } }, data: { a: null, c: '3' } },
        contentType: 'application/merge-patch+json',
      }),
      200,
    );
    expect(merged.data).toEqual({ b: '2', c: '3' });
    expect(merged.metadata.labels).toEqual({ tier: 'x' });

    const patched = expectJson<KubeObject & { data: Record<string, string> }>(
      await call(base, 'PATCH', '/api/v1/namespaces/default/configmaps/crud-patch', {
        body: [
          { op: 'test', path: '/data/b', value: '2' },
          { op: 'add', path: '/data/d', value: '4' },
          { op: 'remove', path: '/data/c' },
        ],
        contentType: 'application/json-patch+json',
      }),
      200,
    );
    expect(patched.data).toEqual({ b: '2', d: '4' });

    // kubectl cordon / uncordon (reference §2.1).
    const cordoned = expectJson<KubeObject & { spec: { unschedulable?: boolean } }>(
      await call(base, 'PATCH', '/api/v1/nodes/worker-2', {
        body: { spec: { unschedulable: true } },
        contentType: 'application/strategic-merge-patch+json',
      }),
      200,
    );
    expect(cordoned.spec.unschedulable).toBe(true);
    expect(cordoned.kind).toBe('Node');
    const uncordoned = expectJson<KubeObject & { spec: { unschedulable?: boolean } }>(
      await call(base, 'PATCH', '/api/v1/nodes/worker-2', {
        body: { spec: { unschedulable: null } },
        contentType: 'application/strategic-merge-patch+json',
      }),
      200,
    );
    expect(uncordoned.spec.unschedulable).toBeUndefined();
  });

  it('deleting a bound pod sets deletionTimestamp (200) and the kubelet stand-in removes it shortly after', async () => {
    const pods = expectJson<ListBody>(
      await call(base, 'GET', '/api/v1/namespaces/shop/pods?labelSelector=app%3Dcheckout'),
      200,
    );
    const name = pods.items[0].metadata.name!;
    const a = await call(base, 'DELETE', `/api/v1/namespaces/shop/pods/${name}`);
    // pods use ReturnDeletedObject, so the body is the pod; handlers/delete.go answers 200 for a
    // graceful deletion (202 only when the client asked for orphanDependents=false).
    expect.soft(a.status, 'graceful pod deletion status code').toBe(200);
    const pod = json<KubeObject>(a);
    expect(a.headers.get('content-type')).toBe('application/json');
    expect(pod.kind).toBe('Pod');
    expect(pod.metadata.deletionTimestamp).toBeTruthy();
    expect(pod.metadata.deletionGracePeriodSeconds).toBe(30);
    await vi.waitFor(
      async () =>
        expectFailure(
          await call(base, 'GET', `/api/v1/namespaces/shop/pods/${name}`),
          404,
          'NotFound',
          `pods "${name}" not found`,
        ),
      { timeout: 5000, interval: 100 },
    );
  });

  it('deleting an unbound pod removes it at once', async () => {
    expectJson<KubeObject>(
      await call(base, 'POST', '/api/v1/namespaces/default/pods', {
        body: { metadata: { name: 'unbound' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      }),
      201,
    );
    const gone = expectJson<KubeObject>(
      await call(base, 'DELETE', '/api/v1/namespaces/default/pods/unbound'),
      200,
    );
    expect(gone.kind).toBe('Pod');
    expectFailure(
      await call(base, 'GET', '/api/v1/namespaces/default/pods/unbound'),
      404,
      'NotFound',
      'pods "unbound" not found',
    );
  });
});

describe('watch', () => {
  it('is a chunked stream of newline-terminated JSON events whose objects carry kind/apiVersion', async () => {
    const list = expectJson<ListBody>(await call(base, 'GET', '/api/v1/namespaces/default/configmaps'), 200);
    const w = await RawWatch.open(
      `${base}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${list.metadata.resourceVersion}`,
    );
    try {
      expect(w.status).toBe(200);
      expect(w.headers.get('content-type')).toBe('application/json');
      expect(w.headers.get('transfer-encoding')).toBe('chunked');
      await call(base, 'POST', '/api/v1/namespaces/default/configmaps', {
        body: { metadata: { name: 'w-frame' }, data: { a: '1' } },
      });
      await call(base, 'PATCH', '/api/v1/namespaces/default/configmaps/w-frame', {
        body: { data: { a: '2' } },
        contentType: 'application/merge-patch+json',
      });
      await call(base, 'DELETE', '/api/v1/namespaces/default/configmaps/w-frame');
      await vi.waitFor(() => expect(w.of('w-frame')).toEqual(['ADDED', 'MODIFIED', 'DELETED']), {
        timeout: 5000,
        interval: 20,
      });
      expect(w.raw.endsWith('\n')).toBe(true);
      expect(w.unparsable).toEqual([]);
      for (const e of w.events) {
        expect(e.object.kind).toBe('ConfigMap');
        expect(e.object.apiVersion).toBe('v1');
      }
      const rvs = w.events.map((e) => Number(e.object.metadata.resourceVersion));
      expect([...rvs].sort((x, y) => x - y)).toEqual(rvs);
    } finally {
      await w.close();
    }
  });

  it('a label-selector watch sends DELETED when an object stops matching and ADDED when it starts', async () => {
    const w = await RawWatch.open(
      `${base}/api/v1/namespaces/default/configmaps?watch=true&labelSelector=tier%3Dcache&resourceVersion=${c.sim.store.resourceVersion}`,
    );
    try {
      const path = '/api/v1/namespaces/default/configmaps/w-sel';
      const setTier = (tier: string) =>
        call(base, 'PATCH', path, {
          body: { metadata: { labels: { tier } } },
          contentType: 'application/merge-patch+json',
        });
      await call(base, 'POST', '/api/v1/namespaces/default/configmaps', {
        body: { metadata: { name: 'w-sel', labels: { tier: 'cache' } } },
      });
      await setTier('other');
      await setTier('other2'); // outside the selector both before and after: no event
      await setTier('cache');
      await call(base, 'PATCH', path, {
        body: { data: { x: '1' } },
        contentType: 'application/merge-patch+json',
      });
      await vi.waitFor(() => expect(w.of('w-sel')).toEqual(['ADDED', 'DELETED', 'ADDED', 'MODIFIED']), {
        timeout: 5000,
        interval: 20,
      });
    } finally {
      await w.close();
    }
  });

  it('timeoutSeconds=1 ends the stream cleanly', async () => {
    const w = await RawWatch.open(
      `${base}/api/v1/nodes?watch=1&timeoutSeconds=1&resourceVersion=${c.sim.store.resourceVersion}`,
    );
    await Promise.race([
      w.ended,
      new Promise((_, reject) => setTimeout(() => reject(new Error('watch did not end')), 5000)),
    ]);
    expect(w.status).toBe(200);
    expect(w.endedCleanly).toBe(true);
  });

  it('a watch from a compacted resourceVersion gets 200, one ERROR 410 Expired event, then the end', async () => {
    const oldRv = c.sim.store.resourceVersion;
    await call(base, 'POST', '/api/v1/namespaces/default/configmaps', {
      body: { metadata: { name: 'w-old-1' } },
    });
    c.sim.store.compact();
    await call(base, 'POST', '/api/v1/namespaces/default/configmaps', {
      body: { metadata: { name: 'w-old-2' } },
    });
    const w = await RawWatch.open(`${base}/api/v1/pods?watch=1&resourceVersion=${oldRv}`);
    await Promise.race([
      w.ended,
      new Promise((_, reject) => setTimeout(() => reject(new Error('watch did not end')), 5000)),
    ]);
    expect(w.status).toBe(200);
    expect(w.endedCleanly).toBe(true);
    expect(w.events).toHaveLength(1);
    const [e] = w.events;
    expect(e.type).toBe('ERROR');
    expect(e.object).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      reason: 'Expired',
      code: 410,
    });
    expect(e.object.message).toMatch(new RegExp(`^too old resource version: ${oldRv} \\(\\d+\\)$`));
    expect(w.raw.endsWith('\n')).toBe(true);
  });

  it('sendInitialEvents ends the initial ADDED burst with a BOOKMARK marked initial-events-end', async () => {
    const pods = expectJson<ListBody>(await call(base, 'GET', '/api/v1/namespaces/shop/pods'), 200);
    const w = await RawWatch.open(
      `${base}/api/v1/namespaces/shop/pods?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`,
    );
    try {
      await vi.waitFor(() => expect(w.events.some((e) => e.type === 'BOOKMARK')).toBe(true), {
        timeout: 5000,
        interval: 20,
      });
      const i = w.events.findIndex((e) => e.type === 'BOOKMARK');
      const initial = w.events.slice(0, i);
      expect(initial.every((e) => e.type === 'ADDED')).toBe(true);
      expect(initial.map((e) => e.object.metadata.name).sort()).toEqual(
        pods.items.map((p) => p.metadata.name).sort(),
      );
      const bm = w.events[i].object;
      expect(bm.kind).toBe('Pod');
      expect(bm.apiVersion).toBe('v1');
      expect(bm.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
      expect(Number(bm.metadata.resourceVersion)).toBeGreaterThanOrEqual(
        Number(pods.metadata.resourceVersion),
      );
    } finally {
      await w.close();
    }
  });

  it('without allowWatchBookmarks no BOOKMARK is ever sent', async () => {
    const local = await startSimCluster({ tls: false, watch: { bookmarkIntervalMs: 50 } });
    try {
      const w = await RawWatch.open(
        `${local.url}/api/v1/nodes?watch=1&timeoutSeconds=1&resourceVersion=${local.sim.store.resourceVersion}`,
      );
      await w.ended;
      expect(w.events.filter((e) => e.type === 'BOOKMARK')).toEqual([]);
      const wb = await RawWatch.open(
        `${local.url}/api/v1/nodes?watch=1&timeoutSeconds=1&allowWatchBookmarks=true&resourceVersion=${local.sim.store.resourceVersion}`,
      );
      await wb.ended;
      const bookmarks = wb.events.filter((e) => e.type === 'BOOKMARK');
      expect(bookmarks.length).toBeGreaterThan(0);
      // A bookmark object is the watched kind with only metadata.resourceVersion set.
      expect(bookmarks[0].object).toEqual({
        kind: 'Node',
        apiVersion: 'v1',
        metadata: { resourceVersion: String(local.sim.store.resourceVersion) },
      });
    } finally {
      await local.stop();
    }
  });
});

describe('eviction', () => {
  let e: SimCluster;
  beforeAll(async () => {
    e = await startSimCluster({ tls: false });
  });
  afterAll(async () => {
    await e?.stop();
  });

  const evict = (name: string) =>
    call(e.url, 'POST', `/api/v1/namespaces/shop/pods/${name}/eviction`, {
      body: {
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name, namespace: 'shop' },
        deleteOptions: {},
      },
    });

  it('answers 201 Success while the PDB allows, 429 TooManyRequests with a DisruptionBudget cause when not', async () => {
    const web = expectJson<ListBody>(
      await call(e.url, 'GET', '/api/v1/namespaces/shop/pods?labelSelector=app%3Dweb'),
      200,
    );
    expect(web.items).toHaveLength(3);
    const [first, second] = web.items.map((p) => p.metadata.name!);

    const ok = expectJson<StatusBody>(await evict(first), 201);
    expect(ok).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    const evicted = expectJson<KubeObject>(
      await call(e.url, 'GET', `/api/v1/namespaces/shop/pods/${first}`),
      200,
    );
    expect(evicted.metadata.deletionTimestamp).toBeTruthy();

    expectJson<KubeObject>(
      await call(e.url, 'PATCH', '/apis/policy/v1/namespaces/shop/poddisruptionbudgets/web', {
        body: { spec: { minAvailable: 3 } },
        contentType: 'application/merge-patch+json',
      }),
      200,
    );
    const a = await evict(second);
    const s = expectFailure(
      a,
      429,
      'TooManyRequests',
      "Cannot evict pod as it would violate the pod's disruption budget.",
    );
    const causes = s.details?.causes ?? [];
    expect(causes).toHaveLength(1);
    expect(causes[0].message).toBe('The disruption budget web needs 3 healthy pods and has 2 currently');
    // metav1.StatusCause's Type is serialized as "reason" (apimachinery types.go json tag).
    expect.soft(causes[0], 'cause is keyed "reason" on the wire').toEqual({
      reason: 'DisruptionBudget',
      message: 'The disruption budget web needs 3 healthy pods and has 2 currently',
    });
    // errors.NewTooManyRequests(msg, 0): retryAfterSeconds is omitted (omitempty) and
    // responsewriters only send Retry-After when it is > 0. A Retry-After header on a 429
    // makes client-go retry the POST by itself (up to 10 times) before kubectl sees the error.
    expect.soft(s.details?.retryAfterSeconds, 'details.retryAfterSeconds').toBeUndefined();
    expect.soft(a.headers.get('retry-after'), 'Retry-After header').toBeNull();

    const still = expectJson<KubeObject>(
      await call(e.url, 'GET', `/api/v1/namespaces/shop/pods/${second}`),
      200,
    );
    expect(still.metadata.deletionTimestamp).toBeUndefined();
  });

  it('evicting a missing pod is 404', async () => {
    expectFailure(await evict('nope'), 404, 'NotFound', 'pods "nope" not found');
  });
});

describe('logs', () => {
  let proxyPod: string;
  beforeAll(async () => {
    const q = new URLSearchParams({
      labelSelector: 'k8s-app=kube-proxy',
      fieldSelector: 'spec.nodeName=worker-1',
    });
    const list = expectJson<ListBody>(
      await call(base, 'GET', `/api/v1/namespaces/kube-system/pods?${q}`),
      200,
    );
    proxyPod = list.items[0].metadata.name!;
  });
  const log = (query = '', pod = proxyPod, ns = 'kube-system') =>
    call(base, 'GET', `/api/v1/namespaces/${ns}/pods/${pod}/log${query}`);

  it('answers text/plain, one newline-terminated line per entry', async () => {
    const a = await log();
    expect(a.status).toBe(200);
    expect(a.headers.get('content-type')).toMatch(/^text\/plain/);
    const lines = a.text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.length).toBeGreaterThan(5);
    expect(lines[0]).toMatch(
      /^I\d{4} \d\d:\d\d:\d\d\.\d{6} +1 server_linux\.go:\d+\] "Using iptables proxy"$/,
    );
  });

  it('tailLines, sinceSeconds, timestamps and limitBytes shape the answer', async () => {
    const all = (await log()).text.split('\n').slice(0, -1);
    expect((await log('?tailLines=2')).text).toBe(`${all.slice(-2).join('\n')}\n`);
    expect((await log('?tailLines=0')).text).toBe('');
    // The seeded lines are an hour old.
    expect((await log('?sinceSeconds=60')).text).toBe('');
    expect((await log('?sinceSeconds=7200')).text.split('\n').slice(0, -1)).toEqual(all);
    const stamped = (await log('?timestamps=true&tailLines=3')).text.split('\n').slice(0, -1);
    expect(stamped).toHaveLength(3);
    stamped.forEach((line, i) => {
      expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z /);
      expect(line.slice(line.indexOf(' ') + 1)).toBe(all[all.length - 3 + i]);
    });
    const limited = await log('?limitBytes=10');
    expect(limited.status).toBe(200);
    expect(limited.text).toBe(`${all.join('\n')}\n`.slice(0, 10));
  });

  it('rejects bad parameters and impossible requests with 400 BadRequest', async () => {
    expectFailure(await log('?tailLines=abc'), 400, 'BadRequest');
    expectFailure(await log('?sinceSeconds=0'), 400, 'BadRequest');
    expectFailure(await log('?sinceSeconds=10&sinceTime=2025-01-01T00:00:00Z'), 400, 'BadRequest');
    expectFailure(
      await log('?previous=true'),
      400,
      'BadRequest',
      `previous terminated container "kube-proxy" in pod "${proxyPod}" not found`,
    );
    expectFailure(await log('', 'nope'), 404, 'NotFound', 'pods "nope" not found');
  });

  it('a multi-container pod needs ?container=, and container state is checked', async () => {
    const spec = {
      containers: [
        { name: 'app', image: 'busybox' },
        { name: 'sidecar', image: 'busybox' },
      ],
    };
    expectJson<KubeObject>(
      await call(base, 'POST', '/api/v1/namespaces/default/pods', {
        body: { metadata: { name: 'multi' }, spec: { ...spec, nodeName: 'worker-1' } },
      }),
      201,
    );
    expectJson<KubeObject>(
      await call(base, 'POST', '/api/v1/namespaces/default/pods', {
        body: { metadata: { name: 'homeless' }, spec: { containers: [{ name: 'app', image: 'busybox' }] } },
      }),
      201,
    );
    expectFailure(
      await log('', 'multi', 'default'),
      400,
      'BadRequest',
      'a container name must be specified for pod multi, choose one of: [app sidecar]',
    );
    expectFailure(
      await log('?container=nope', 'multi', 'default'),
      400,
      'BadRequest',
      'container nope is not valid for pod multi',
    );
    expectFailure(
      await log('?container=app', 'multi', 'default'),
      400,
      'BadRequest',
      'container "app" in pod "multi" is waiting to start: ContainerCreating',
    );
    expectFailure(
      await log('', 'homeless', 'default'),
      400,
      'BadRequest',
      'pod homeless does not have a host assigned',
    );
  });
});

describe('node proxy', () => {
  it('reaches kube-proxy metrics through nodes/{n}:10249/proxy', async () => {
    const a = await call(base, 'GET', '/api/v1/nodes/worker-1:10249/proxy/metrics');
    expect(a.status).toBe(200);
    expect(a.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(a.text).toMatch(/^kubeproxy_sync_proxy_rules_last_timestamp_seconds \d+(\.\d+)?$/m);
  });

  it('an unknown node is 404, a port nothing listens on is 503', async () => {
    expectFailure(
      await call(base, 'GET', '/api/v1/nodes/nope:10249/proxy/metrics'),
      404,
      'NotFound',
      'nodes "nope" not found',
    );
    expectFailure(
      await call(base, 'GET', '/api/v1/nodes/worker-1:9999/proxy/metrics'),
      503,
      'ServiceUnavailable',
      /^error trying to reach service: dial tcp .*:9999: connect: connection refused$/,
    );
  });
});

describe('faults', () => {
  let f: SimCluster;
  beforeAll(async () => {
    f = await startSimCluster({ tls: false });
  });
  afterAll(async () => {
    f.sim.faults.clear();
    await f?.stop();
  });

  it('injected 429s carry Retry-After', async () => {
    f.sim.faults.set({ errors: { rate: 1, code: 429, retryAfterSeconds: 2 } });
    try {
      const a = await call(f.url, 'GET', '/api/v1/pods');
      expect(a.status).toBe(429);
      expect(a.headers.get('retry-after')).toBe('2');
      // Note: kube-apiserver's APF / max-in-flight filters answer their 429 as text/plain;
      // the simulator answers a Status, which every client also accepts.
      const s = expectFailure(a, 429, 'TooManyRequests');
      expect(s.details?.retryAfterSeconds).toBe(2);
    } finally {
      f.sim.faults.clear();
    }
    expect((await call(f.url, 'GET', '/api/v1/pods')).status).toBe(200);
  });

  it('injected 500s are InternalError Status bodies', async () => {
    f.sim.faults.set({ errors: { rate: 1, code: 500 } });
    try {
      expectFailure(
        await call(f.url, 'GET', '/api/v1/nodes'),
        500,
        'InternalError',
        /^Internal error occurred: /,
      );
    } finally {
      f.sim.faults.clear();
    }
  });

  it('faults limited to paths leave other paths alone', async () => {
    f.sim.faults.set({ errors: { rate: 1, code: 503 }, paths: ['/api/v1/nodes'] });
    try {
      expectFailure(await call(f.url, 'GET', '/api/v1/nodes'), 503, 'ServiceUnavailable');
      expect((await call(f.url, 'GET', '/api/v1/namespaces')).status).toBe(200);
    } finally {
      f.sim.faults.clear();
    }
  });

  it('latency delays answers but they still come', async () => {
    f.sim.faults.set({ latencyMs: 150 });
    try {
      const a = await call(f.url, 'GET', '/api/v1/namespaces');
      expectJson<ListBody>(a, 200);
    } finally {
      f.sim.faults.clear();
    }
  });

  it('unreachable=refuse refuses connections; after clear() the same URL answers again', async () => {
    f.sim.faults.set({ unreachable: 'refuse' });
    try {
      // The first attempt may land on a pooled keep-alive connection the server just cut
      // ("other side closed"); a fresh connection must then be refused outright.
      const codes: (string | undefined)[] = [];
      await vi.waitFor(
        async () => {
          const err = await fetch(`${f.url}/readyz`).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(err).toBeInstanceOf(TypeError);
          codes.push((err as { cause?: { code?: string } }).cause?.code);
          expect(codes.at(-1)).toBe('ECONNREFUSED');
        },
        { timeout: 3000, interval: 50 },
      );
    } finally {
      f.sim.faults.clear();
    }
    // Rebinding is asynchronous; the port comes back within moments.
    await vi.waitFor(async () => expect((await call(f.url, 'GET', '/readyz')).status).toBe(200), {
      timeout: 5000,
      interval: 50,
    });
  });

  it('unreachable=hang never answers; a held watch gets its events after clear()', async () => {
    const w = await RawWatch.open(
      `${f.url}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${f.sim.store.resourceVersion}`,
    );
    try {
      f.sim.faults.set({ unreachable: 'hang' });
      const err = await fetch(`${f.url}/api/v1/namespaces`, { signal: AbortSignal.timeout(500) }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((err as Error | undefined)?.name).toBe('TimeoutError');
      // The API is hanging, so change state behind it, as controllers inside the cluster would.
      f.sim.store.create(cmType, { metadata: { name: 'held-1', namespace: 'default' } });
      f.sim.store.create(cmType, { metadata: { name: 'held-2', namespace: 'default' } });
      await new Promise((r) => setTimeout(r, 200));
      expect(w.events).toEqual([]);
      f.sim.faults.clear();
      await vi.waitFor(
        () =>
          expect(w.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([
            'ADDED held-1',
            'ADDED held-2',
          ]),
        {
          timeout: 5000,
          interval: 20,
        },
      );
    } finally {
      f.sim.faults.clear();
      await w.close();
    }
    expect((await call(f.url, 'GET', '/readyz')).status).toBe(200);
  });

  it('dropWatches() cuts open streams abruptly (not a clean end)', async () => {
    const w = await RawWatch.open(
      `${f.url}/api/v1/nodes?watch=1&resourceVersion=${f.sim.store.resourceVersion}`,
    );
    await vi.waitFor(() => expect(f.sim.server.openWatches).toBeGreaterThan(0), {
      timeout: 2000,
      interval: 10,
    });
    expect(f.sim.server.dropWatches()).toBeGreaterThan(0);
    await w.ended;
    expect(w.endedCleanly).toBe(false);
  });
});

describe('authentication', () => {
  it('with a token set, a missing or wrong bearer is 401 Unauthorized', async () => {
    const t = await startSimCluster({ tls: false, token: 's3cret' });
    try {
      expectFailure(await call(t.url, 'GET', '/api/v1/pods'), 401, 'Unauthorized', 'Unauthorized');
      expectFailure(
        await call(t.url, 'GET', '/api/v1/pods', { headers: { Authorization: 'Bearer wrong' } }),
        401,
        'Unauthorized',
        'Unauthorized',
      );
      expectFailure(
        await call(t.url, 'GET', '/api', { headers: { Authorization: 'Basic czNjcmV0' } }),
        401,
        'Unauthorized',
      );
      expectJson<ListBody>(
        await call(t.url, 'GET', '/api/v1/pods', { headers: { Authorization: 'Bearer s3cret' } }),
        200,
      );
    } finally {
      await t.stop();
    }
  });
});

describe('robustness', () => {
  it('a burst of garbage requests never takes the server down', async () => {
    const huge = `a in (${Array.from({ length: 1500 }, (_, i) => `v${i}`).join(',')}`;
    const requests: Promise<{ what: string; status: number }>[] = [];
    const send = (method: string, path: string, opts: CallOptions = {}) =>
      requests.push(
        call(base, method, path, opts).then(
          (a) => ({ what: `${method} ${path.slice(0, 80)}`, status: a.status }),
          () => ({ what: `${method} ${path.slice(0, 80)}`, status: -1 }),
        ),
      );
    for (let i = 0; i < 5; i++) {
      send('POST', '/api/v1/namespaces/default/configmaps', {
        body: '{{{{',
        contentType: 'application/json',
      });
      send('POST', '/api/v1/namespaces/default/configmaps', { body: '[1,2,3]' });
      send('POST', '/api/v1/namespaces/default/configmaps', { body: 'null' });
      send('PUT', '/api/v1/namespaces/default/configmaps/kube-root-ca.crt', { body: '"str"' });
      send('PATCH', '/api/v1/namespaces/default/configmaps/kube-root-ca.crt', {
        body: '{"op":',
        contentType: 'application/json-patch+json',
      });
      send('PATCH', '/api/v1/namespaces/default/configmaps/kube-root-ca.crt', {
        body: '[{"op":"explode"}]',
        contentType: 'application/json-patch+json',
      });
      send('PATCH', '/api/v1/nodes/worker-1', {
        body: '{"spec":{"$patch":"nonsense"}}',
        contentType: 'application/strategic-merge-patch+json',
      });
      send('GET', `/api/v1/pods?labelSelector=${encodeURIComponent(huge)}`);
      send('GET', `/api/v1/pods?fieldSelector=${encodeURIComponent('x'.repeat(8000))}`);
      send('GET', '/api/v1/pods?limit=abc&continue=%%%');
      send('GET', '/api/v1/pods?continue=bm90LWpzb24');
      send('GET', '/api/v1/pods?resourceVersion=banana');
      send('GET', '/api/v1/pods?watch=1&resourceVersion=-5');
      send('GET', '/api/v1/namespaces/default/pods/a/b/c/d/e');
      send('GET', '/api/v1/namespaces/%E0%A4%A/pods');
      send('GET', '/apis/%/v1');
      send('GET', '/../../etc/passwd');
      send('OPTIONS', '/api/v1/pods');
      send('PROPFIND', '/api/v1/pods');
      send('PUT', '/api/v1/pods');
      send('POST', '/api/v1/namespaces/default/pods/nope/eviction', { body: '{' });
      send('GET', '/api/v1/namespaces/default/pods/nope/log?tailLines=-1');
      send('GET', '/api/v1/nodes/::::/proxy/x');
    }
    const answers = await Promise.all(requests);
    // Every garbage request gets an error answer; none crashes or hangs the server.
    expect(answers.filter((a) => a.status < 400)).toEqual([]);
    const ready = await call(base, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expectJson<ListBody>(await call(base, 'GET', '/api/v1/namespaces'), 200);
  });

  it('a malformed percent-encoding in the path is a client error (400), not a 500', async () => {
    // Go's net/http rejects such a request line itself (url.ParseRequestURI: invalid URL
    // escape) with 400 Bad Request; a 5xx would read as a server fault to any health triage.
    for (const p of ['/api/v1/namespaces/%E0%A4%A/pods', '/apis/%/v1']) {
      const a = await call(base, 'GET', p);
      expect.soft(a.status, p).toBe(400);
    }
    expect((await call(base, 'GET', '/readyz')).status).toBe(200);
  });

  it('a body over 3 MiB is answered 413 RequestEntityTooLarge', async () => {
    // kube-apiserver (handlers/rest.go limitedReadBody) answers
    // errors.NewRequestEntityTooLargeError("limit is 3145728") and the client sees that Status.
    const a = await call(base, 'POST', '/api/v1/namespaces/default/configmaps', {
      body: 'x'.repeat(4 * 1024 * 1024),
    }).catch((e: unknown) => e as Error);
    expect(
      a instanceof Error
        ? `request failed: ${a.message} (${String((a as { cause?: unknown }).cause)})`
        : a.status,
    ).toBe(413);
    if (!(a instanceof Error))
      expectFailure(a, 413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
    expect((await call(base, 'GET', '/readyz')).status).toBe(200);
  });
});

/**
 * deploy/: the plain manifests and the Helm chart come from one description, render to the
 * same objects, use only API versions served by Kubernetes 1.29–1.34, keep the pods locked
 * down, and grant through RBAC exactly the API calls the code makes (no Secrets, no
 * wildcards; read-only and remediation roles apart).
 *
 * Helm itself is not available here (not in Debian bookworm, no npm binary), so the chart is
 * rendered by test/deploy/render-chart.ts, which understands exactly the template subset
 * deploy/generate.ts emits and throws on anything else.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type ApiCall, apiCalls, type Identity, resourceOf } from '../../deploy/api-calls.ts';
import { chartDir, chartFiles, chartValues, manifestsDir, plainManifests } from '../../deploy/generate.ts';
import { renderChart, yamlObjects } from './render-chart.ts';

const root = join(import.meta.dirname, '..', '..');
// biome-ignore lint/suspicious/noExplicitAny: rendered manifests, checked field by field below
type Obj = Record<string, any>;

function manifestObjects(): Obj[] {
  return readdirSync(manifestsDir)
    .sort()
    .flatMap((f) => yamlObjects(readFileSync(join(manifestsDir, f), 'utf8')));
}

/** The chart's objects as Helm would render them with these values. */
function chartObjects(
  values: Record<string, unknown>,
  releaseNamespace: string,
  releaseName = 'kubetriage',
): Obj[] {
  return renderChart(chartDir, values, { name: releaseName, namespace: releaseNamespace }).objects;
}

describe('deploy/ manifests and chart', () => {
  it('are what deploy/generate.ts writes (edit deploy/kubetriage.ts, then run it)', () => {
    for (const [name, text] of plainManifests())
      expect(readFileSync(join(manifestsDir, name), 'utf8'), name).toBe(text);
    for (const [name, text] of chartFiles())
      expect(readFileSync(join(chartDir, name), 'utf8'), name).toBe(text);
    expect(parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8'))).toEqual(chartValues);
  });

  it('render to the same objects from the chart (every part enabled) as the plain manifests', () => {
    const values = {
      ...chartValues,
      createNamespace: true,
      remediation: { enabled: true },
      metrics: { apiServerProxy: true },
      serviceMonitor: { enabled: true },
    };
    const rendered = chartObjects(values, 'kubetriage');
    // The differences: with remediation on, the chart also lets serve use the role (the plain
    // manifests ship the role as a separate file and serve with it off); Helm's objects carry
    // its chart label and Helm as their manager, the plain ones kubectl.
    const envOf = (objs: Obj[]) =>
      JSON.stringify(objs).match(/"KUBETRIAGE_ALLOW_REMEDIATION","value":"(\w+)"/)?.[1];
    expect(envOf(rendered as Obj[])).toBe('true');
    expect(envOf(manifestObjects() as Obj[])).toBe('false');
    const allowed = JSON.parse(
      JSON.stringify(manifestObjects())
        .replace(/("KUBETRIAGE_ALLOW_REMEDIATION","value":)"false"/, '$1"true"')
        .replace(
          /"app.kubernetes.io\/managed-by":"kubectl"/g,
          '"app.kubernetes.io/managed-by":"Helm","helm.sh/chart":"kubetriage-0.1.0"',
        ),
    );
    expect(rendered).toEqual(allowed);
    // The defaults leave the opt-ins out.
    const kinds = chartObjects(chartValues, 'kt').map((o) => `${o.kind}/${o.metadata.name}`);
    expect(kinds).not.toContain('ClusterRole/kubetriage-remediate');
    expect(kinds).not.toContain('ClusterRole/kubetriage-read-proxy');
    expect(kinds).not.toContain('ServiceMonitor/kubetriage');
    expect(kinds).not.toContain('Namespace/kt');
    expect(kinds).toContain('DaemonSet/kubetriage-agent');
  });

  it('use only API versions every Kubernetes from 1.29 to 1.36 serves (and the Prometheus Operator CRDs)', () => {
    // GA versions of these kinds have been served since before 1.29 and none is deprecated
    // through 1.34 (kubernetes.io/docs/reference/using-api/deprecation-guide: the removals in
    // 1.29 are flowcontrol v1beta2, in 1.32 flowcontrol v1beta3; none touch these kinds).
    // 1.35 and 1.36: the 1.36 OpenAPI still has each of them (schemas.test.ts). Chart.yaml says the same range.
    expect(parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')).kubeVersion).toBe(
      '>=1.29.0-0 <1.37.0-0',
    );
    const served: Record<string, string[]> = {
      v1: ['Namespace', 'ServiceAccount', 'Service', 'PersistentVolumeClaim'],
      'apps/v1': ['Deployment', 'DaemonSet'],
      'rbac.authorization.k8s.io/v1': ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'],
      'monitoring.coreos.com/v1': ['ServiceMonitor', 'PrometheusRule'],
    };
    for (const o of manifestObjects())
      expect(served[o.apiVersion], `${o.apiVersion} ${o.kind}`).toContain(o.kind);
  });

  it('lock the pods down: non-root server, read-only root filesystems, no capabilities, read-only host mounts', () => {
    const objects = manifestObjects();
    for (const w of objects.filter((o) => o.kind === 'Deployment' || o.kind === 'DaemonSet')) {
      const pod = w.spec.template.spec;
      expect(w.spec.selector.matchLabels, w.metadata.name).toEqual(
        Object.fromEntries(
          Object.entries(pod.containers ? w.spec.template.metadata.labels : {}).filter(
            ([k]) => k in w.spec.selector.matchLabels,
          ),
        ),
      );
      const volumes = new Set((pod.volumes ?? []).map((v: Obj) => v.name));
      for (const c of pod.containers) {
        expect(c.securityContext).toMatchObject({
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        });
        for (const m of c.volumeMounts ?? []) expect(volumes.has(m.name), m.name).toBe(true);
        for (const m of (c.volumeMounts ?? []).filter((m: Obj) => m.mountPath.startsWith('/host/')))
          expect(m.readOnly, m.mountPath).toBe(true);
      }
    }
    const server = objects.find((o) => o.kind === 'Deployment');
    expect(server?.spec.replicas).toBe(1);
    expect(server?.spec.template.spec.containers[0].securityContext.runAsNonRoot).toBe(true);
    expect(server?.spec.template.spec.containers[0].args).toContain('--leader-elect');
    const agent = objects.find((o) => o.kind === 'DaemonSet')?.spec.template.spec;
    expect(agent).toMatchObject({
      hostNetwork: true,
      hostPID: true,
      dnsPolicy: 'Default',
      tolerations: [{ operator: 'Exists' }],
    });
    const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'kubetriage');
    expect(service?.spec.selector).toEqual(
      Object.fromEntries(
        Object.entries(server?.spec.template.metadata.labels ?? {}).filter(
          ([k]) => k in (service?.spec.selector ?? {}),
        ),
      ),
    );
    // The peer pods sit on the pod network, one per node, behind a headless Service the agents list.
    const peer = objects.find((o) => o.kind === 'DaemonSet' && o.metadata.name === 'kubetriage-peer');
    expect(peer?.spec.template.spec.hostNetwork).toBeUndefined();
    expect(
      objects.find((o) => o.kind === 'Service' && o.metadata.name === 'kubetriage-peer')?.spec.clusterIP,
    ).toBe('None');
  });
});

/**
 * API path literals in the product code: `/api/v1/…` and `/apis/<group>/v1[betaN]/…`, `${…}` → `{}`;
 * with the RBAC verb of the HTTP method it is sent with: a write's (`send('DELETE', `…`)`),
 * else a GET's (`get` of an object or its subresource, `list` of a collection).
 */
function codePaths(): { file: string; path: string; verb: string }[] {
  const out: { file: string; path: string; verb: string }[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (!['sim', 'web'].includes(e.name)) walk(p);
      } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.startsWith('fixtures')) {
        // The replay feed answers these paths from the simulator in-process; it calls no API.
        if (p.endsWith('replay-feed.ts')) continue;
        const text = readFileSync(p, 'utf8');
        for (const m of text.matchAll(/['`](\/apis?\/(?:v1|[a-z0-9.]+\/v1(?:beta\d+)?)\/[^'`]*)['`]/g)) {
          const write = writeMethod(text, m.index);
          const path = m[1].replace(/\$\{[^}]+\}/g, '{}');
          out.push({ file: relative(root, p), path, verb: write ? writeVerbs[write] : readVerb(path) });
        }
      }
    }
  };
  walk(join(root, 'src'));
  return out;
}

/**
 * The write method a path literal at `at` is sent with: written in the call
 * (`send('DELETE', `…`)`), or held in a variable or getter the call names
 * (`const path = `…``, then `send('POST', path, …)`; `get collectionPath()`, then
 * `this.write('POST', this.collectionPath, …)`). Undefined: a GET.
 */
function writeMethod(text: string, at: number): string | undefined {
  const before = text.slice(Math.max(0, at - 80), at);
  const direct = /\w\(\s*'(POST|PUT|PATCH|DELETE)',\s*$/.exec(before);
  if (direct) return direct[1];
  const holder = /(?:(?:const|let)\s+(\w+)\s*=|get\s+(\w+)\(\)\s*:\s*string\s*\{\s*return)\s*$/.exec(before);
  const name = holder?.[1] ?? holder?.[2];
  if (!name) return undefined;
  return new RegExp(`\\w\\(\\s*'(POST|PUT|PATCH|DELETE)',\\s*(?:this\\.)?${name}\\b(?![\\w.\`])`).exec(
    text,
  )?.[1];
}

/** RBAC verbs of write methods on one object (requestinfo.go); a DELETE of a collection would be deletecollection. */
const writeVerbs: Record<string, string> = {
  POST: 'create',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

/** RBAC verb of a GET (requestinfo.go): `get` when the path names an object, `list` when it ends at the collection. */
function readVerb(path: string): string {
  const parts = path.split('/').filter(Boolean);
  let rest = parts.slice(parts[0] === 'api' ? 2 : 3);
  if (rest[0] === 'namespaces' && rest.length > 2) rest = rest.slice(2);
  return rest.length > 1 ? 'get' : 'list';
}

const normalize = (path: string) => path.replace(/\{[a-z]+\}/g, '{}');
/** A code path matches a table path when equal, or when the table's `{}` covers a concrete segment. */
function matches(code: string, table: string): boolean {
  const re = new RegExp(
    `^${normalize(table)
      .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
      .replace(/\\?\{\\?\}/g, '[^/]+')}$`,
  );
  return re.test(code) || normalize(table) === code;
}

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  nonResourceURLs?: string[];
}

const roleIdentity: Record<string, Identity> = {
  'kubetriage-read': 'watcher',
  'kubetriage-read-proxy': 'watcher-proxy',
  'kubetriage-write-probe': 'write-probe',
  'kubetriage-leader-election': 'leader-election',
  'kubetriage-agent': 'agent',
  'kubetriage-remediate': 'remediation',
};

describe('RBAC against the API calls the code makes', () => {
  const calls = codePaths();

  it('finds every API path the code uses in deploy/api-calls.ts', () => {
    expect(calls.length).toBeGreaterThan(20);
    const unlisted = calls.filter((c) => !apiCalls.some((a) => matches(c.path, a.path)));
    expect(unlisted, 'add these to deploy/api-calls.ts (and so to the RBAC)').toEqual([]);
  });

  it('grants every call the code makes with the verb its HTTP method needs, not only its path', () => {
    expect(calls.filter((c) => !['get', 'list'].includes(c.verb)).length).toBeGreaterThan(5);
    const ungranted = calls.filter(
      (c) => !apiCalls.some((a) => matches(c.path, a.path) && a.verbs.includes(c.verb)),
    );
    expect(
      ungranted.map((c) => `${c.verb} ${c.path} (${c.file})`),
      'add the verb to its entry in deploy/api-calls.ts',
    ).toEqual([]);
  });

  it('lists no call the code no longer makes', () => {
    const unused = apiCalls.filter((a) => !calls.some((c) => matches(c.path, a.path)));
    expect(unused.map((a: ApiCall) => `${a.identity} ${a.path}`)).toEqual([]);
  });

  it('grants each identity exactly the calls listed for it: no more, no Secrets, no wildcards', () => {
    const roles = manifestObjects().filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role');
    const granted = new Map<Identity, Set<string>>();
    for (const r of roles) {
      const identity = roleIdentity[r.metadata.name];
      expect(identity, r.metadata.name).toBeDefined();
      const set = granted.get(identity) ?? new Set<string>();
      for (const rule of r.rules as Rule[]) {
        if (rule.nonResourceURLs) {
          for (const u of rule.nonResourceURLs) for (const v of rule.verbs) set.add(`nonResource ${u} ${v}`);
          continue;
        }
        for (const g of rule.apiGroups ?? [])
          for (const res of rule.resources ?? [])
            for (const v of rule.verbs)
              set.add(`${r.kind === 'Role' ? r.metadata.namespace : '*'} ${g}/${res} ${v}`);
      }
      granted.set(identity, set);
    }
    const expected = new Map<Identity, Set<string>>();
    for (const a of apiCalls) {
      const ref = resourceOf(a.path);
      const ns =
        ref.namespace === '{release}'
          ? 'kubetriage'
          : ref.namespace === undefined || ref.namespace.startsWith('{')
            ? a.identity === 'leader-election'
              ? 'kubetriage'
              : '*'
            : ref.namespace;
      const set = expected.get(a.identity) ?? new Set<string>();
      for (const v of a.verbs) set.add(`${ns} ${ref.group}/${ref.resource} ${v}`);
      expected.set(a.identity, set);
    }
    for (const u of ['/livez', '/readyz', '/version', '/metrics'])
      expected.get('watcher')?.add(`nonResource ${u} get`);
    for (const identity of Object.values(roleIdentity))
      expect([...(granted.get(identity) ?? [])].sort(), identity).toEqual(
        [...(expected.get(identity) ?? [])].sort(),
      );
    const all = [...granted.values()].flatMap((s) => [...s]);
    expect(all.filter((g) => /secrets|\*\/|\/\*| \*$/.test(g.replace(/^\* /, '')))).toEqual([]);
  });

  it('keeps the default roles read-only and puts every write in the opt-in remediation role (plus the agent’s own reports and the leader Lease)', () => {
    const roles = manifestObjects().filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role');
    const read = roles.filter((r) => r.metadata.name === 'kubetriage-read');
    for (const r of read)
      for (const rule of r.rules as Rule[])
        for (const v of rule.verbs) expect(['get', 'list', 'watch']).toContain(v);
    const agentWrites = roles
      .filter((r) => r.metadata.name === 'kubetriage-agent')
      .flatMap((r) =>
        (r.rules as Rule[]).filter((x) => x.verbs.some((v) => !['get', 'list', 'watch'].includes(v))),
      )
      .map((x) => x.resources?.join());
    expect(agentWrites.sort()).toEqual(['events', 'nodes/status']);
    const remediation = readFileSync(join(manifestsDir, 'remediation-rbac.yaml'), 'utf8');
    expect(remediation).toContain('pods/eviction');
    expect(readFileSync(join(manifestsDir, 'server.yaml'), 'utf8')).not.toContain('kubetriage-remediate');
  });

  it('grants by default no subresource where a GET does more than read (the proxies: exec through the kubelet)', () => {
    const roles = chartObjects(chartValues, 'kt').filter(
      (o) => o.kind === 'ClusterRole' || o.kind === 'Role',
    );
    const granted = roles.flatMap((r) =>
      (r.rules as Rule[]).flatMap((rule) => (rule.resources ?? []).map((res) => `${r.metadata.name} ${res}`)),
    );
    expect(granted.length).toBeGreaterThan(10);
    expect(granted.filter((g) => getReachesFurther.has(g.split(' ')[1]))).toEqual([]);
    // The proxies are there for who asks, alone in their own role and file.
    const proxy = yamlObjects(readFileSync(join(manifestsDir, 'read-proxy-rbac.yaml'), 'utf8')) as Obj[];
    expect(proxy.find((o) => o.kind === 'ClusterRole')?.rules.flatMap((r: Rule) => r.resources)).toEqual([
      'nodes/proxy',
      'pods/proxy',
    ]);
  });
});

/**
 * Subresources where `get` admits more than reading state. A GET upgraded to a WebSocket is
 * authorized as `get`: through nodes/proxy it reaches the kubelet's /exec, /run and /attach
 * (any container on the node); through pods/ and services/proxy any port of any pod, past
 * NetworkPolicies; pods/exec, attach and portforward took `get` for their WebSocket form
 * until Kubernetes 1.30 (KEP-4006) asked for `create`.
 */
const getReachesFurther = new Set([
  'nodes/proxy',
  'pods/proxy',
  'services/proxy',
  'pods/exec',
  'pods/attach',
  'pods/portforward',
]);

describe('Dockerfile', () => {
  const text = readFileSync(join(root, 'Dockerfile'), 'utf8');
  it('builds in stages and runs as a non-root user', () => {
    expect(text.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    const lastStage = text.slice(text.lastIndexOf('\nFROM '));
    expect(lastStage).toMatch(/^USER (\d+)(:\d+)?$/m);
    expect(lastStage).not.toMatch(/^USER (0|root)\b/m);
    expect(lastStage).toContain('ENTRYPOINT');
  });
});

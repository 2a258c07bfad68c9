/**
 * API Priority and Fairness with the default configuration of a v1.32 kube-apiserver
 * (apiserver `pkg/apis/flowcontrol/bootstrap/default.go`): every request is classified by
 * the first FlowSchema that matches its user and what it asks for, in precedence order,
 * into that schema's priority level. A priority level's seats are its share of the
 * server's concurrency limit (max-requests-inflight 400 + max-mutating-requests-inflight
 * 200 = 600), `ceil(600 × nominalConcurrencyShares / Σ shares)`.
 *
 * The objects are served as they are in a real cluster (`kubectl get flowschemas`), and
 * responses carry the UIDs a real server sets (`X-Kubernetes-PF-FlowSchema-UID`,
 * `X-Kubernetes-PF-PriorityLevel-UID`).
 */
import type { KubeObject } from './k8s-types.ts';

/** The serving concurrency limit a default server divides among priority levels. */
export const serverConcurrencyLimit = 400 + 200;

export interface PriorityLevelDef {
  name: string;
  /** 0 and `exempt` for the exempt level. */
  shares: number;
  lendablePercent: number;
  exempt?: boolean;
  /** Queues, hand size and queue length limit; a level without them rejects at once. */
  queuing?: { queues: number; handSize: number; queueLengthLimit: number };
}

/** A level that queues: its shares, lendable percent, queues and hand size (queue length 50). */
const queued = (name: string, shares: number, lendablePercent: number, queues: number, handSize: number) => ({
  name,
  shares,
  lendablePercent,
  queuing: { queues, handSize, queueLengthLimit: 50 },
});

export const defaultPriorityLevels: PriorityLevelDef[] = [
  { name: 'exempt', shares: 0, lendablePercent: 0, exempt: true },
  queued('system', 30, 33, 64, 6),
  queued('node-high', 40, 25, 64, 6),
  queued('leader-election', 10, 0, 16, 4),
  queued('workload-high', 40, 50, 128, 6),
  queued('workload-low', 100, 90, 128, 6),
  queued('global-default', 20, 50, 128, 6),
  { name: 'catch-all', shares: 5, lendablePercent: 0 },
];

const totalShares = defaultPriorityLevels.reduce((n, p) => n + p.shares, 0);

/** The seats a level is guaranteed: ceil(limit × shares / Σ shares). */
export function nominalSeats(pl: PriorityLevelDef): number {
  return pl.exempt ? 0 : Math.ceil((serverConcurrencyLimit * pl.shares) / totalShares);
}

export interface RequestUser {
  name: string;
  groups: readonly string[];
}

/** What a request asks for, as the rules match it. */
export interface FlowRequest {
  verb: string;
  /** API group ('' for core), or undefined for a non-resource URL. */
  group?: string;
  /** Plural resource, with `/subresource` when there is one. */
  resource?: string;
  namespace?: string;
  path: string;
}

type Subject = { user?: string; group?: string; serviceAccount?: { namespace: string; name: string } };
interface ResourceRule {
  verbs: string[];
  groups: string[];
  resources: string[];
  /** Namespaces, `*` for every namespace; cluster-scoped requests need `clusterScope`. */
  namespaces: string[];
  clusterScope: boolean;
}

export interface FlowSchemaDef {
  name: string;
  priorityLevel: string;
  precedence: number;
  distinguisher?: 'ByUser' | 'ByNamespace';
  subjects: Subject[];
  resourceRules: ResourceRule[];
  nonResourceRules: { verbs: string[]; urls: string[] }[];
}

const all: ResourceRule = {
  verbs: ['*'],
  groups: ['*'],
  resources: ['*'],
  namespaces: ['*'],
  clusterScope: true,
};
const allNonResource = [{ verbs: ['*'], urls: ['*'] }];
const kubeSystemSA = (name: string): Subject => ({ serviceAccount: { namespace: 'kube-system', name } });
const rule = (
  verbs: string[],
  groups: string[],
  resources: string[],
  clusterScope = false,
): ResourceRule => ({
  verbs,
  groups,
  resources,
  namespaces: ['*'],
  clusterScope,
});
const getCreateUpdate = ['get', 'create', 'update'];

export const defaultFlowSchemas: FlowSchemaDef[] = [
  {
    name: 'exempt',
    priorityLevel: 'exempt',
    precedence: 1,
    subjects: [{ group: 'system:masters' }],
    resourceRules: [all],
    nonResourceRules: allNonResource,
  },
  {
    name: 'probes',
    priorityLevel: 'exempt',
    precedence: 2,
    subjects: [{ group: 'system:unauthenticated' }, { group: 'system:authenticated' }],
    resourceRules: [],
    nonResourceRules: [{ verbs: ['get'], urls: ['/healthz', '/readyz', '/livez'] }],
  },
  {
    name: 'system-leader-election',
    priorityLevel: 'leader-election',
    precedence: 100,
    distinguisher: 'ByUser',
    subjects: [
      { user: 'system:kube-controller-manager' },
      { user: 'system:kube-scheduler' },
      kubeSystemSA('*'),
    ],
    resourceRules: [rule(getCreateUpdate, ['coordination.k8s.io'], ['leases'])],
    nonResourceRules: [],
  },
  {
    name: 'endpoint-controller',
    priorityLevel: 'workload-high',
    precedence: 150,
    distinguisher: 'ByUser',
    subjects: [
      { user: 'system:kube-controller-manager' },
      kubeSystemSA('endpoint-controller'),
      kubeSystemSA('endpointslicemirroring-controller'),
    ],
    resourceRules: [rule(getCreateUpdate, [''], ['endpoints'])],
    nonResourceRules: [],
  },
  {
    name: 'workload-leader-election',
    priorityLevel: 'leader-election',
    precedence: 200,
    distinguisher: 'ByUser',
    subjects: [kubeSystemSA('*')],
    resourceRules: [
      rule(getCreateUpdate, [''], ['endpoints', 'configmaps']),
      rule(getCreateUpdate, ['coordination.k8s.io'], ['leases']),
    ],
    nonResourceRules: [],
  },
  {
    name: 'system-node-high',
    priorityLevel: 'node-high',
    precedence: 400,
    distinguisher: 'ByUser',
    subjects: [{ group: 'system:nodes' }],
    resourceRules: [
      rule(['*'], [''], ['nodes', 'nodes/status'], true),
      rule(['*'], ['coordination.k8s.io'], ['leases']),
    ],
    nonResourceRules: [],
  },
  {
    name: 'system-nodes',
    priorityLevel: 'system',
    precedence: 500,
    distinguisher: 'ByUser',
    subjects: [{ group: 'system:nodes' }],
    resourceRules: [all],
    nonResourceRules: allNonResource,
  },
  {
    name: 'kube-controller-manager',
    priorityLevel: 'workload-high',
    precedence: 800,
    distinguisher: 'ByNamespace',
    subjects: [{ user: 'system:kube-controller-manager' }],
    resourceRules: [all],
    nonResourceRules: allNonResource,
  },
  {
    name: 'kube-scheduler',
    priorityLevel: 'workload-high',
    precedence: 800,
    distinguisher: 'ByNamespace',
    subjects: [{ user: 'system:kube-scheduler' }],
    resourceRules: [all],
    nonResourceRules: allNonResource,
  },
  {
    name: 'kube-system-service-accounts',
    priorityLevel: 'workload-high',
    precedence: 900,
    distinguisher: 'ByNamespace',
    subjects: [kubeSystemSA('*')],
    resourceRules: [all],
    nonResourceRules: allNonResource,
  },
  {
    name: 'service-accounts',
    priorityLevel: 'workload-low',
    precedence: 9000,
    distinguisher: 'ByUser',
    subjects: [{ group: 'system:serviceaccounts' }],
    resourceRules: [all],
    nonResourceRules: allNonResource,
  },
  {
    name: 'global-default',
    priorityLevel: 'global-default',
    precedence: 9900,
    distinguisher: 'ByUser',
    subjects: [{ group: 'system:unauthenticated' }, { group: 'system:authenticated' }],
    resourceRules: [all],
    nonResourceRules: allNonResource,
  },
  {
    name: 'catch-all',
    priorityLevel: 'catch-all',
    precedence: 10000,
    distinguisher: 'ByUser',
    subjects: [{ group: 'system:unauthenticated' }, { group: 'system:authenticated' }],
    resourceRules: [all],
    nonResourceRules: allNonResource,
  },
];

function subjectMatches(s: Subject, u: RequestUser): boolean {
  if (s.user) return s.user === '*' || s.user === u.name;
  if (s.group) return s.group === '*' || u.groups.includes(s.group);
  const sa = s.serviceAccount!;
  const prefix = `system:serviceaccount:${sa.namespace}:`;
  return u.name.startsWith(prefix) && (sa.name === '*' || u.name === prefix + sa.name);
}

function has(list: readonly string[], v: string): boolean {
  return list.includes('*') || list.includes(v);
}

function ruleMatches(fs: FlowSchemaDef, r: FlowRequest): boolean {
  if (r.resource === undefined)
    return fs.nonResourceRules.some(
      (n) =>
        has(n.verbs, r.verb) &&
        n.urls.some(
          (u) => u === '*' || u === r.path || (u.endsWith('*') && r.path.startsWith(u.slice(0, -1))),
        ),
    );
  return fs.resourceRules.some(
    (x) =>
      has(x.verbs, r.verb) &&
      has(x.groups, r.group ?? '') &&
      has(x.resources, r.resource!) &&
      (r.namespace ? has(x.namespaces, r.namespace) : x.clusterScope),
  );
}

/** The flow schema and priority level a request lands in (the first match by precedence). */
export function classify(
  u: RequestUser,
  r: FlowRequest,
): { flowSchema: FlowSchemaDef; priorityLevel: PriorityLevelDef } {
  for (const fs of defaultFlowSchemas) {
    if (fs.subjects.some((s) => subjectMatches(s, u)) && ruleMatches(fs, r)) {
      return {
        flowSchema: fs,
        priorityLevel: defaultPriorityLevels.find((p) => p.name === fs.priorityLevel)!,
      };
    }
  }
  const catchAll = defaultFlowSchemas.at(-1)!;
  return { flowSchema: catchAll, priorityLevel: defaultPriorityLevels.at(-1)! };
}

/** A user as the authenticator would have it: service accounts get their groups. */
export function requestUser(name: string, groups: readonly string[] = []): RequestUser {
  const sa = /^system:serviceaccount:([^:]+):/.exec(name);
  const implied = sa ? ['system:serviceaccounts', `system:serviceaccounts:${sa[1]}`] : [];
  return { name, groups: [...new Set([...groups, ...implied, 'system:authenticated'])] };
}

/** The stored FlowSchema and PriorityLevelConfiguration objects, as the apiserver's config producer writes them. */
export function flowControlObjects(): { flowSchemas: KubeObject[]; priorityLevels: KubeObject[] } {
  const annotations = { 'apf.kubernetes.io/autoupdate-spec': 'true' };
  const priorityLevels = defaultPriorityLevels.map(
    (p): KubeObject => ({
      metadata: { name: p.name, annotations },
      spec: p.exempt
        ? { type: 'Exempt', exempt: { nominalConcurrencyShares: 0, lendablePercent: 0 } }
        : {
            type: 'Limited',
            limited: {
              nominalConcurrencyShares: p.shares,
              lendablePercent: p.lendablePercent,
              limitResponse: p.queuing
                ? {
                    type: 'Queue',
                    queuing: {
                      queues: p.queuing.queues,
                      handSize: p.queuing.handSize,
                      queueLengthLimit: p.queuing.queueLengthLimit,
                    },
                  }
                : { type: 'Reject' },
            },
          },
      status: {},
    }),
  );
  const subject = (s: Subject) =>
    s.user
      ? { kind: 'User', user: { name: s.user } }
      : s.group
        ? { kind: 'Group', group: { name: s.group } }
        : { kind: 'ServiceAccount', serviceAccount: s.serviceAccount };
  const flowSchemas = defaultFlowSchemas.map(
    (f): KubeObject => ({
      metadata: { name: f.name, annotations },
      spec: {
        priorityLevelConfiguration: { name: f.priorityLevel },
        matchingPrecedence: f.precedence,
        ...(f.distinguisher ? { distinguisherMethod: { type: f.distinguisher } } : {}),
        rules: [
          {
            subjects: f.subjects.map(subject),
            ...(f.resourceRules.length
              ? {
                  resourceRules: f.resourceRules.map((r) => ({
                    verbs: r.verbs,
                    apiGroups: r.groups,
                    resources: r.resources,
                    namespaces: r.namespaces,
                    ...(r.clusterScope ? { clusterScope: true } : {}),
                  })),
                }
              : {}),
            ...(f.nonResourceRules.length
              ? {
                  nonResourceRules: f.nonResourceRules.map((n) => ({
                    verbs: n.verbs,
                    nonResourceURLs: n.urls,
                  })),
                }
              : {}),
          },
        ],
      },
      status: {
        conditions: [
          {
            type: 'Dangling',
            status: 'False',
            reason: 'Found',
            message:
              'This FlowSchema references the PriorityLevelConfiguration object named "' +
              f.priorityLevel +
              '" and it exists',
          },
        ],
      },
    }),
  );
  return { flowSchemas, priorityLevels };
}

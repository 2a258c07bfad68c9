/**
 * Which of the cluster's own writes an admission webhook is called for: its `rules`,
 * `namespaceSelector` and `objectSelector` read as the API server reads them
 * (https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/#matching-requests-rules,
 * #matching-requests-namespaceselector, #matching-requests-objectselector):
 *
 * - a rule matches when the operation, API group, version and resource each are listed or `*`;
 *   `*` in resources means every resource but no subresource, `pods/*` every subresource of
 *   pods, `*\/status` the status of everything, `*\/*` all; `scope` is `Cluster`,
 *   `Namespaced` or `*`;
 * - namespaceSelector is matched against the labels of the object's namespace, and never
 *   skips a cluster-scoped object other than a Namespace;
 * - objectSelector is matched against the object's labels; an absent selector matches all.
 *
 * The writes are the ones the cluster needs to keep itself running (the docs' advice to keep
 * webhooks off kube-system and the control plane's own requests): node heartbeats and
 * status, leader election, system pods and their status. Namespace labels are known only as
 * far as every namespace carries `kubernetes.io/metadata.name` (set by the API server since
 * 1.22); other keys are taken as absent. Object labels come from the view where it holds
 * such objects (nodes, kube-system pods), else none.
 */
import type { KubeObject } from '../kube/observations.ts';

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface WebhookRule {
  operations?: string[];
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  scope?: string;
}

export interface WebhookMatch {
  rules?: WebhookRule[];
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
}

interface SystemWrite {
  /** For people: what breaks when it is refused. */
  what: string;
  operation: string;
  group: string;
  version: string;
  resource: string;
  subresource?: string;
  /** Absent: cluster-scoped. */
  namespace?: string;
  /** Whose labels objectSelector is matched against. */
  objects: 'nodes' | 'kube-system-pods' | 'none';
}

/** The cluster's own writes that stall it when refused or slowed (PATCH is admitted as UPDATE). */
export const systemWrites: readonly SystemWrite[] = [
  {
    what: 'node heartbeats (UPDATE leases in kube-node-lease)',
    operation: 'UPDATE',
    group: 'coordination.k8s.io',
    version: 'v1',
    resource: 'leases',
    namespace: 'kube-node-lease',
    objects: 'none',
  },
  {
    what: 'node status (UPDATE nodes/status)',
    operation: 'UPDATE',
    group: '',
    version: 'v1',
    resource: 'nodes',
    subresource: 'status',
    objects: 'nodes',
  },
  {
    what: 'leader election (UPDATE leases in kube-system)',
    operation: 'UPDATE',
    group: 'coordination.k8s.io',
    version: 'v1',
    resource: 'leases',
    namespace: 'kube-system',
    objects: 'none',
  },
  {
    what: 'system pods (CREATE pods in kube-system)',
    operation: 'CREATE',
    group: '',
    version: 'v1',
    resource: 'pods',
    namespace: 'kube-system',
    objects: 'kube-system-pods',
  },
  {
    what: 'system pod status (UPDATE pods/status in kube-system)',
    operation: 'UPDATE',
    group: '',
    version: 'v1',
    resource: 'pods',
    subresource: 'status',
    namespace: 'kube-system',
    objects: 'kube-system-pods',
  },
];

export function selectorMatches(sel: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const listed = has && (e.values ?? []).includes(labels[e.key]!);
    const ok =
      e.operator === 'In'
        ? listed
        : e.operator === 'NotIn'
          ? !listed
          : e.operator === 'Exists'
            ? has
            : e.operator === 'DoesNotExist'
              ? !has
              : false;
    if (!ok) return false;
  }
  return true;
}

const listed = (list: string[] | undefined, v: string) => (list ?? []).some((x) => x === '*' || x === v);

function resourceListed(resources: string[] | undefined, w: SystemWrite): boolean {
  return (resources ?? []).some((r) => {
    const [res, sub] = r.split('/');
    if (r === '*/*') return true;
    if (sub === undefined) return !w.subresource && (res === '*' || res === w.resource);
    return (
      w.subresource !== undefined &&
      (res === '*' || res === w.resource) &&
      (sub === '*' || sub === w.subresource)
    );
  });
}

function ruleMatches(r: WebhookRule, w: SystemWrite): boolean {
  const scope = r.scope ?? '*';
  return (
    (scope === '*' || (scope === 'Namespaced') === (w.namespace !== undefined)) &&
    listed(r.operations, w.operation) &&
    listed(r.apiGroups, w.group) &&
    listed(r.apiVersions, w.version) &&
    resourceListed(r.resources, w)
  );
}

/** Labels of the objects a system write touches, from the view: any one matching is enough. */
export interface ObjectLabels {
  nodes: readonly KubeObject[];
  kubeSystemPods: readonly KubeObject[];
}

function objectSelected(sel: LabelSelector | undefined, w: SystemWrite, objects: ObjectLabels): boolean {
  if (!sel) return true;
  const pool =
    w.objects === 'nodes' ? objects.nodes : w.objects === 'kube-system-pods' ? objects.kubeSystemPods : [];
  if (pool.length === 0) return selectorMatches(sel, {});
  return pool.some((o) => selectorMatches(sel, o.metadata.labels ?? {}));
}

/** The system writes this webhook is called for, as `what` texts. */
export function systemWritesMatched(hook: WebhookMatch, objects: ObjectLabels): string[] {
  return systemWrites
    .filter(
      (w) =>
        (hook.rules ?? []).some((r) => ruleMatches(r, w)) &&
        (w.namespace === undefined ||
          selectorMatches(hook.namespaceSelector, { 'kubernetes.io/metadata.name': w.namespace })) &&
        objectSelected(hook.objectSelector, w, objects),
    )
    .map((w) => w.what);
}

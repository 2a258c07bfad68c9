/**
 * Every Kubernetes API call kubetriage makes, by the identity that makes it. The RBAC in
 * deploy/ is derived from this table and nothing else, and test/deploy/manifests.test.ts holds
 * the table to the code: each API path literal in src/ must match an entry here, and each
 * entry must still be called somewhere.
 *
 * `path` is the path with `{…}` for what varies. `verbs` are RBAC verbs (GET of one object
 * is get; of a collection, list, and watch when a reflector watches it).
 */

export type Identity =
  | 'watcher'
  | 'watcher-proxy'
  | 'write-probe'
  | 'write-probe-targets'
  | 'leader-election'
  | 'agent'
  | 'remediation';

export interface ApiCall {
  identity: Identity;
  path: string;
  verbs: string[];
  /** Where in src/ it is made (for people; the test finds the literal itself). */
  where: string;
}

export const apiCalls: ApiCall[] = [
  // The watcher (serve, watch, status, scan): reflectors list+watch these (src/kube/resource-paths.ts).
  { identity: 'watcher', path: '/api/v1/nodes', verbs: ['list', 'watch'], where: 'kube/resource-paths.ts' },
  { identity: 'watcher', path: '/api/v1/pods', verbs: ['list', 'watch'], where: 'kube/resource-paths.ts' },
  { identity: 'watcher', path: '/api/v1/events', verbs: ['list', 'watch'], where: 'kube/resource-paths.ts' },
  { identity: 'watcher', path: '/api/v1/services', verbs: ['list', 'watch'], where: 'kube/resource-paths.ts' },
  { identity: 'watcher', path: '/apis/apps/v1/deployments', verbs: ['list', 'watch'], where: 'kube/resource-paths.ts' },
  { identity: 'watcher', path: '/apis/apps/v1/replicasets', verbs: ['list', 'watch'], where: 'kube/resource-paths.ts' },
  { identity: 'watcher', path: '/apis/apps/v1/daemonsets', verbs: ['list', 'watch'], where: 'kube/resource-paths.ts' },
  {
    identity: 'watcher',
    path: '/apis/discovery.k8s.io/v1/endpointslices',
    verbs: ['list', 'watch'],
    where: 'kube/resource-paths.ts',
  },
  {
    identity: 'watcher',
    path: '/apis/policy/v1/poddisruptionbudgets',
    verbs: ['list', 'watch'],
    where: 'kube/resource-paths.ts',
  },
  {
    identity: 'watcher',
    path: '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases',
    verbs: ['list', 'watch'],
    where: 'kube/resource-paths.ts',
  },
  // The admission inventory (detect/admission-inventory.ts): webhook configurations hold no secrets.
  {
    identity: 'watcher',
    path: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',
    verbs: ['list', 'watch'],
    where: 'kube/resource-paths.ts',
  },
  {
    identity: 'watcher',
    path: '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
    verbs: ['list', 'watch'],
    where: 'kube/resource-paths.ts',
  },
  // Probes: component logs.
  { identity: 'watcher', path: '/api/v1/namespaces/{ns}/pods/{pod}/log', verbs: ['get'], where: 'kube/probes.ts' },
  // Opt-in (kubetriage-read-proxy, docs/deployment.md): kube-proxy and ingress-controller
  // metrics through the API server's proxy (ingress only from outside the cluster: inside,
  // kube/pod-http.ts reads the pod IP). Not read-only, whatever the verb says: `get` on
  // nodes/proxy reaches the whole kubelet API, and a GET upgraded to a WebSocket on its
  // /exec or /run is authorized as `get` and runs commands in any container on the node.
  {
    identity: 'watcher-proxy',
    path: '/api/v1/nodes/{node}:10249/proxy/metrics',
    verbs: ['get'],
    where: 'kube/probes.ts',
  },
  {
    identity: 'watcher-proxy',
    path: '/api/v1/namespaces/{ns}/pods/{pod}:10254/proxy/metrics',
    verbs: ['get'],
    where: 'kube/probes.ts',
  },
  // Envoy-based ingress controllers (Contour, Emissary, Envoy Gateway) on Envoy's admin port.
  {
    identity: 'watcher-proxy',
    path: '/api/v1/namespaces/{ns}/pods/{pod}:8002/proxy/stats/prometheus',
    verbs: ['get'],
    where: 'kube/probes.ts',
  },
  // Node usage from the resource metrics API (metrics-server), when served.
  { identity: 'watcher', path: '/apis/metrics.k8s.io/v1beta1/nodes', verbs: ['list'], where: 'kube/node-metrics.ts' },
  // The write probe (kube/write-probe.ts): a server-side dry-run create (`?dryRun=All`, nothing
  // is stored) of a ConfigMap in its own namespace. RBAC cannot tell a dry run from a real
  // create, so the grant is `create`, in that one namespace only.
  {
    identity: 'write-probe',
    path: '/api/v1/namespaces/{release}/configmaps',
    verbs: ['create'],
    where: 'kube/write-probe.ts',
  },
  // `--write-probe KIND/NAMESPACE`: the same dry run where workloads write. Not granted by the
  // chart: the operator grants `create` in each namespace named (docs/deployment.md); until
  // then the probe reports itself forbidden, not the cluster failing.
  {
    identity: 'write-probe-targets',
    path: '/api/v1/namespaces/{ns}/configmaps',
    verbs: ['create'],
    where: 'kube/write-probe.ts',
  },
  {
    identity: 'write-probe-targets',
    path: '/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses',
    verbs: ['create'],
    where: 'kube/write-probe.ts',
  },
  {
    identity: 'write-probe-targets',
    path: '/apis/apps/v1/namespaces/{ns}/deployments',
    verbs: ['create'],
    where: 'kube/write-probe.ts',
  },
  // serve --leader-elect: the Lease in its own namespace.
  {
    identity: 'leader-election',
    path: '/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/{name}',
    verbs: ['get', 'update'],
    where: 'kube/lease-lock.ts',
  },
  {
    identity: 'leader-election',
    path: '/apis/coordination.k8s.io/v1/namespaces/{ns}/leases',
    verbs: ['create'],
    where: 'kube/lease-lock.ts',
  },
  // The node agent (docs/node-agent-report.md §5).
  { identity: 'agent', path: '/api/v1/nodes/{node}', verbs: ['get'], where: 'agent/node-agent.ts' },
  { identity: 'agent', path: '/api/v1/nodes/{node}/status', verbs: ['patch'], where: 'agent/node-agent.ts' },
  { identity: 'agent', path: '/api/v1/namespaces/default/events', verbs: ['create'], where: 'agent/node-events.ts' },
  { identity: 'agent', path: '/api/v1/namespaces/default/events/{name}', verbs: ['patch'], where: 'agent/node-events.ts' },
  {
    identity: 'agent',
    path: '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices',
    verbs: ['list'],
    where: 'agent/setup.ts',
  },
  { identity: 'agent', path: '/api/v1/namespaces/{ns}/services/{name}', verbs: ['get'], where: 'agent/setup.ts' },
  // The peer-echo pods the PodNetworkPeersUnreachable check fetches from, in the release's namespace.
  {
    identity: 'agent',
    path: '/apis/discovery.k8s.io/v1/namespaces/{release}/endpointslices',
    verbs: ['list'],
    where: 'agent/peer-list.ts',
  },
  // Remediation (opt-in role): runbooks' apply() in src/respond.
  { identity: 'remediation', path: '/api/v1/nodes', verbs: ['list'], where: 'respond/cluster-reader.ts' },
  // delete: restart-nodes' default method (replace) deletes the Node for its pool to replace.
  { identity: 'remediation', path: '/api/v1/nodes/{node}', verbs: ['delete', 'get', 'patch'], where: 'respond/*' },
  { identity: 'remediation', path: '/api/v1/pods', verbs: ['list'], where: 'respond/cluster-reader.ts' },
  // delete: --force-drain deletes pods a PodDisruptionBudget keeps from being evicted.
  {
    identity: 'remediation',
    path: '/api/v1/namespaces/{ns}/pods/{pod}',
    verbs: ['delete', 'get'],
    where: 'respond/drain.ts',
  },
  {
    identity: 'remediation',
    path: '/api/v1/namespaces/{ns}/pods/{pod}/eviction',
    verbs: ['create'],
    where: 'respond/drain.ts',
  },
  {
    identity: 'remediation',
    path: '/apis/policy/v1/poddisruptionbudgets',
    verbs: ['list'],
    where: 'respond/cluster-reader.ts',
  },
  {
    identity: 'remediation',
    path: '/apis/apps/v1/namespaces/{ns}/daemonsets',
    // get: the fix reads its DaemonSet back (one left from an earlier run, then its rollout).
    verbs: ['create', 'delete', 'get'],
    where: 'respond/node-fix-apply.ts',
  },
  {
    identity: 'remediation',
    path: '/apis/apps/v1/namespaces/{ns}/deployments/{name}',
    // get: the bypass reads the spec it saves for the revert before patching.
    verbs: ['get', 'patch'],
    where: 'respond/bypass-apply.ts',
  },
  {
    identity: 'remediation',
    path: '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices',
    verbs: ['list'],
    where: 'respond/bypass-apply.ts',
  },
  {
    identity: 'remediation',
    path: '/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/{name}',
    verbs: ['get', 'update'],
    where: 'respond/run-lock.ts (through kube/lease-lock.ts)',
  },
  {
    identity: 'remediation',
    path: '/apis/coordination.k8s.io/v1/namespaces/{ns}/leases',
    verbs: ['create'],
    where: 'respond/run-lock.ts (through kube/lease-lock.ts)',
  },
];

/** Non-resource URLs the watcher reads: the API probes, and the API server's own metrics. */
export const nonResourceCalls = ['/livez', '/readyz', '/version', '/metrics'];

export interface ResourceRef {
  group: string;
  resource: string;
  namespace?: string;
}

/** `/apis/apps/v1/namespaces/{ns}/daemonsets` → apps, daemonsets; subresources as `pods/log`, `nodes/proxy`. */
export function resourceOf(path: string): ResourceRef {
  const parts = path.split('/').filter(Boolean);
  const group = parts[0] === 'api' ? '' : parts[1];
  let rest = parts.slice(parts[0] === 'api' ? 2 : 3);
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 2) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const resource = rest[0];
  // After the name: a subresource (`status`, `log`, `eviction`), or `proxy` after `name:port`.
  const sub = rest[2];
  return { group, resource: sub ? `${resource}/${sub}` : resource, namespace };
}

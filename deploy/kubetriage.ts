/**
 * kubetriage in a cluster, described once: the watcher/server Deployment (one leader on a
 * Lease), the node agent DaemonSet, RBAC derived from the API calls the code makes, a
 * Service, an optional ServiceMonitor, a PrometheusRule with kubetriage's own alerts.
 * deploy/generate.ts renders it twice: with the chart's default values into
 * deploy/manifests/ (release "kubetriage" in namespace "kubetriage"), and with Helm
 * template expressions into the chart's templates.
 */
import type { Identity } from './api-calls.ts';
import { rolesFor } from './rbac.ts';

/** A value: concrete for the plain manifests, a `{{ … }}` placeholder for the chart. */
export type V = string | number | boolean;

type Obj = Record<string, unknown>;

export interface DeployValues {
  namespace: V;
  /** The release name (app.kubernetes.io/instance). */
  release: V;
  /** `<release>-kubetriage`, or the release name when it already holds "kubetriage". */
  fullname: V;
  /** helm.sh/chart; '' in the plain manifests, which no chart manages. */
  chartLabel: V;
  managedBy: V;
  image: V;
  pullPolicy: V;
  replicas: V;
  leaseDurationSeconds: V;
  servicePort: V;
  tokenSecret: V;
  databaseUrlSecret: V;
  persistenceSize: V;
  storageClass: V;
  /** serve's service account: serviceAccount.name, else the fullname (or "default" when not created). */
  serverServiceAccount: V;
  agentApiEndpoints: V;
  agentNodeResolverName: V;
  /** "true" lets serve apply runbooks approved in the dashboard (with the remediation role). */
  allowRemediation: V;
  appVersion: V;
}

/**
 * The parts that depend on a value as a whole rather than fill in a scalar: the plain
 * manifests decide them from the default values, the chart turns them into `with`/`if`
 * blocks. `path` is a values.yaml path such as "agent.tolerations".
 */
export interface Choices {
  /** `key: <value at path>` (a whole YAML block, or one scalar), left out when it is empty. */
  optional(path: string, key: string, scalar?: boolean): Obj;
  /** Map entries chosen by whether the value at path is set. */
  when(path: string, then: Obj, otherwise?: Obj): Obj;
  /** List items chosen the same way. */
  whenItems(path: string, then: Obj[], otherwise?: Obj[]): Obj[];
  /** Whole objects (YAML documents) of a file chosen the same way. */
  whenObjects(path: string, then: Obj[], otherwise?: Obj[]): Obj[];
}

const serverResources = { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } };

/** values.yaml: what a chart user sets, and what the plain manifests are rendered with. */
export const chartValues = {
  image: { repository: 'ghcr.io/kubetriage/kubetriage', tag: '', pullPolicy: 'IfNotPresent' },
  imagePullSecrets: [] as { name: string }[],
  serviceAccount: { create: true, name: '', annotations: {} as Record<string, string> },
  podAnnotations: {} as Record<string, string>,
  replicas: 1,
  leaseDurationSeconds: '15',
  service: { port: 8080 },
  tokenSecret: 'kubetriage-token',
  database: { urlSecret: '' },
  persistence: { enabled: true, size: '1Gi', storageClass: '' },
  server: {
    resources: serverResources,
    nodeSelector: {} as Record<string, string>,
    tolerations: [] as Obj[],
    affinity: {} as Obj,
  },
  createNamespace: false,
  agent: {
    enabled: true,
    apiEndpoints: '',
    nodeResolverName: '',
    resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '192Mi' } },
    nodeSelector: {} as Record<string, string>,
    tolerations: [{ operator: 'Exists' }] as Obj[],
    affinity: {} as Obj,
  },
  peer: { resources: { requests: { cpu: '5m', memory: '32Mi' }, limits: { memory: '96Mi' } } },
  remediation: { enabled: false },
  metrics: { apiServerProxy: false },
  serviceMonitor: { enabled: false },
  prometheusRule: { enabled: true },
};

/** What values.yaml says above a key, for whoever sets it (docs/deployment.md has the rest). */
export const valueNotes: Record<string, string> = {
  'image.tag': 'Empty: the chart\'s appVersion.',
  imagePullSecrets: 'For every pod, e.g. [{name: regcred}].',
  serviceAccount: "serve's service account; the agent always gets its own (<fullname>-agent) for its role.",
  podAnnotations: 'For every pod (serve, agent, peer).',
  replicas:
    'More than one needs database.urlSecret (values.schema.json refuses it otherwise): replicas on\n' +
    'SQLite each keep a record of their own, and on an emptyDir lose it with the pod.',
  leaseDurationSeconds: 'How long a leader may go without renewing its Lease before another takes over.',
  tokenSecret: 'A Secret with key "token": the token serve asks of its API and dashboard (and the ServiceMonitor sends).',
  database:
    'urlSecret: a Secret with key "url" (postgres://…). The record goes to PostgreSQL, shared by\n' +
    'every replica; no volume is claimed then.',
  persistence:
    'Without PostgreSQL: SQLite on a ReadWriteOnce PersistentVolumeClaim, one pod at a time\n' +
    "(strategy Recreate). storageClass '' is the cluster's default class. enabled: false keeps\n" +
    'SQLite on an emptyDir, which loses the record with the pod.',
  server: 'serve (the Deployment).',
  createNamespace: 'Render the release namespace too (helm --create-namespace is the usual way).',
  agent:
    'The node agent (DaemonSet). Its nodeSelector, tolerations and affinity place the peer pods too.\n' +
    'apiEndpoints: the API servers\' addresses (host:port,…), so the agent still reports when the\n' +
    'kubernetes Service VIP is what broke.',
  'agent.tolerations': "Every node, tainted or not: a node's own failure is what the agent reports.",
  peer: "The agents' pod-network peers (PodNetworkPeersUnreachable).",
  remediation: 'The role the runbooks need, and the permission for serve to use it (serve --allow-remediation).',
  metrics:
    "apiServerProxy: kube-proxy and ingress-controller metrics through the API server's proxy, a\n" +
    'grant that can exec into containers, so off unless asked for (docs/deployment.md).',
  serviceMonitor: 'A Prometheus Operator ServiceMonitor for /metrics.',
  prometheusRule: "kubetriage's own alerts, as a Prometheus Operator PrometheusRule.",
};

export type ChartValues = typeof chartValues;

/** The plain manifests' release: named so the names stay "kubetriage", "kubetriage-agent", … */
export const plainRelease = { name: 'kubetriage', namespace: 'kubetriage' };

export const appVersion = '0.1.0';

export function valueAt(values: unknown, path: string): unknown {
  let v = values;
  for (const k of path.split('.')) v = (v as Record<string, unknown> | undefined)?.[k];
  return v;
}

/** text/template's truth (false, 0, nil, empty string, slice and map are false), as the chart reads it. */
export function isSet(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === 'object') return Object.keys(v).length > 0;
  return v !== undefined && v !== null && v !== false && v !== 0 && v !== '';
}

/** The plain manifests: every choice made from the values, as the chart would make it. */
export function plainChoices(values: unknown): Choices {
  const pick = <T>(path: string, then: T, otherwise: T) => (isSet(valueAt(values, path)) ? then : otherwise);
  return {
    optional: (path, key) => pick(path, { [key]: valueAt(values, path) }, {}),
    when: (path, then, otherwise = {}) => pick(path, then, otherwise),
    whenItems: (path, then, otherwise = []) => pick(path, then, otherwise),
    whenObjects: (path, then, otherwise = []) => pick(path, then, otherwise),
  };
}

/** The scalars of the plain manifests, from the default values. */
export function plainValues(values: ChartValues = chartValues): DeployValues {
  const r = plainRelease;
  return {
    namespace: r.namespace,
    release: r.name,
    fullname: r.name.includes('kubetriage') ? r.name : `${r.name}-kubetriage`,
    chartLabel: '',
    managedBy: 'kubectl',
    image: `${values.image.repository}:${values.image.tag || appVersion}`,
    pullPolicy: values.image.pullPolicy,
    replicas: values.replicas,
    leaseDurationSeconds: values.leaseDurationSeconds,
    servicePort: values.service.port,
    tokenSecret: values.tokenSecret,
    databaseUrlSecret: values.database.urlSecret,
    persistenceSize: values.persistence.size,
    storageClass: values.persistence.storageClass,
    serverServiceAccount: values.serviceAccount.name || (values.serviceAccount.create ? r.name : 'default'),
    agentApiEndpoints: values.agent.apiEndpoints,
    agentNodeResolverName: values.agent.nodeResolverName,
    allowRemediation: String(values.remediation.enabled),
    appVersion,
  };
}

/** One output file; `guard` names the value that must be true for the chart to render it (opt-ins). */
export interface DeployFile {
  name: string;
  guard?: string;
  objects: Obj[];
}

const restricted = {
  runAsNonRoot: true,
  runAsUser: 65532,
  runAsGroup: 65532,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** The selector: which of this release's pods belong to a component. */
function selector(v: DeployValues, component: string) {
  return {
    'app.kubernetes.io/name': 'kubetriage',
    'app.kubernetes.io/instance': v.release,
    'app.kubernetes.io/component': component,
  };
}

/** Kubernetes' recommended labels (kubernetes.io/docs/concepts/overview/working-with-objects/common-labels) and Helm's chart label. */
function labels(v: DeployValues, component: string) {
  return {
    ...selector(v, component),
    'app.kubernetes.io/version': v.appVersion,
    'app.kubernetes.io/managed-by': v.managedBy,
    ...(v.chartLabel === '' ? {} : { 'helm.sh/chart': v.chartLabel }),
  };
}

const name = (v: DeployValues, suffix = '') => `${v.fullname}${suffix}`;

/** Pod template metadata: the labels, and podAnnotations when set. */
function podMetadata(v: DeployValues, c: Choices, component: string) {
  return { ...c.optional('podAnnotations', 'annotations'), labels: labels(v, component) };
}

/** Scheduling and pulling, as a chart user sets them per workload. */
function podPlacement(c: Choices, workload: 'server' | 'agent') {
  return {
    ...c.optional('imagePullSecrets', 'imagePullSecrets'),
    ...c.optional(`${workload}.nodeSelector`, 'nodeSelector'),
    ...c.optional(`${workload}.tolerations`, 'tolerations'),
    ...c.optional(`${workload}.affinity`, 'affinity'),
  };
}

const roleSuffixes: Record<Identity, string> = {
  watcher: '-read',
  'watcher-proxy': '-read-proxy',
  'write-probe': '-write-probe',
  'write-probe-targets': '-write-probe-targets',
  'leader-election': '-leader-election',
  agent: '-agent',
  remediation: '-remediate',
};

/** Roles and bindings of one identity for one service account. */
function rbac(v: DeployValues, identity: Identity, serviceAccount: V): Obj[] {
  const out: Obj[] = [];
  for (const spec of rolesFor(identity, '{release}')) {
    const roleName = name(v, roleSuffixes[identity]);
    const ns = spec.namespace === '{release}' ? v.namespace : spec.namespace;
    const kind = ns === undefined ? 'ClusterRole' : 'Role';
    const meta = { name: roleName, ...(ns === undefined ? {} : { namespace: ns }), labels: labels(v, identity) };
    out.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata: meta, rules: spec.rules });
    out.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: `${kind}Binding`,
      metadata: meta,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name: roleName },
      subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace: v.namespace }],
    });
  }
  return out;
}

const dataDir = '/var/lib/kubetriage';

function server(v: DeployValues, c: Choices): Obj[] {
  const emptyData = [{ name: 'data', emptyDir: {} }];
  return [
    ...c.whenObjects('serviceAccount.create', [
      {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: {
          name: v.serverServiceAccount,
          namespace: v.namespace,
          labels: labels(v, 'server'),
          ...c.optional('serviceAccount.annotations', 'annotations'),
        },
      },
    ]),
    // SQLite's file outlives the pod only on a volume that does; with PostgreSQL none is needed.
    ...c.whenObjects(
      'database.urlSecret',
      [],
      c.whenObjects('persistence.enabled', [
        {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: name(v, '-data'), namespace: v.namespace, labels: labels(v, 'server') },
          spec: {
            accessModes: ['ReadWriteOnce'],
            ...c.optional('persistence.storageClass', 'storageClassName', true),
            resources: { requests: { storage: v.persistenceSize } },
          },
        },
      ]),
    ),
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: name(v), namespace: v.namespace, labels: labels(v, 'server') },
      spec: {
        replicas: v.replicas,
        // One pod at a time on the ReadWriteOnce volume: the old one lets go of the SQLite file first.
        ...c.when('database.urlSecret', {}, c.when('persistence.enabled', { strategy: { type: 'Recreate' } })),
        selector: { matchLabels: selector(v, 'server') },
        template: {
          metadata: podMetadata(v, c, 'server'),
          spec: {
            serviceAccountName: v.serverServiceAccount,
            securityContext: { runAsNonRoot: true, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
            ...podPlacement(c, 'server'),
            containers: [
              {
                name: 'kubetriage',
                image: v.image,
                imagePullPolicy: v.pullPolicy,
                args: [
                  'serve',
                  '--host=0.0.0.0',
                  '--port=8080',
                  '--leader-elect',
                  '--lease-namespace=$(POD_NAMESPACE)',
                  `--lease-name=${v.fullname}`,
                  '--lease-duration',
                  v.leaseDurationSeconds,
                  `--data-dir=${dataDir}`,
                ],
                env: [
                  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                  {
                    name: 'KUBETRIAGE_TOKEN',
                    valueFrom: { secretKeyRef: { name: v.tokenSecret, key: 'token' } },
                  },
                  // Follows remediation.enabled: the role and the permission to use it go together.
                  { name: 'KUBETRIAGE_ALLOW_REMEDIATION', value: v.allowRemediation },
                  // The shared record that lets replicas take over from each other; serve prefers it
                  // to --data-dir (src/cli/store-options.ts). Not optional: a missing Secret stops
                  // the pod rather than leave it on a SQLite of its own.
                  ...c.whenItems('database.urlSecret', [
                    {
                      name: 'KUBETRIAGE_DATABASE_URL',
                      valueFrom: { secretKeyRef: { name: v.databaseUrlSecret, key: 'url' } },
                    },
                  ]),
                ],
                ports: [{ name: 'http', containerPort: 8080 }],
                readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5 },
                // /livez, not /healthz: a database outage fails /healthz, and a restart would
                // lose the changes serve keeps in memory until the database is back.
                livenessProbe: { httpGet: { path: '/livez', port: 'http' }, periodSeconds: 20, failureThreshold: 6 },
                ...c.optional('server.resources', 'resources'),
                securityContext: restricted,
                volumeMounts: [
                  { name: 'data', mountPath: dataDir },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              ...c.whenItems(
                'database.urlSecret',
                emptyData,
                c.whenItems(
                  'persistence.enabled',
                  [{ name: 'data', persistentVolumeClaim: { claimName: name(v, '-data') } }],
                  emptyData,
                ),
              ),
              { name: 'tmp', emptyDir: {} },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: name(v), namespace: v.namespace, labels: labels(v, 'server') },
      spec: {
        selector: selector(v, 'server'),
        ports: [{ name: 'http', port: v.servicePort, targetPort: 'http' }],
      },
    },
    ...rbac(v, 'watcher', v.serverServiceAccount),
    ...rbac(v, 'leader-election', v.serverServiceAccount),
    ...rbac(v, 'write-probe', v.serverServiceAccount),
  ];
}

/** The node agent, per docs/node-agent-report.md §5 (Pod). */
function agent(v: DeployValues, c: Choices): Obj[] {
  const hostMounts: [string, string][] = [
    ['var-log', '/var/log'],
    ['var-lib-dpkg', '/var/lib/dpkg'],
    ['var-lib-rpm', '/var/lib/rpm'],
    ['var-lib-systemd', '/var/lib/systemd'],
    ['kubelet-config', '/var/lib/kubelet/config.yaml'],
    ['etc', '/etc'],
    ['boot', '/boot'],
    ['lib-systemd', '/lib/systemd'],
    // systemd's units, and os-release: /etc/os-release is usually a link to ../usr/lib/os-release.
    ['usr-lib', '/usr/lib'],
    ['run', '/run'],
    ['proc', '/proc'],
  ];
  const account = name(v, '-agent');
  return [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: account, namespace: v.namespace, labels: labels(v, 'agent') },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: account, namespace: v.namespace, labels: labels(v, 'agent') },
      spec: {
        selector: { matchLabels: selector(v, 'agent') },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%' } },
        template: {
          metadata: podMetadata(v, c, 'agent'),
          spec: {
            serviceAccountName: account,
            hostNetwork: true,
            hostPID: true,
            // Never depend on the cluster DNS the agent tests.
            dnsPolicy: 'Default',
            priorityClassName: 'system-node-critical',
            ...podPlacement(c, 'agent'),
            securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'agent',
                image: v.image,
                imagePullPolicy: v.pullPolicy,
                args: ['agent', '--host-root=/host', '--state-dir=/var/lib/kubetriage-agent'],
                env: [
                  { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                  // Filled in at install time so a pod started while the VIP is broken can still write.
                  { name: 'KUBETRIAGE_API_ENDPOINTS', value: v.agentApiEndpoints },
                  { name: 'KUBETRIAGE_NODE_RESOLVER_NAME', value: v.agentNodeResolverName },
                  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                  // The peer pods below: pod-to-pod paths between nodes, full-size packets included.
                  // $(POD_NAMESPACE) is expanded by the kubelet from the variable above.
                  { name: 'KUBETRIAGE_PEER_SERVICE', value: `$(POD_NAMESPACE)/${v.fullname}-peer:${peerPort}` },
                ],
                ...c.optional('agent.resources', 'resources'),
                // Root to read root-only host files (dpkg status, kube-proxy logs); no capabilities, nothing writable.
                securityContext: { ...restricted, runAsNonRoot: false, runAsUser: 0, runAsGroup: 0 },
                volumeMounts: [
                  ...hostMounts.map(([name, path]) => ({ name, mountPath: `/host${path}`, readOnly: true })),
                  // Conditions and events the API has not taken yet, the last boot: survives container restarts.
                  { name: 'state', mountPath: '/var/lib/kubetriage-agent' },
                ],
              },
            ],
            volumes: [
              ...hostMounts.map(([name, path]) => ({
                name,
                hostPath: { path, ...(path.endsWith('.yaml') ? { type: 'FileOrCreate' } : {}) },
              })),
              { name: 'state', emptyDir: {} },
            ],
          },
        },
      },
    },
    ...rbac(v, 'agent', account),
    ...peers(v, c),
  ];
}

const peerPort = 8089;

/**
 * The other end of the agent's PodNetworkPeersUnreachable check: one pod per node on the
 * pod network (not hostNetwork), answering GET /payload with 64 KiB, behind a headless
 * Service whose EndpointSlices tell each agent the peers' pod IPs and nodes. They are
 * placed where the agents are (the agent's nodeSelector, tolerations and affinity).
 */
function peers(v: DeployValues, c: Choices): Obj[] {
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: name(v, '-peer'), namespace: v.namespace, labels: labels(v, 'peer') },
      spec: {
        selector: { matchLabels: selector(v, 'peer') },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%' } },
        template: {
          metadata: podMetadata(v, c, 'peer'),
          spec: {
            automountServiceAccountToken: false,
            priorityClassName: 'system-node-critical',
            ...podPlacement(c, 'agent'),
            securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'peer-echo',
                image: v.image,
                imagePullPolicy: v.pullPolicy,
                args: ['peer-echo', `--port=${peerPort}`],
                ports: [{ name: 'peer', containerPort: peerPort, protocol: 'TCP' }],
                readinessProbe: { httpGet: { path: '/healthz', port: 'peer' }, periodSeconds: 10 },
                ...c.optional('peer.resources', 'resources'),
                securityContext: restricted,
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: name(v, '-peer'), namespace: v.namespace, labels: labels(v, 'peer') },
      spec: {
        clusterIP: 'None',
        selector: selector(v, 'peer'),
        ports: [{ name: 'peer', port: peerPort, targetPort: 'peer', protocol: 'TCP' }],
      },
    },
  ];
}
function monitoring(v: DeployValues): { serviceMonitor: Obj; rule: Obj } {
  return {
    serviceMonitor: {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: name(v), namespace: v.namespace, labels: labels(v, 'server') },
      spec: {
        selector: { matchLabels: selector(v, 'server') },
        endpoints: [
          {
            port: 'http',
            path: '/metrics',
            interval: '30s',
            authorization: { type: 'Bearer', credentials: { name: v.tokenSecret, key: 'token' } },
          },
        ],
      },
    },
    rule: {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: name(v), namespace: v.namespace, labels: labels(v, 'server') },
      spec: {
        groups: [
          {
            name: 'kubetriage',
            rules: [
              {
                alert: 'KubetriageDown',
                // The ServiceMonitor's job label is the Service's name (Prometheus Operator's default jobLabel).
                expr: `absent(up{job="${v.fullname}"} == 1)`,
                for: '5m',
                labels: { severity: 'warning' },
                annotations: {
                  summary: 'kubetriage is not being scraped: nothing is watching the cluster for outages',
                  description: `kubectl -n ${v.namespace} get pods,lease -l app.kubernetes.io/instance=${v.release}`,
                },
              },
              {
                alert: 'KubetriageSourceStale',
                expr: 'min by (source) (kubetriage_source_fresh) == 0',
                for: '10m',
                labels: { severity: 'warning' },
                annotations: {
                  summary: 'kubetriage source {{ $labels.source }} is stale: its view of the cluster is out of date',
                  description: `curl -s ${v.fullname}.${v.namespace}:${v.servicePort}/healthz; check the watcher logs for reflector errors`,
                },
              },
              {
                alert: 'KubetriageIncidentOpen',
                expr: 'sum by (pattern, severity) (kubetriage_incidents_open{severity="critical"}) > 0',
                for: '1m',
                labels: { severity: 'critical' },
                annotations: {
                  summary: 'kubetriage has an open critical cluster incident ({{ $labels.pattern }})',
                  description: 'kubectl triage incidents --status open',
                },
              },
            ],
          },
        ],
      },
    },
  };
}

export function deployFiles(v: DeployValues, c: Choices): DeployFile[] {
  const m = monitoring(v);
  return [
    {
      name: 'namespace.yaml',
      guard: 'createNamespace',
      objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: v.namespace } }],
    },
    { name: 'server.yaml', objects: server(v, c) },
    { name: 'agent-daemonset.yaml', guard: 'agent.enabled', objects: agent(v, c) },
    { name: 'remediation-rbac.yaml', guard: 'remediation.enabled', objects: rbac(v, 'remediation', v.serverServiceAccount) },
    // Off by default: nodes/proxy reaches the kubelet's exec and run (docs/deployment.md).
    {
      name: 'read-proxy-rbac.yaml',
      guard: 'metrics.apiServerProxy',
      objects: rbac(v, 'watcher-proxy', v.serverServiceAccount),
    },
    { name: 'servicemonitor.yaml', guard: 'serviceMonitor.enabled', objects: [m.serviceMonitor] },
    { name: 'prometheusrule.yaml', guard: 'prometheusRule.enabled', objects: [m.rule] },
  ];
}

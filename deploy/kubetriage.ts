/**
 * kubetriage in a cluster, described once: the watcher/server Deployment (two replicas,
 * one leader on a Lease), the node agent DaemonSet, RBAC derived from the API calls the
 * code makes, a Service, an optional ServiceMonitor, a PrometheusRule with kubetriage's own
 * alerts. deploy/generate.ts renders it twice: with the default values into
 * deploy/manifests/, and with Helm placeholders into the chart's templates.
 */
import type { Identity } from './api-calls.ts';
import { rolesFor } from './rbac.ts';

/** A value: concrete for the plain manifests, a `{{ .Values… }}` placeholder for the chart. */
export type V = string | number | boolean;

export interface DeployValues {
  namespace: V;
  image: V;
  pullPolicy: V;
  replicas: V;
  leaseDurationSeconds: V;
  servicePort: V;
  tokenSecret: V;
  databaseUrlSecret: V;
  agentApiEndpoints: V;
  agentNodeResolverName: V;
  /** "true" lets serve apply runbooks approved in the dashboard (with the remediation role). */
  allowRemediation: V;
  appVersion: V;
}

export const defaults: DeployValues = {
  namespace: 'kubetriage',
  image: 'ghcr.io/kubetriage/kubetriage:0.1.0',
  pullPolicy: 'IfNotPresent',
  replicas: 2,
  leaseDurationSeconds: 15,
  servicePort: 8080,
  tokenSecret: 'kubetriage-token',
  databaseUrlSecret: 'kubetriage-database',
  agentApiEndpoints: '',
  agentNodeResolverName: '',
  allowRemediation: 'false',
  appVersion: '0.1.0',
};

/** One output file; `guard` names the value that must be true for it to render (opt-ins). */
export interface DeployFile {
  name: string;
  guard?: string;
  objects: Record<string, unknown>[];
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

function labels(v: DeployValues, component: string) {
  return {
    'app.kubernetes.io/name': 'kubetriage',
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/version': v.appVersion,
  };
}

const selector = (component: string) => ({ 'app.kubernetes.io/name': 'kubetriage', 'app.kubernetes.io/component': component });

const roleNames: Record<Identity, string> = {
  watcher: 'kubetriage-read',
  'watcher-proxy': 'kubetriage-read-proxy',
  'leader-election': 'kubetriage-leader-election',
  agent: 'kubetriage-agent',
  remediation: 'kubetriage-remediate',
};

/** Roles and bindings of one identity for one service account. */
function rbac(v: DeployValues, identity: Identity, serviceAccount: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const spec of rolesFor(identity, '{release}')) {
    const name = roleNames[identity];
    const ns = spec.namespace === '{release}' ? v.namespace : spec.namespace;
    const kind = ns === undefined ? 'ClusterRole' : 'Role';
    const meta = { name, ...(ns === undefined ? {} : { namespace: ns }), labels: labels(v, identity) };
    out.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata: meta, rules: spec.rules });
    out.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: `${kind}Binding`,
      metadata: meta,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name },
      subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace: v.namespace }],
    });
  }
  return out;
}

function server(v: DeployValues): Record<string, unknown>[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'kubetriage', namespace: v.namespace, labels: labels(v, 'server') },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'kubetriage', namespace: v.namespace, labels: labels(v, 'server') },
      spec: {
        replicas: v.replicas,
        selector: { matchLabels: selector('server') },
        template: {
          metadata: { labels: labels(v, 'server') },
          spec: {
            serviceAccountName: 'kubetriage',
            securityContext: { runAsNonRoot: true, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
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
                  '--lease-duration',
                  v.leaseDurationSeconds,
                  '--data-dir=/var/lib/kubetriage',
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
                  {
                    // HA needs the shared PostgreSQL; without the Secret each replica keeps its own SQLite.
                    name: 'KUBETRIAGE_DATABASE_URL',
                    valueFrom: { secretKeyRef: { name: v.databaseUrlSecret, key: 'url', optional: true } },
                  },
                ],
                ports: [{ name: 'http', containerPort: 8080 }],
                readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5 },
                // /livez, not /healthz: a database outage fails /healthz, and a restart would
                // lose the changes serve keeps in memory until the database is back.
                livenessProbe: { httpGet: { path: '/livez', port: 'http' }, periodSeconds: 20, failureThreshold: 6 },
                resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
                securityContext: restricted,
                volumeMounts: [
                  { name: 'data', mountPath: '/var/lib/kubetriage' },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'data', emptyDir: {} },
              { name: 'tmp', emptyDir: {} },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kubetriage', namespace: v.namespace, labels: labels(v, 'server') },
      spec: {
        selector: selector('server'),
        ports: [{ name: 'http', port: v.servicePort, targetPort: 'http' }],
      },
    },
    ...rbac(v, 'watcher', 'kubetriage'),
    ...rbac(v, 'leader-election', 'kubetriage'),
  ];
}

/** The node agent, per docs/node-agent-report.md §5 (Pod). */
function agent(v: DeployValues): Record<string, unknown>[] {
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
  return [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'kubetriage-agent', namespace: v.namespace, labels: labels(v, 'agent') },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'kubetriage-agent', namespace: v.namespace, labels: labels(v, 'agent') },
      spec: {
        selector: { matchLabels: selector('agent') },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%' } },
        template: {
          metadata: { labels: labels(v, 'agent') },
          spec: {
            serviceAccountName: 'kubetriage-agent',
            hostNetwork: true,
            hostPID: true,
            // Never depend on the cluster DNS the agent tests.
            dnsPolicy: 'Default',
            priorityClassName: 'system-node-critical',
            tolerations: [{ operator: 'Exists' }],
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
                  { name: 'KUBETRIAGE_PEER_SERVICE', value: `$(POD_NAMESPACE)/kubetriage-peer:${peerPort}` },
                ],
                resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '192Mi' } },
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
    ...rbac(v, 'agent', 'kubetriage-agent'),
    ...peers(v),
  ];
}

const peerPort = 8089;

/**
 * The other end of the agent's PodNetworkPeersUnreachable check: one pod per node on the
 * pod network (not hostNetwork), answering GET /payload with 64 KiB, behind a headless
 * Service whose EndpointSlices tell each agent the peers' pod IPs and nodes.
 */
function peers(v: DeployValues): Record<string, unknown>[] {
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'kubetriage-peer', namespace: v.namespace, labels: labels(v, 'peer') },
      spec: {
        selector: { matchLabels: selector('peer') },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%' } },
        template: {
          metadata: { labels: labels(v, 'peer') },
          spec: {
            automountServiceAccountToken: false,
            priorityClassName: 'system-node-critical',
            tolerations: [{ operator: 'Exists' }],
            securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'peer-echo',
                image: v.image,
                imagePullPolicy: v.pullPolicy,
                args: ['peer-echo', `--port=${peerPort}`],
                ports: [{ name: 'peer', containerPort: peerPort, protocol: 'TCP' }],
                readinessProbe: { httpGet: { path: '/healthz', port: 'peer' }, periodSeconds: 10 },
                resources: { requests: { cpu: '5m', memory: '32Mi' }, limits: { memory: '96Mi' } },
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
      metadata: { name: 'kubetriage-peer', namespace: v.namespace, labels: labels(v, 'peer') },
      spec: {
        clusterIP: 'None',
        selector: selector('peer'),
        ports: [{ name: 'peer', port: peerPort, targetPort: 'peer', protocol: 'TCP' }],
      },
    },
  ];
}

function monitoring(v: DeployValues): { serviceMonitor: Record<string, unknown>; rule: Record<string, unknown> } {
  return {
    serviceMonitor: {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'kubetriage', namespace: v.namespace, labels: labels(v, 'server') },
      spec: {
        selector: { matchLabels: selector('server') },
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
      metadata: { name: 'kubetriage', namespace: v.namespace, labels: labels(v, 'server') },
      spec: {
        groups: [
          {
            name: 'kubetriage',
            rules: [
              {
                alert: 'KubetriageDown',
                expr: 'absent(up{job="kubetriage"} == 1)',
                for: '5m',
                labels: { severity: 'warning' },
                annotations: {
                  summary: 'kubetriage is not being scraped: nothing is watching the cluster for outages',
                  description: 'kubectl -n kubetriage get pods,lease -l app.kubernetes.io/name=kubetriage',
                },
              },
              {
                alert: 'KubetriageSourceStale',
                expr: 'min by (source) (kubetriage_source_fresh) == 0',
                for: '10m',
                labels: { severity: 'warning' },
                annotations: {
                  summary: 'kubetriage source {{ $labels.source }} is stale: its view of the cluster is out of date',
                  description: 'curl -s kubetriage:8080/healthz; check the watcher logs for reflector errors',
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

export function deployFiles(v: DeployValues): DeployFile[] {
  const m = monitoring(v);
  return [
    {
      name: 'namespace.yaml',
      guard: 'createNamespace',
      objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: v.namespace } }],
    },
    { name: 'server.yaml', objects: server(v) },
    { name: 'agent-daemonset.yaml', guard: 'agent.enabled', objects: agent(v) },
    { name: 'remediation-rbac.yaml', guard: 'remediation.enabled', objects: rbac(v, 'remediation', 'kubetriage') },
    // Off by default: nodes/proxy reaches the kubelet's exec and run (docs/deployment.md).
    {
      name: 'read-proxy-rbac.yaml',
      guard: 'metrics.apiServerProxy',
      objects: rbac(v, 'watcher-proxy', 'kubetriage'),
    },
    { name: 'servicemonitor.yaml', guard: 'serviceMonitor.enabled', objects: [m.serviceMonitor] },
    { name: 'prometheusrule.yaml', guard: 'prometheusRule.enabled', objects: [m.rule] },
  ];
}

/**
 * A small, healthy, static cluster for `kubetriage sim` and the conformance suites: a
 * control-plane node and workers with leases, kube-system (control-plane mirror pods,
 * kube-proxy DaemonSet, CoreDNS Deployment), the `kubernetes` and `kube-dns` services,
 * and a `shop` namespace with two Deployments, one guarded by a PodDisruptionBudget.
 * Component logs and per-node endpoints (kube-proxy metrics and healthz, kubelet healthz)
 * are registered so `kubectl logs` and `nodes/{n}/proxy` have something real to show.
 */
import { rfc3339 } from '../../time/clock.ts';
import { admitCreate, type ClusterIpAllocator } from '../api/admission.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import type { NodeProxyRegistry } from '../api/node-proxy.ts';
import type { PodLogBook } from '../api/pod-log-book.ts';
import { resourceForKind } from '../api/resources.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { controlPlaneComponents, staticPod } from './kubeadm-manifests.ts';
import { kubeletEndpoints, kubeProxyEndpoints } from './node-endpoints.ts';
import { type ContainerInput, hexId, nameSuffix, nodeLease, nodeObject, runningPod } from './objects.ts';

export interface StaticClusterOptions {
  store: ObjectStore;
  logs: PodLogBook;
  nodeProxy: NodeProxyRegistry;
  clusterIps: ClusterIpAllocator;
  nowMs: number;
  /** Worker nodes, besides the one control-plane node. */
  workers?: number;
}

interface Owner {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

export class ClusterSeeder {
  private readonly o: StaticClusterOptions;
  private podSeq = 0;
  private eventSeq = 0;

  constructor(o: StaticClusterOptions) {
    this.o = o;
  }

  put(kind: string, obj: KubeObject, group = ''): KubeObject {
    const r = resourceForKind(kind, group);
    if (!r) throw new Error(`no resource for kind ${kind}`);
    admitCreate(r, obj, this.o.clusterIps);
    // The cluster has been up for an hour; events carry their own times.
    const createdAtMs = kind === 'Event' ? undefined : this.o.nowMs - 3_600_000;
    return this.o.store.create(r, obj, { createdAtMs });
  }

  list(kind: string, namespace?: string, group = ''): KubeObject[] {
    return this.o.store.listObjects(resourceForKind(kind, group)!, namespace);
  }

  /** Writes an object's status, as its controller would. */
  status(kind: string, obj: KubeObject, status: unknown, group = ''): KubeObject {
    const r = resourceForKind(kind, group)!;
    return this.o.store.update(r, { ...obj, status }, { subresource: 'status' });
  }

  owner(obj: KubeObject, kind: string, apiVersion: string): Owner {
    return { apiVersion, kind, name: obj.metadata.name ?? '', uid: obj.metadata.uid ?? '' };
  }

  event(
    involved: KubeObject & { kind: string },
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    source: { component: string; host?: string },
    atMs: number,
  ): void {
    const name = `${involved.metadata.name}.${hexId(`${reason}${this.eventSeq++}`, 16)}`;
    const t = rfc3339(atMs);
    this.put('Event', {
      metadata: { name, namespace: involved.metadata.namespace ?? 'default' },
      involvedObject: {
        kind: involved.kind,
        namespace: involved.metadata.namespace,
        name: involved.metadata.name,
        // The kubelet's node references use the node name as uid (kubernetes.md §2.4).
        uid:
          involved.kind === 'Node' && source.component === 'kubelet'
            ? involved.metadata.name
            : involved.metadata.uid,
        apiVersion: involved.kind === 'Node' || involved.kind === 'Pod' ? 'v1' : 'apps/v1',
        ...(involved.metadata.resourceVersion ? { resourceVersion: involved.metadata.resourceVersion } : {}),
      },
      reason,
      message,
      source,
      firstTimestamp: t,
      lastTimestamp: t,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: source.component,
      reportingInstance: source.host ?? '',
    });
  }

  pod(input: {
    namespace: string;
    name: string;
    node: string;
    hostIp: string;
    labels: Record<string, string>;
    owner?: Owner;
    containers: ContainerInput[];
    hostNetwork?: boolean;
    emptyDir?: boolean;
    mirror?: boolean;
    priorityClassName?: string;
    logLines?: Record<string, string[]>;
  }): KubeObject {
    const seq = ++this.podSeq;
    const ip = input.hostNetwork
      ? input.hostIp
      : `10.244.${Number(input.hostIp.split('.').at(-1)) % 256}.${(seq % 250) + 2}`;
    const started = this.o.nowMs - 3_600_000;
    const pod = this.put('Pod', runningPod({ ...input, ip, startedMs: started, owner: input.owner }));
    const involved = { ...pod, kind: 'Pod' };
    this.event(
      involved,
      'Normal',
      'Scheduled',
      `Successfully assigned ${input.namespace}/${input.name} to ${input.node}`,
      { component: 'default-scheduler' },
      started,
    );
    for (const c of input.containers) {
      this.event(
        involved,
        'Normal',
        'Pulled',
        `Container image "${c.image}" already present on machine`,
        { component: 'kubelet', host: input.node },
        started,
      );
      this.event(
        involved,
        'Normal',
        'Created',
        `Created container: ${c.name}`,
        { component: 'kubelet', host: input.node },
        started,
      );
      this.event(
        involved,
        'Normal',
        'Started',
        `Started container ${c.name}`,
        { component: 'kubelet', host: input.node },
        started,
      );
      const lines = input.logLines?.[c.name] ?? [];
      for (const [i, line] of lines.entries()) {
        this.o.logs.append(input.namespace, input.name, c.name, line, started + i * 1000);
      }
    }
    return pod;
  }
}

const nodeIp = (i: number) => `10.0.0.${10 + i}`;

export function seedStaticCluster(o: StaticClusterOptions): { nodes: string[] } {
  const s = new ClusterSeeder(o);
  const workers = o.workers ?? 3;
  const now = o.nowMs;
  const booted = now - 3_600_000;

  for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'shop']) {
    s.put('Namespace', { metadata: { name: ns } });
  }

  const nodes = ['cp-1', ...Array.from({ length: workers }, (_, i) => `worker-${i + 1}`)];
  nodes.forEach((name, i) => {
    const node = s.put(
      'Node',
      nodeObject({
        name,
        ip: nodeIp(i),
        controlPlane: i === 0,
        nowMs: booted,
        pool: i === 0 ? 'control-plane' : 'general',
      }),
    );
    s.put('Lease', nodeLease(name, now), 'coordination.k8s.io');
    const kubelet = { component: 'kubelet', host: name };
    const involved = { ...node, kind: 'Node' };
    s.event(involved, 'Normal', 'Starting', 'Starting kubelet.', kubelet, booted);
    s.event(
      involved,
      'Normal',
      'NodeHasSufficientMemory',
      `Node ${name} status is now: NodeHasSufficientMemory`,
      kubelet,
      booted,
    );
    s.event(involved, 'Normal', 'NodeReady', `Node ${name} status is now: NodeReady`, kubelet, booted);
    s.event(
      involved,
      'Normal',
      'RegisteredNode',
      `Node ${name} event: Registered Node ${name} in Controller`,
      { component: 'node-controller' },
      booted,
    );
    kubeletEndpoints(o.nodeProxy, name);
    kubeProxyEndpoints(o.nodeProxy, name, now);
  });

  // Control plane as static (mirror) pods on the control-plane node, as kubeadm writes them.
  const cpIp = nodeIp(0);
  const cpNode = o.store.find(resourceForKind('Node')!, '', 'cp-1');
  for (const component of controlPlaneComponents) {
    const manifest = staticPod(component, {
      node: 'cp-1',
      nodeUid: cpNode?.metadata.uid,
      ip: cpIp,
      kubernetesVersion: 'v1.32.4',
      etcdVersion: '3.5.16-0',
      members: [{ name: 'cp-1', ip: cpIp }],
      serviceCidr: '10.96.0.0/12',
      seenAt: rfc3339(booted),
    });
    const spec = manifest.spec as { containers: ContainerInput[] };
    const pod = s.pod({
      namespace: 'kube-system',
      name: `${component}-cp-1`,
      node: 'cp-1',
      hostIp: cpIp,
      hostNetwork: true,
      mirror: true,
      priorityClassName: 'system-node-critical',
      labels: { component, tier: 'control-plane' },
      containers: spec.containers,
    });
    admitCreate(resourceForKind('Pod')!, manifest);
    o.store.update(resourceForKind('Pod')!, {
      ...pod,
      metadata: {
        ...pod.metadata,
        annotations: manifest.metadata.annotations,
        ownerReferences: manifest.metadata.ownerReferences,
      },
      spec: manifest.spec,
    });
  }

  // kube-proxy: one pod per node, owned by its DaemonSet.
  const proxyDs = s.put(
    'DaemonSet',
    {
      metadata: { name: 'kube-proxy', namespace: 'kube-system', labels: { 'k8s-app': 'kube-proxy' } },
      spec: {
        selector: { matchLabels: { 'k8s-app': 'kube-proxy' } },
        template: {
          metadata: { labels: { 'k8s-app': 'kube-proxy' } },
          spec: {
            containers: [{ name: 'kube-proxy', image: 'registry.k8s.io/kube-proxy:v1.32.4' }],
            hostNetwork: true,
            priorityClassName: 'system-node-critical',
          },
        },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      },
    },
    'apps',
  );
  nodes.forEach((node, i) => {
    s.pod({
      namespace: 'kube-system',
      name: `kube-proxy-${nameSuffix(node, 5)}`,
      node,
      hostIp: nodeIp(i),
      hostNetwork: true,
      priorityClassName: 'system-node-critical',
      labels: {
        'k8s-app': 'kube-proxy',
        'controller-revision-hash': nameSuffix('kube-proxy', 9),
        'pod-template-generation': '1',
      },
      owner: s.owner(proxyDs, 'DaemonSet', 'apps/v1'),
      containers: [{ name: 'kube-proxy', image: 'registry.k8s.io/kube-proxy:v1.32.4' }],
      logLines: { 'kube-proxy': kubeProxyStartupLog(node, nodeIp(i), booted) },
    });
  });
  s.status('DaemonSet', proxyDs, dsStatus(nodes.length), 'apps');

  const coredns = deployment(s, {
    namespace: 'kube-system',
    name: 'coredns',
    labels: { 'k8s-app': 'kube-dns' },
    replicas: 2,
    container: {
      name: 'coredns',
      image: 'registry.k8s.io/coredns/coredns:v1.11.3',
      ports: [
        { containerPort: 53, name: 'dns', protocol: 'UDP' },
        { containerPort: 53, name: 'dns-tcp' },
        { containerPort: 9153, name: 'metrics' },
      ],
    },
    nodes: nodes.slice(1),
    firstIp: 1,
    logLines: [
      '.:53',
      '[INFO] plugin/reload: Running configuration SHA512 = 1b226df79860026c6a52e67daa10d7f0d57ec5b023288ec00c5e05f93523c894564e15b91770d3a07ae1cfbe861d15b37d4a0027e69c546ab112970993a3b03b',
      'CoreDNS-1.11.3',
      'linux/amd64, go1.21.11, a6338e9',
    ],
  });
  void coredns;

  s.put('Service', {
    metadata: {
      name: 'kubernetes',
      namespace: 'default',
      labels: { component: 'apiserver', provider: 'kubernetes' },
    },
    spec: {
      clusterIP: '10.96.0.1',
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }],
      type: 'ClusterIP',
    },
  });
  s.put('Endpoints', {
    metadata: {
      name: 'kubernetes',
      namespace: 'default',
      labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' },
    },
    subsets: [{ addresses: [{ ip: cpIp }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }],
  });
  s.put(
    'EndpointSlice',
    {
      metadata: {
        name: 'kubernetes',
        namespace: 'default',
        labels: { 'kubernetes.io/service-name': 'kubernetes' },
      },
      addressType: 'IPv4',
      endpoints: [{ addresses: [cpIp], conditions: { ready: true } }],
      ports: [{ name: 'https', port: 6443, protocol: 'TCP' }],
    },
    'discovery.k8s.io',
  );
  service(s, {
    namespace: 'kube-system',
    name: 'kube-dns',
    clusterIP: '10.96.0.10',
    selector: { 'k8s-app': 'kube-dns' },
    ports: [
      { name: 'dns', port: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 53, protocol: 'TCP' },
      { name: 'metrics', port: 9153, protocol: 'TCP' },
    ],
  });

  s.put('ConfigMap', {
    metadata: { name: 'coredns', namespace: 'kube-system' },
    data: {
      Corefile:
        '.:53 {\n    errors\n    health {\n       lameduck 5s\n    }\n    ready\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n       ttl 30\n    }\n    prometheus :9153\n    forward . /etc/resolv.conf {\n       max_concurrent 1000\n    }\n    cache 30\n    loop\n    reload\n    loadbalance\n}\n',
    },
  });
  s.put('ConfigMap', {
    metadata: { name: 'kube-proxy', namespace: 'kube-system', labels: { app: 'kube-proxy' } },
    data: {
      'config.conf':
        'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: iptables\niptables:\n  syncPeriod: 30s\n  minSyncPeriod: 1s\n',
    },
  });

  // Application workloads: `web` is guarded by a PDB and keeps a cache in an emptyDir.
  deployment(s, {
    namespace: 'shop',
    name: 'web',
    labels: { app: 'web' },
    replicas: 3,
    container: { name: 'web', image: 'nginx:1.27.3', ports: [{ containerPort: 8080, name: 'http' }] },
    nodes: nodes.slice(1),
    firstIp: 20,
    emptyDir: true,
    logLines: [
      '10.244.1.1 - - "GET /healthz HTTP/1.1" 200 2',
      '10.244.2.7 - - "GET /cart HTTP/1.1" 200 5120',
    ],
  });
  service(s, {
    namespace: 'shop',
    name: 'web',
    selector: { app: 'web' },
    ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }],
  });
  s.put(
    'PodDisruptionBudget',
    {
      metadata: { name: 'web', namespace: 'shop' },
      spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } },
    },
    'policy',
  );
  deployment(s, {
    namespace: 'shop',
    name: 'checkout',
    labels: { app: 'checkout' },
    replicas: 2,
    container: {
      name: 'checkout',
      image: 'ghcr.io/example/checkout:2.4.1',
      ports: [{ containerPort: 9000, name: 'http' }],
    },
    nodes: nodes.slice(1).reverse(),
    firstIp: 40,
    logLines: ['{"level":"info","msg":"listening","addr":":9000"}'],
  });
  service(s, {
    namespace: 'shop',
    name: 'checkout',
    selector: { app: 'checkout' },
    ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 9000 }],
  });

  for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'shop']) {
    s.put('ConfigMap', {
      metadata: { name: 'kube-root-ca.crt', namespace: ns },
      data: { 'ca.crt': '-----BEGIN CERTIFICATE-----\n(simulated)\n-----END CERTIFICATE-----\n' },
    });
  }
  return { nodes };
}

function dsStatus(n: number) {
  return {
    currentNumberScheduled: n,
    desiredNumberScheduled: n,
    numberAvailable: n,
    numberMisscheduled: 0,
    numberReady: n,
    observedGeneration: 1,
    updatedNumberScheduled: n,
  };
}

function deployment(
  s: ClusterSeeder,
  d: {
    namespace: string;
    name: string;
    labels: Record<string, string>;
    replicas: number;
    container: ContainerInput;
    nodes: string[];
    firstIp: number;
    emptyDir?: boolean;
    logLines?: string[];
  },
): KubeObject {
  const hash = nameSuffix(`${d.namespace}/${d.name}`, 10);
  const template = {
    metadata: { labels: d.labels },
    spec: {
      containers: [d.container],
      ...(d.emptyDir ? { volumes: [{ name: 'cache', emptyDir: {} }] } : {}),
    },
  };
  const dep = s.put(
    'Deployment',
    {
      metadata: {
        name: d.name,
        namespace: d.namespace,
        labels: d.labels,
        annotations: { 'deployment.kubernetes.io/revision': '1' },
      },
      spec: {
        replicas: d.replicas,
        selector: { matchLabels: d.labels },
        template,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
      },
    },
    'apps',
  );
  const rsLabels = { ...d.labels, 'pod-template-hash': hash };
  const rs = s.put(
    'ReplicaSet',
    {
      metadata: {
        name: `${d.name}-${hash}`,
        namespace: d.namespace,
        labels: rsLabels,
        annotations: {
          'deployment.kubernetes.io/desired-replicas': String(d.replicas),
          'deployment.kubernetes.io/max-replicas': String(d.replicas + 1),
          'deployment.kubernetes.io/revision': '1',
        },
        ownerReferences: [
          { ...s.owner(dep, 'Deployment', 'apps/v1'), controller: true, blockOwnerDeletion: true },
        ],
      },
      spec: {
        replicas: d.replicas,
        selector: { matchLabels: rsLabels },
        template: { ...template, metadata: { labels: rsLabels } },
      },
    },
    'apps',
  );
  for (let i = 0; i < d.replicas; i++) {
    const node = d.nodes[i % d.nodes.length];
    const nodeIndex = Number(node.split('-').at(-1));
    s.pod({
      namespace: d.namespace,
      name: `${d.name}-${hash}-${nameSuffix(`${d.name}${i}`, 5)}`,
      node,
      hostIp: `10.0.0.${10 + nodeIndex}`,
      labels: rsLabels,
      owner: s.owner(rs, 'ReplicaSet', 'apps/v1'),
      containers: [d.container],
      emptyDir: d.emptyDir,
      logLines: d.logLines ? { [d.container.name]: d.logLines } : undefined,
    });
  }
  const status = {
    observedGeneration: 1,
    replicas: d.replicas,
    readyReplicas: d.replicas,
    availableReplicas: d.replicas,
  };
  s.status('ReplicaSet', rs, { ...status, fullyLabeledReplicas: d.replicas }, 'apps');
  return s.status(
    'Deployment',
    dep,
    {
      ...status,
      updatedReplicas: d.replicas,
      conditions: [
        {
          type: 'Available',
          status: 'True',
          reason: 'MinimumReplicasAvailable',
          message: 'Deployment has minimum availability.',
        },
        {
          type: 'Progressing',
          status: 'True',
          reason: 'NewReplicaSetAvailable',
          message: `ReplicaSet "${rs.metadata.name}" has successfully progressed.`,
        },
      ],
    },
    'apps',
  );
}

function service(
  s: ClusterSeeder,
  svc: {
    namespace: string;
    name: string;
    clusterIP?: string;
    selector: Record<string, string>;
    ports: { name: string; port: number; protocol: string; targetPort?: number }[];
  },
): void {
  const created = s.put('Service', {
    metadata: { name: svc.name, namespace: svc.namespace, labels: svc.selector },
    spec: {
      ...(svc.clusterIP ? { clusterIP: svc.clusterIP } : {}),
      selector: svc.selector,
      ports: svc.ports,
      type: 'ClusterIP',
    },
  });
  serviceEndpoints(s, created, svc);
}

interface PodEndpointView {
  metadata: KubeObject['metadata'];
  spec?: { nodeName?: string };
  status?: { podIP?: string };
}

/**
 * What the endpoints and endpointslice controllers write for a Service at seed time: the
 * addresses of the pods its selector picks (all Ready here), with target ports resolved.
 */
function serviceEndpoints(
  s: ClusterSeeder,
  created: KubeObject,
  svc: {
    namespace: string;
    name: string;
    selector: Record<string, string>;
    ports: { name: string; port: number; protocol: string; targetPort?: number }[];
  },
): void {
  const pods = (s.list('Pod', svc.namespace) as PodEndpointView[]).filter((p) =>
    Object.entries(svc.selector).every(([k, v]) => p.metadata.labels?.[k] === v),
  );
  const ports = svc.ports.map((p) => ({ name: p.name, port: p.targetPort ?? p.port, protocol: p.protocol }));
  const targetRef = (p: PodEndpointView) => ({
    kind: 'Pod',
    namespace: svc.namespace,
    name: p.metadata.name,
    uid: p.metadata.uid,
  });
  s.put('Endpoints', {
    metadata: { name: svc.name, namespace: svc.namespace, labels: svc.selector },
    subsets: pods.length
      ? [
          {
            addresses: pods.map((p) => ({
              ip: p.status?.podIP,
              nodeName: p.spec?.nodeName,
              targetRef: targetRef(p),
            })),
            ports,
          },
        ]
      : [],
  });
  s.put(
    'EndpointSlice',
    {
      metadata: {
        name: `${svc.name}-${nameSuffix(svc.name, 5)}`,
        namespace: svc.namespace,
        labels: {
          ...svc.selector,
          'kubernetes.io/service-name': svc.name,
          'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
        },
        ownerReferences: [
          { ...s.owner(created, 'Service', 'v1'), controller: true, blockOwnerDeletion: true },
        ],
      },
      addressType: 'IPv4',
      endpoints: pods.map((p) => ({
        addresses: [p.status?.podIP],
        conditions: { ready: true, serving: true, terminating: false },
        nodeName: p.spec?.nodeName,
        targetRef: targetRef(p),
      })),
      ports,
    },
    'discovery.k8s.io',
  );
}

/** What kube-proxy v1.32 logs at start-up in iptables mode (klog text format). */
function kubeProxyStartupLog(node: string, ip: string, atMs: number): string[] {
  const d = new Date(atMs);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const head = (level: string, file: string) =>
    `${level}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}000       1 ${file}]`;
  return [
    `${head('I', 'server_linux.go:66')} "Using iptables proxy"`,
    `${head('I', 'server.go:698')} "Successfully retrieved node IP(s)" IPs=["${ip}"]`,
    `${head('I', 'server.go:234')} "Kube-proxy configuration may be incomplete or incorrect" err="nodePortAddresses is unset; NodePort connections will be accepted on all local IPs. Consider using \`--nodeport-addresses primary\`"`,
    `${head('I', 'server_linux.go:170')} "Using iptables Proxier"`,
    `${head('I', 'proxier.go:255')} "Setting route_localnet=1 to allow node-ports on localhost; to change this either disable iptables.localhostNodePorts (--iptables-localhost-nodeports) or set nodePortAddresses (--nodeport-addresses) to filter loopback addresses" ipFamily="IPv4"`,
    `${head('I', 'server.go:497')} "Version info" version="v1.32.4"`,
    `${head('I', 'config.go:199')} "Starting service config controller"`,
    `${head('I', 'config.go:105')} "Starting endpoint slice config controller"`,
    `${head('I', 'config.go:329')} "Starting node config controller"`,
    `${head('I', 'shared_informer.go:320')} "Caches are synced for node config"`,
    `${head('I', 'shared_informer.go:320')} "Caches are synced for service config"`,
    `${head('I', 'shared_informer.go:320')} "Caches are synced for endpoint slice config"`,
    `${head('I', 'proxier.go:810')} "SyncProxyRules complete" node="${node}"`,
  ];
}

/**
 * Builds a running cluster from a scenario's `cluster` and `workloads`: its node pools with
 * their versions, kernels and runtimes; kube-system (the service proxy as a DaemonSet, cluster
 * DNS as a Deployment that itself needs the API); the `kubernetes` and DNS Services; every
 * workload with its Service and PDB; and the behaviour model that keeps it alive (kubelets,
 * node lifecycle, scheduler, ReplicaSet/Deployment/DaemonSet/EndpointSlice and disruption
 * controllers, kube-proxy per node). Containers' needs stay in here, never in objects: a
 * real cluster does not label pods with what they depend on.
 *
 * The timeline (faults and operator actions) is applied by the scenario runner on top,
 * through the handles returned here: nodes added and removed, programs' own failures.
 */
import type { Clock, Timer } from '../../time/clock.ts';
import { seededRandom } from '../../time/virtual-clock.ts';
import type { ClusterIpAllocator } from '../api/admission.ts';
import { admitCreate } from '../api/admission.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import type { NodeProxyRegistry } from '../api/node-proxy.ts';
import type { PodLogBook } from '../api/pod-log-book.ts';
import { resourceForKind } from '../api/resources.ts';
import type { ContainerNeeds, ExecLivenessProbe, OwnFailure } from '../behaviour/container-runtime.ts';
import { DaemonSetController } from '../behaviour/daemonset-controller.ts';
import { Dependencies, type Need } from '../behaviour/dependencies.ts';
import { DeploymentController } from '../behaviour/deployment-controller.ts';
import { EndpointSliceController } from '../behaviour/endpointslice-controller.ts';
import { ImageRegistries } from '../behaviour/image-registry.ts';
import { KubeProxyModel } from '../behaviour/kube-proxy.ts';
import { KubeletModel } from '../behaviour/kubelet.ts';
import {
  type ContainerMemory,
  defaultContainerUsageBytes,
  type MemoryGrowth,
  nodeMemory,
  parseBytes,
  parseRate,
} from '../behaviour/memory.ts';
import { NodeLifecycleController } from '../behaviour/node-lifecycle-controller.ts';
import {
  defaultDiskCapacityBytes,
  defaultPidMax,
  defaultSystemDiskBytes,
  defaultUnusedImageBytes,
  evictionHard,
  type StorageGrowth,
} from '../behaviour/node-storage.ts';
import type { PodNetwork } from '../behaviour/pod-network.ts';
import type { SandboxNetwork } from '../behaviour/pod-sandbox.ts';
import { ReplicaSetController } from '../behaviour/replicaset-controller.ts';
import { Scheduler } from '../behaviour/scheduler.ts';
import { kubeletEndpoints } from '../cluster/node-endpoints.ts';
import { nodeLease, nodeObject } from '../cluster/objects.ts';
import { startDisruptionController } from '../controllers/disruption.ts';
import { nodeName } from '../scenario/catalog.ts';
import type { Container, NodePool, Scenario } from '../scenario/schema.ts';
import { parseDuration, resolveInstant } from '../scenario/time-spec.ts';
import { type ObjectStore, parsedEntry } from '../store/object-store.ts';
import { putIngressObjects } from './ingress-objects.ts';
import { kubeadmControlPlaneRole, minorOf } from './kubeadm-roles.ts';
import { installCniAgent, startPodNetworking } from './pod-networking.ts';

const podType = resourceForKind('Pod')!;
const nodeType = resourceForKind('Node')!;
const leaseType = resourceForKind('Lease', 'coordination.k8s.io')!;
const sliceType = resourceForKind('EndpointSlice', 'discovery.k8s.io')!;

export interface WorldParts {
  store: ObjectStore;
  clock: Clock;
  logs: PodLogBook;
  nodeProxy: NodeProxyRegistry;
  clusterIps: ClusterIpAllocator;
}

export interface ScenarioWorld {
  deps: Dependencies;
  /** Cross-node pod routing and the CNI's address management, when the scenario models them. */
  podNetwork?: PodNetwork;
  sandboxNetwork?: SandboxNetwork;
  kubelets: Map<string, KubeletModel>;
  kubeProxies: Map<string, KubeProxyModel>;
  /** The container registries the kubelets pull from; registry faults break them. */
  registries: ImageRegistries;
  /** Node name → its pool's name. */
  pools: Map<string, string>;
  /** Node name → the cgroup hierarchy its OS mounts; ground truth no Node object shows. */
  cgroups: Map<string, 'v1' | 'v2'>;
  /** The scenario's seeded dice, shared by everything that decides at random. */
  random: () => number;
  /** A new machine joins `pool` (autoscaler, replacement); returns its node name. */
  addNode(
    pool: string,
    o?: { image?: string; kernel?: string; osImage?: string; kubeletVersion?: string },
  ): string;
  /** The machine is gone: its Node and Lease are deleted and its pods garbage-collected. */
  removeNode(name: string): void;
  /** Makes a workload's container fail for its own reasons (per pod), or stop failing. */
  setOwnFailure(
    workload: string,
    container: string,
    f: ((pod: string) => OwnFailure | undefined) | undefined,
  ): void;
  /** What a pod's container needs, and what it does when a need fails. */
  needsOf(pod: KubeObject, container: string): ContainerNeeds;
  /**
   * A workload's containers (one, or all when unset) start leaking `bytesPerMs` now, under
   * `id`; `stop` ends that leak (memory already taken stays until a restart).
   */
  startMemoryLeak(id: string, workload: string, container: string | undefined, bytesPerMs: number): void;
  stopMemoryLeak(id: string): void;
  /**
   * A workload's containers (one, or all when unset) start writing to disk or leaking
   * processes at `perMs` now, under `id`; `stop` ends it (what was taken stays).
   */
  startStorageGrowth(
    id: string,
    workload: string,
    container: string | undefined,
    into: StorageGrowth['into'],
    perMs: number,
  ): void;
  stopStorageGrowth(id: string): void;
  /**
   * A host process on `node` (outside any pod) starts writing `perMs` to the node's root
   * filesystem now, under `id`; `stop` ends it and frees what it wrote (the files deleted).
   */
  startHostDiskGrowth(id: string, node: string, perMs: number, writtenBytes?: number): void;
  stopHostDiskGrowth(id: string, node: string): void;
  /** Listeners told about every node added, for faults that follow an image to new machines. */
  onNodeAdded(listener: (name: string) => void): () => void;
  onNodeRemoved(listener: (name: string) => void): () => void;
  stop(): void;
}

/** Versions in scenarios are `v1.28.2` or `1.28.2`; images and nodeInfo want the v-form. */
function v(version: string): string {
  return version.startsWith('v') ? version : `v${version}`;
}

export function buildScenarioWorld(s: Scenario, parts: WorldParts): ScenarioWorld {
  const { store, clock, logs, nodeProxy, clusterIps } = parts;
  const random = seededRandom(s.seed);
  /** Creations the story schedules (a DaemonSet deployed later), cancelled on stop. */
  const later: Timer[] = [];
  const put = (kind: string, o: KubeObject, group = '') => {
    const r = resourceForKind(kind, group)!;
    admitCreate(r, o, clusterIps);
    // Objects made later (a machine joining its pool) are as new as the moment they join.
    return store.create(r, o, { createdAtMs: clock.now() });
  };

  const namespaces = new Set([
    'default',
    'kube-system',
    'kube-public',
    'kube-node-lease',
    ...s.workloads.namespaces.map((n) => n.name),
  ]);
  const nsLabels = new Map(s.workloads.namespaces.map((n) => [n.name, n.labels]));
  for (const ns of namespaces) {
    const labels = nsLabels.get(ns);
    put('Namespace', { metadata: { name: ns, ...(labels && Object.keys(labels).length ? { labels } : {}) } });
  }

  // What each container needs, by `namespace/workload/container`; pods find theirs by label.
  const needs = new Map<string, ContainerNeeds>();
  const remember = (ns: string, workload: string, c: Container) => {
    rememberMemory(`${ns}/${workload}/${c.name}`, c);
    const giveUp = c.giveUpAfter ? parseDuration(c.giveUpAfter) : undefined;
    needs.set(`${ns}/${workload}/${c.name}`, {
      needs: c.needs as Need[],
      onFailure: c.onNeedFailure,
      giveUpAfterMs: giveUp,
      // Programs that talk to the API server are client-go programs; their errors read so.
      logStyle: c.needs.some((n) => n === 'api' || n.startsWith('api:')) ? 'client-go' : 'plain',
      execLiveness: execLiveness(c.liveness),
    });
  };
  const ownFailures = new Map<string, (pod: string) => OwnFailure | undefined>();

  // What each declared container uses when it says so, by `namespace/workload/container`;
  // what it asks for and may use is read from each pod's own spec (memoryOf).
  const memory = new Map<string, { usageBytes?: number; cgroupV1OnlyPerMs?: number }>();
  const cgroups = new Map<string, 'v1' | 'v2'>();
  const declaredGrowth = new Map<string, MemoryGrowth>();
  const leaks = new Map<string, { key: string; growth: MemoryGrowth }>();
  const rememberMemory = (key: string, c: Container) => {
    const v1Only = c.usage?.cgroupV1Only;
    memory.set(key, {
      usageBytes: parseBytes(c.usage?.memory),
      cgroupV1OnlyPerMs: v1Only ? parseRate(v1Only.rate) : undefined,
    });
    const growth = c.usage?.growth;
    if (growth)
      declaredGrowth.set(key, {
        bytesPerMs: parseRate(growth.rate) ?? 0,
        fromMs: growth.from
          ? (resolveInstant(growth.from, Date.parse(s.start)) ?? Date.parse(s.start))
          : Date.parse(s.start),
      });
  };
  const noGrowth: MemoryGrowth[] = [];
  const growthOf = (key: string): MemoryGrowth[] => {
    if (leaks.size === 0 && declaredGrowth.size === 0) return noGrowth;
    const out: MemoryGrowth[] = [];
    const declared = declaredGrowth.get(key);
    if (declared) out.push(declared);
    for (const l of leaks.values()) if (l.key === key || key.startsWith(`${l.key}/`)) out.push(l.growth);
    return out;
  };
  // Disk writes and process leaks by `namespace/workload[/container]`, from the faults.
  const storageGrowth = new Map<string, { key: string; growth: StorageGrowth }>();
  /** Host writers by node, then by fault: bytes per ms since a time. */
  const hostDiskGrowth = new Map<string, Map<string, { perMs: number; fromMs: number; written: number }>>();
  const hostWritten = (node: string, nowMs: number): number => {
    let bytes = 0;
    for (const g of hostDiskGrowth.get(node)?.values() ?? [])
      bytes += g.written + g.perMs * Math.max(0, nowMs - g.fromMs);
    return Math.floor(bytes);
  };
  const storageOf = (pod: KubeObject, container: string): StorageGrowth[] => {
    if (storageGrowth.size === 0) return [];
    const key = `${pod.metadata.namespace}/${pod.metadata.labels?.['app.kubernetes.io/name'] ?? ''}/${container}`;
    const out: StorageGrowth[] = [];
    for (const g of storageGrowth.values())
      if (g.key === key || key.startsWith(`${g.key}/`)) out.push(g.growth);
    return out;
  };
  const memoryOf = (pod: KubeObject, container: string): ContainerMemory => {
    const key = `${pod.metadata.namespace}/${pod.metadata.labels?.['app.kubernetes.io/name'] ?? ''}/${container}`;
    const declared = memory.get(key);
    // Blind to its limit on a cgroup v2 node, the runtime's heap grows from each start.
    const blind =
      declared?.cgroupV1OnlyPerMs && cgroups.get((pod as PodResourcesView).spec?.nodeName ?? '') === 'v2'
        ? { bytesPerMs: declared.cgroupV1OnlyPerMs, fromMs: 0 }
        : undefined;
    const growth = blind ? () => [...growthOf(key), blind] : () => growthOf(key);
    if (!declared) return { steadyBytes: defaultContainerUsageBytes, growth };
    // The pod's own requests and limits: pods of a changed template (set-resources) carry new ones.
    const r = (pod as PodResourcesView).spec?.containers?.find((c) => c.name === container)?.resources;
    const limitBytes = parseBytes(r?.limits?.memory);
    // The API server defaults a request to its limit when only the limit is set.
    const requestBytes = parseBytes(r?.requests?.memory) ?? limitBytes;
    return {
      requestBytes,
      limitBytes,
      steadyBytes: declared.usageBytes ?? requestBytes ?? defaultContainerUsageBytes,
      growth,
    };
  };
  const needsOf = (pod: KubeObject, container: string): ContainerNeeds => {
    const workload = `${pod.metadata.namespace}/${pod.metadata.labels?.['app.kubernetes.io/name'] ?? ''}`;
    const declared = needs.get(`${workload}/${container}`) ?? { needs: [] };
    const podName = pod.metadata.name ?? '';
    // A program told to dial the API server's own address (the Runway workaround) no
    // longer depends on service routing: client-go reads KUBERNETES_SERVICE_HOST.
    const env = (pod as PodEnvView).spec?.containers?.find((c) => c.name === container)?.env ?? [];
    const host = env.find((e) => e.name === 'KUBERNETES_SERVICE_HOST')?.value;
    const direct = host !== undefined && host !== s.cluster.controlPlane.serviceIp;
    return {
      ...declared,
      needs: direct ? declared.needs.map((n) => (n === 'api' ? 'api-endpoint' : n)) : declared.needs,
      ownFailure: () => ownFailures.get(`${workload}/${container}`)?.(podName),
    };
  };

  // Every container's needs are checked on each change; the answers only move with the store.
  // Only pods and EndpointSlices move them, not the lease and event churn.
  const memoized = new Map<string, unknown>();
  let inputsVersion = 0;
  let memoVersion = -1;
  const bump = (): void => {
    inputsVersion++;
  };
  const offInputs = [store.subscribe(podType.storage, bump), store.subscribe(sliceType.storage, bump)];
  const memo = <T>(key: string, compute: () => T): T => {
    if (memoVersion !== inputsVersion) {
      memoized.clear();
      memoVersion = inputsVersion;
    }
    let v = memoized.get(key) as T | undefined;
    if (v === undefined) {
      v = compute();
      memoized.set(key, v);
    }
    return v;
  };
  const endpoint = new URL(s.cluster.controlPlane.endpoint);
  const apiPort = Number(endpoint.port || 443);
  const facts = {
    apiServerUp: true,
    apiWritable: true,
    apiVip: s.cluster.controlPlane.serviceIp,
    dnsIp: s.cluster.dns.serviceIp,
    apiEndpoint: `${endpoint.hostname}:${apiPort}`,
    dnsServing: () => memo('dns', () => readyPods('kube-system', 'k8s-app', 'kube-dns') > 0),
    serviceHasEndpoints: (svc: string) =>
      memo(`svc:${svc}`, () => {
        const [ns, name] = svc.split('/');
        return store
          .list(sliceType, {
            namespace: ns,
            filter: (e) => e.labels?.['kubernetes.io/service-name'] === name,
          })
          .entries.some((e) =>
            (parsedEntry(e) as { endpoints?: { conditions?: { ready?: boolean } }[] }).endpoints?.some(
              (x) => x.conditions?.ready,
            ),
          );
      }),
  };
  const readyPods = (ns: string, key: string, value: string) =>
    store
      .list(podType, { namespace: ns, filter: (e) => e.labels?.[key] === value && !e.terminating })
      .entries.filter((e) =>
        (
          parsedEntry(e) as { status?: { conditions?: { type: string; status: string }[] } }
        ).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      ).length;
  const deps = new Dependencies(facts);
  const networkParts = {
    store,
    clock,
    random,
    deps,
    facts: deps.cluster,
    put,
    daemonSet,
    memo,
    setNeeds: (key: string, n: ContainerNeeds) => needs.set(key, n),
  };
  const network = startPodNetworking(s, networkParts);
  const registries = new ImageRegistries(random);

  // Nodes, pool by pool, spread over the pool's zones.
  const kubelets = new Map<string, KubeletModel>();
  const kubeProxies = new Map<string, KubeProxyModel>();
  const pools = new Map<string, string>();
  let nodeIndex = 0;
  const nextIndex = new Map<string, number>();
  let running = false;
  const added = new Set<(name: string) => void>();
  const removed = new Set<(name: string) => void>();
  const createNode = (
    pool: NodePool,
    o: { image?: string; kernel?: string; osImage?: string; kubeletVersion?: string } = {},
  ): string => {
    const i = nextIndex.get(pool.name) ?? 0;
    nextIndex.set(pool.name, i + 1);
    const name = nodeName(pool, i);
    cgroups.set(name, pool.cgroup);
    nodeIndex++;
    const ip = `10.240.${(nodeIndex >> 8) & 255}.${nodeIndex & 255}`;
    const zones = pool.zones ?? ['zone-a'];
    const image = o.image ?? pool.image;
    put(
      'Node',
      nodeObject({
        name,
        ip,
        controlPlane: pool.role === 'control-plane',
        // A self-managed control plane is labelled by its installer (kubeadm) at its version.
        role: s.cluster.controlPlane.managed
          ? undefined
          : kubeadmControlPlaneRole(minorOf(s.cluster.kubernetesVersion)),
        kubeletVersion: v(o.kubeletVersion ?? pool.kubeletVersion),
        kernelVersion: o.kernel ?? pool.kernel,
        osImage: o.osImage ?? pool.osImage,
        containerRuntime: pool.containerRuntime,
        pool: pool.name,
        distribution: s.cluster.distribution,
        zone: zones[i % zones.length],
        labels: { ...pool.labels, ...(image ? { 'kubetriage.io/node-image': image } : {}) },
        taints: pool.taints,
        capacity: pool.capacity,
        nowMs: clock.now(),
      }),
    );
    put('Lease', nodeLease(name, clock.now()), 'coordination.k8s.io');
    pools.set(name, pool.name);
    const kubelet = new KubeletModel({
      node: name,
      nodeIp: ip,
      store,
      clock,
      random,
      deps,
      logs,
      needsOf,
      memoryOf,
      memoryCapacityBytes: nodeMemory(pool.capacity?.memory).capacityBytes,
      storage: {
        capacityBytes: parseBytes(pool.capacity?.ephemeralStorage) ?? defaultDiskCapacityBytes,
        systemBytes: parseBytes(pool.disk?.used) ?? defaultSystemDiskBytes,
        unusedImageBytes: parseBytes(pool.disk?.unusedImages) ?? defaultUnusedImageBytes,
        pidMax: pool.pidMax ?? defaultPidMax,
        thresholds: evictionHard(pool.evictionHard),
        growthOf: storageOf,
        hostWrittenBytes: (nowMs) => hostWritten(name, nowMs),
        active: () => storageGrowth.size > 0 || (hostDiskGrowth.get(name)?.size ?? 0) > 0,
      },
      sandbox: network?.sandbox,
      registries,
      containerRuntime: pool.containerRuntime,
    });
    kubeletEndpoints(nodeProxy, name, {
      listening: () => kubelet.health.running,
      resourceMetrics: () => kubelet.resourceMetrics?.render(),
    });
    const kubeProxy = new KubeProxyModel({ node: name, store, clock, logs, proxy: nodeProxy, deps, random });
    kubelets.set(name, kubelet);
    kubeProxies.set(name, kubeProxy);
    if (running) {
      kubelet.start();
      kubeProxy.start();
      for (const l of added) l(name);
    }
    return name;
  };
  for (const pool of s.cluster.nodePools) for (let i = 0; i < pool.count; i++) createNode(pool);

  // The API server as pods see it, and cluster DNS.
  put('Service', {
    metadata: {
      name: 'kubernetes',
      namespace: 'default',
      labels: { component: 'apiserver', provider: 'kubernetes' },
    },
    spec: {
      clusterIP: s.cluster.controlPlane.serviceIp,
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: apiPort }],
    },
  });
  // The apiserver's endpoint reconciler publishes where the VIP leads: the address pods
  // bypass the VIP with. Only an IP can be an endpoint; managed control planes behind a
  // hostname get none here.
  if (/^\d+\.\d+\.\d+\.\d+$/.test(endpoint.hostname))
    put(
      'EndpointSlice',
      {
        metadata: {
          name: 'kubernetes',
          namespace: 'default',
          labels: {
            'kubernetes.io/service-name': 'kubernetes',
            'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
          },
        },
        addressType: 'IPv4',
        endpoints: [{ addresses: [endpoint.hostname], conditions: { ready: true } }],
        ports: [{ name: 'https', port: apiPort, protocol: 'TCP' }],
      } as KubeObject,
      'discovery.k8s.io',
    );
  put('Service', {
    metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
    spec: {
      clusterIP: s.cluster.dns.serviceIp,
      selector: { 'k8s-app': 'kube-dns' },
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
      ],
    },
  });

  if (network) installCniAgent(s, networkParts, network);
  const proxy = s.cluster.serviceProxy;
  const proxyName = proxy.kind === 'other' ? 'service-proxy' : proxy.kind;
  // Cilium replacing kube-proxy, or kube-router doing both: the CNI agent's DaemonSet is
  // the service proxy too, so there is no second one.
  if (!store.find(resourceForKind('DaemonSet', 'apps')!, 'kube-system', proxyName))
    put(
      'DaemonSet',
      daemonSet(
        'kube-system',
        proxyName,
        { 'k8s-app': proxyName },
        [{ name: proxyName, image: `registry.k8s.io/${proxyName}:${v(proxy.version)}` }],
        true,
      ),
      'apps',
    );
  // Cluster DNS lists Services and EndpointSlices from the API: it needs the kubernetes VIP.
  const dnsName = s.cluster.dns.kind === 'coredns' ? 'coredns' : 'kube-dns';
  needs.set(`kube-system/${dnsName}/${dnsName === 'coredns' ? 'coredns' : 'kubedns'}`, {
    needs: ['api'],
    onFailure: 'exit',
    logStyle: dnsName === 'coredns' ? 'coredns' : 'client-go',
  });
  put(
    'Deployment',
    deployment('kube-system', dnsName, { 'k8s-app': 'kube-dns' }, s.cluster.dns.replicas, [
      {
        name: dnsName === 'coredns' ? 'coredns' : 'kubedns',
        image: `registry.k8s.io/${dnsName}:${v(s.cluster.dns.version)}`,
      },
    ]),
    'apps',
  );

  for (const ns of s.workloads.namespaces) {
    for (const d of ns.deployments) {
      for (const c of d.containers) remember(ns.name, d.name, c);
      put(
        'Deployment',
        deployment(ns.name, d.name, { app: d.name }, d.replicas, d.containers, d.strategy, d.hostNetwork, d),
        'apps',
      );
      if (d.pdb)
        put(
          'PodDisruptionBudget',
          {
            metadata: { name: d.name, namespace: ns.name },
            spec: { ...d.pdb, selector: { matchLabels: { app: d.name } } },
          },
          'policy',
        );
      if (d.service) put('Service', service(ns.name, d.name, d.service));
    }
    for (const ds of ns.daemonsets) {
      for (const c of ds.containers) remember(ns.name, ds.name, c);
      const create = () => {
        put(
          'DaemonSet',
          daemonSet(ns.name, ds.name, { app: ds.name }, ds.containers, ds.hostNetwork, ds),
          'apps',
        );
        if (ds.service) put('Service', service(ns.name, ds.name, ds.service));
      };
      // A DaemonSet rolled out during the story is created then (`kubectl apply`, a pipeline).
      const deployAt = ds.deployedAt ? resolveInstant(ds.deployedAt, Date.parse(s.start)) : undefined;
      if (deployAt !== undefined && deployAt > clock.now())
        later.push(clock.after(deployAt - clock.now(), create));
      else create();
    }
    // StatefulSets run as Deployments here: identity and storage do not matter to the outages.
    for (const st of ns.statefulsets) {
      for (const c of st.containers) remember(ns.name, st.name, c);
      put(
        'Deployment',
        deployment(
          ns.name,
          st.name,
          { app: st.name },
          st.replicas,
          st.containers,
          undefined,
          st.hostNetwork,
          st,
        ),
        'apps',
      );
      if (st.pdb)
        put(
          'PodDisruptionBudget',
          {
            metadata: { name: st.name, namespace: ns.name },
            spec: { ...st.pdb, selector: { matchLabels: { app: st.name } } },
          },
          'policy',
        );
      if (st.service) put('Service', service(ns.name, st.name, st.service));
    }
  }

  putIngressObjects(s, put, minorOf(s.cluster.kubernetesVersion));

  // Readiness of DNS and endpoints changes what containers get: let them re-check.
  let recheckQueued = false;
  const offPods = store.subscribe(sliceType.storage, () => {
    if (recheckQueued) return;
    recheckQueued = true;
    clock.after(0, () => {
      recheckQueued = false;
      deps.changed();
    });
  });

  const controllers = [
    // It marks nodes NotReady and taints them by writing: with etcd refusing writes
    // (NOSPACE, no quorum) its UpdateStatus calls fail and nodes keep their last status.
    new NodeLifecycleController({ store, clock, apiUp: () => facts.apiServerUp && facts.apiWritable }),
    new Scheduler({ store, clock }),
    new ReplicaSetController({ store, clock }),
    new DeploymentController({ store, clock }),
    new DaemonSetController({ store, clock }),
    new EndpointSliceController({ store, clock }),
  ];
  for (const c of controllers) c.start();
  const stopDisruption = startDisruptionController(store, clock);
  for (const k of kubelets.values()) k.start();
  for (const kp of kubeProxies.values()) kp.start();
  running = true;

  return {
    deps,
    podNetwork: network?.network,
    sandboxNetwork: network?.sandbox,
    kubelets,
    kubeProxies,
    registries,
    pools,
    cgroups,
    random,
    needsOf,
    addNode(poolName, o) {
      const pool = s.cluster.nodePools.find((p) => p.name === poolName);
      if (!pool) throw new Error(`no node pool "${poolName}" in scenario ${s.name}`);
      return createNode(pool, o);
    },
    removeNode(name) {
      kubelets.get(name)?.stop();
      kubeProxies.get(name)?.stop();
      kubelets.delete(name);
      kubeProxies.delete(name);
      pools.delete(name);
      nodeProxy.unregister(name);
      deps.setFaults(name, {}, 'kube-proxy');
      if (store.find(nodeType, '', name)) store.delete(nodeType, '', name);
      if (store.find(leaseType, 'kube-node-lease', name)) store.delete(leaseType, 'kube-node-lease', name);
      // The pod garbage collector force-deletes pods bound to a node that no longer exists.
      for (const e of store.list(podType, { filter: (x) => x.fields['spec.nodeName'] === name }).entries) {
        const pod = store.find(podType, e.namespace, e.name);
        if (pod?.metadata.finalizers?.length)
          store.update(podType, { ...pod, metadata: { ...pod.metadata, finalizers: [] } });
        if (store.find(podType, e.namespace, e.name))
          store.delete(podType, e.namespace, e.name, { gracePeriodSeconds: 0 });
      }
      for (const l of removed) l(name);
    },
    startMemoryLeak(id, workload, container, bytesPerMs) {
      leaks.set(id, {
        key: container ? `${workload}/${container}` : workload,
        growth: { bytesPerMs, fromMs: clock.now() },
      });
      for (const k of kubelets.values()) k.pods?.runtime.memoryChanged();
    },
    stopMemoryLeak(id) {
      const leak = leaks.get(id);
      if (!leak) return;
      leak.growth.untilMs = clock.now();
      for (const k of kubelets.values()) k.pods?.runtime.memoryChanged();
    },
    startStorageGrowth(id, workload, container, into, perMs) {
      storageGrowth.set(id, {
        key: container ? `${workload}/${container}` : workload,
        growth: { into, perMs, fromMs: clock.now() },
      });
    },
    stopStorageGrowth(id) {
      const g = storageGrowth.get(id);
      if (g) g.growth.untilMs = clock.now();
    },
    startHostDiskGrowth(id, node, perMs, writtenBytes = 0) {
      const onNode = hostDiskGrowth.get(node) ?? new Map();
      onNode.set(id, { perMs, fromMs: clock.now(), written: writtenBytes });
      hostDiskGrowth.set(node, onNode);
    },
    stopHostDiskGrowth(id, node) {
      const onNode = hostDiskGrowth.get(node);
      onNode?.delete(id);
      if (onNode?.size === 0) hostDiskGrowth.delete(node);
    },
    setOwnFailure(workload, container, f) {
      if (f) ownFailures.set(`${workload}/${container}`, f);
      else ownFailures.delete(`${workload}/${container}`);
      deps.changed();
    },
    onNodeAdded(l) {
      added.add(l);
      return () => added.delete(l);
    },
    onNodeRemoved(l) {
      removed.add(l);
      return () => removed.delete(l);
    },
    stop() {
      for (const t of later) t.cancel();
      network?.stop();
      for (const off of offInputs) off();
      offPods();
      stopDisruption();
      for (const c of controllers) c.stop();
      for (const k of kubelets.values()) k.stop();
      for (const kp of kubeProxies.values()) kp.stop();
    },
  };
}

interface ContainerLike {
  name: string;
  image: string;
  ports?: number[];
  env?: Record<string, string>;
  resources?: Container['resources'];
  liveness?: Container['liveness'];
}

/** The API server's probe defaults (pkg/apis/core/v1/defaults.go SetDefaults_Probe). */
const probeDefaults = { initialDelaySeconds: 0, timeoutSeconds: 1, periodSeconds: 10, failureThreshold: 3 };

/** A declared exec liveness probe whose command's running time the scenario gives. */
function execLiveness(p: Container['liveness']): ExecLivenessProbe | undefined {
  if (p?.kind !== 'exec' || !p.runsFor) return undefined;
  const t = { ...probeDefaults, ...p };
  return {
    command: p.command,
    initialDelayMs: t.initialDelaySeconds * 1000,
    periodMs: t.periodSeconds * 1000,
    timeoutMs: t.timeoutSeconds * 1000,
    failureThreshold: t.failureThreshold,
    runsForMs: parseDuration(p.runsFor) ?? 0,
  };
}

/**
 * A liveness probe as the pod spec carries it, the API server's defaults filled in. Written
 * for exec probes whose running time the scenario gives (what the prober acts on here);
 * other declared probes are not yet part of the pod spec.
 */
function livenessProbeSpec(p: NonNullable<Container['liveness']>): Record<string, unknown> {
  const action =
    p.kind === 'exec'
      ? { exec: { command: [...p.command] } }
      : p.kind === 'http'
        ? { httpGet: { path: p.path, port: p.port, scheme: 'HTTP' } }
        : { tcpSocket: { port: p.port } };
  return {
    ...action,
    initialDelaySeconds: p.initialDelaySeconds ?? probeDefaults.initialDelaySeconds,
    timeoutSeconds: p.timeoutSeconds ?? probeDefaults.timeoutSeconds,
    periodSeconds: p.periodSeconds ?? probeDefaults.periodSeconds,
    successThreshold: 1,
    failureThreshold: p.failureThreshold ?? probeDefaults.failureThreshold,
  };
}

/** A container's resources as the pod spec carries them: requests and limits. */
function podResources(r: Container['resources']): Record<string, unknown> | undefined {
  if (!r) return undefined;
  // The API server defaults a request it is not given to its limit.
  const cpu = r.cpu ?? r.limits?.cpu;
  const memory = r.memory ?? r.limits?.memory;
  const requests = { ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) };
  const limits = {
    ...(r.limits?.cpu ? { cpu: r.limits.cpu } : {}),
    ...(r.limits?.memory ? { memory: r.limits.memory } : {}),
  };
  return {
    ...(Object.keys(limits).length ? { limits } : {}),
    ...(Object.keys(requests).length ? { requests } : {}),
  };
}

interface PodResourcesView {
  spec?: {
    nodeName?: string;
    containers?: {
      name: string;
      resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
    }[];
  };
}

interface PodEnvView {
  spec?: { containers?: { name: string; env?: { name: string; value?: string }[] }[] };
}

/**
 * Where a workload's pods may run, as its pod template says: the nodes its nodeSelector
 * picks, the taints it tolerates, its priority class. The scheduler and the DaemonSet
 * controller read these from the pods, so a workload pinned to a pool lands on that pool.
 */
export interface Placement {
  nodeSelector?: Record<string, string>;
  tolerations?: readonly {
    key?: string;
    operator?: string;
    value?: string;
    effect?: string;
    tolerationSeconds?: number;
  }[];
  priorityClassName?: string;
}

function placementSpec(p: Placement | undefined): Record<string, unknown> {
  if (!p) return {};
  // A toleration as the API server keeps it: the fields given, nothing undefined.
  const tolerations = (p.tolerations ?? []).map((t) =>
    Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined)),
  );
  return {
    ...(p.nodeSelector && Object.keys(p.nodeSelector).length ? { nodeSelector: { ...p.nodeSelector } } : {}),
    ...(tolerations.length ? { tolerations } : {}),
    ...(p.priorityClassName ? { priorityClassName: p.priorityClassName } : {}),
  };
}

function podSpec(
  containers: readonly ContainerLike[],
  hostNetwork = false,
  placement?: Placement,
): Record<string, unknown> {
  return {
    ...placementSpec(placement),
    containers: containers.map((c) => ({
      name: c.name,
      image: c.image,
      ...(c.ports?.length ? { ports: c.ports.map((p) => ({ containerPort: p, protocol: 'TCP' })) } : {}),
      ...(c.env ? { env: Object.entries(c.env).map(([name, value]) => ({ name, value })) } : {}),
      ...(c.resources ? { resources: podResources(c.resources) } : {}),
      ...(c.liveness?.kind === 'exec' && c.liveness.runsFor
        ? { livenessProbe: livenessProbeSpec(c.liveness) }
        : {}),
    })),
    ...(hostNetwork ? { hostNetwork: true } : {}),
  };
}

function deployment(
  ns: string,
  name: string,
  labels: Record<string, string>,
  replicas: number,
  containers: readonly ContainerLike[],
  strategy?: { maxSurge?: number | string; maxUnavailable?: number | string },
  hostNetwork = false,
  placement?: Placement,
): KubeObject {
  const podLabels = { ...labels, 'app.kubernetes.io/name': name };
  return {
    metadata: { name, namespace: ns, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels: podLabels }, spec: podSpec(containers, hostNetwork, placement) },
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: {
          maxSurge: strategy?.maxSurge ?? '25%',
          maxUnavailable: strategy?.maxUnavailable ?? '25%',
        },
      },
    },
  };
}

function daemonSet(
  ns: string,
  name: string,
  labels: Record<string, string>,
  containers: readonly ContainerLike[],
  hostNetwork = false,
  placement?: Placement,
): KubeObject {
  const podLabels = { ...labels, 'app.kubernetes.io/name': name };
  return {
    metadata: { name, namespace: ns, labels },
    spec: {
      selector: { matchLabels: labels },
      template: { metadata: { labels: podLabels }, spec: podSpec(containers, hostNetwork, placement) },
    },
  };
}

function service(
  ns: string,
  workload: string,
  svc: {
    name?: string;
    type: string;
    ports: { port: number; targetPort?: number; protocol: string; name?: string }[];
  },
): KubeObject {
  return {
    metadata: { name: svc.name ?? workload, namespace: ns, labels: { app: workload } },
    spec: {
      type: svc.type,
      selector: { app: workload },
      ports: svc.ports.map((p, i) => ({
        name: p.name ?? `port-${i}`,
        port: p.port,
        targetPort: p.targetPort ?? p.port,
        protocol: p.protocol,
      })),
    },
  };
}

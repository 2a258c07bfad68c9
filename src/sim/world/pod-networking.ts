/**
 * Installs the scenario's CNI plugin when `cluster.cni.mode` asks for a modelled pod
 * network: the agent DaemonSet on every node (calico-node's readiness follows its BGP
 * sessions), Calico's BGPConfiguration, BGPPeers and IPPool as the API serves them, the
 * route-reflector annotation on the nodes that hold a cluster ID, the reachability model
 * the dependency checks consult, and the IPAM that sandboxes draw addresses from. Without
 * a mode nothing here runs and the pod network stays flat, as the older scenarios expect.
 *
 * The kubelet prober's `Unhealthy` events for an unready calico-node are written here too,
 * every 30 s while it stays unready (the prober runs every 10 s; the recorder folds repeats
 * into one Event with a count either way).
 */
import type { Clock, Timer } from '../../time/clock.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import { parseCalicoSelector } from '../behaviour/calico-selector.ts';
import type { ContainerNeeds } from '../behaviour/container-runtime.ts';
import type { ClusterFacts, Dependencies } from '../behaviour/dependencies.ts';
import { recordEvent } from '../behaviour/events.ts';
import { PodNetwork } from '../behaviour/pod-network.ts';
import { SandboxNetwork } from '../behaviour/pod-sandbox.ts';
import { cniAgent, ipamExhaustedError } from '../cluster/cni-agent.ts';
import type { Scenario } from '../scenario/schema.ts';
import type { ObjectStore } from '../store/object-store.ts';

const nodeType = resourceForKind('Node')!;
const podType = resourceForKind('Pod')!;
const sliceType = resourceForKind('EndpointSlice', 'discovery.k8s.io')!;
const peerType = resourceForKind('BGPPeer', 'crd.projectcalico.org')!;
const bgpConfigType = resourceForKind('BGPConfiguration', 'crd.projectcalico.org')!;

const probeEventEveryMs = 30_000;

/** Bytes each encapsulation adds: VXLAN 50 (outer Ethernet, IP, UDP, VXLAN), IPIP 20. */
const overhead = { overlay: 50, bgp: 0, vpc: 0 } as const;

export interface PodNetworking {
  network: PodNetwork;
  sandbox: SandboxNetwork | undefined;
  stop(): void;
}

interface ContainerLike {
  name: string;
  image: string;
}

export interface PodNetworkingParts {
  store: ObjectStore;
  clock: Clock;
  random: () => number;
  deps: Dependencies;
  facts: ClusterFacts;
  /** Creates an object as the cluster build does (admission included). */
  put: (kind: string, o: KubeObject, group?: string) => unknown;
  /** The world's DaemonSet builder. */
  daemonSet: (
    ns: string,
    name: string,
    labels: Record<string, string>,
    containers: readonly ContainerLike[],
    hostNetwork?: boolean,
  ) => KubeObject;
  /** Declares what one container needs (`namespace/workload/container`). */
  setNeeds: (key: string, needs: ContainerNeeds) => void;
  /** The world's memo, cleared when pods or EndpointSlices change. */
  memo: <T>(key: string, compute: () => T) => T;
}

interface SliceView {
  endpoints?: { conditions?: { ready?: boolean }; nodeName?: string }[];
}

/** Starts the model before nodes join (they are noted as they are added); undefined without a mode. */
export function startPodNetworking(s: Scenario, p: PodNetworkingParts): PodNetworking | undefined {
  const cni = s.cluster.cni;
  if (!cni?.mode) return undefined;
  const { store, clock, deps, facts } = p;
  const mode = cni.mode;
  const podMtu = cni.mtu ?? cni.nodeMtu - overhead[mode];
  const calicoBgp = cni.kind === 'calico' && mode === 'bgp';
  const reflectors = cni.bgp?.routeReflectors ? parseCalicoSelector(cni.bgp.routeReflectors) : undefined;
  const network = new PodNetwork({
    store,
    clock,
    deps,
    mode,
    podMtu,
    nodeMtu: cni.nodeMtu,
    overheadBytes: overhead[mode],
    ...(calicoBgp ? { bgpPeerStorage: peerType.storage, bgpConfigStorage: bgpConfigType.storage } : {}),
    isRouteReflector: reflectors ? (labels) => reflectors.matches(labels) : undefined,
  });
  facts.podNetwork = network;
  facts.serviceEndpointNodes = (svc) => endpointNodes(p, svc);

  const sandbox = cni.ipam
    ? new SandboxNetwork({
        store,
        clock,
        random: p.random,
        perNode: cni.ipam.perNode,
        poolSize: cni.ipam.poolSize,
        exhausted: (cidr) => ipamExhaustedError(cni.kind, cidr),
      })
    : undefined;

  const offs: (() => void)[] = [() => network.stop()];
  if (calicoBgp) {
    p.put(
      'BGPConfiguration',
      {
        metadata: { name: 'default' },
        spec: {
          logSeverityScreen: 'Info',
          nodeToNodeMeshEnabled: cni.bgp?.nodeToNodeMesh ?? true,
          asNumber: cni.bgp?.asNumber ?? 64512,
        },
      },
      'crd.projectcalico.org',
    );
    for (const peer of cni.bgp?.peers ?? [])
      p.put(
        'BGPPeer',
        {
          metadata: { name: peer.name },
          spec: {
            ...(peer.nodeSelector ? { nodeSelector: peer.nodeSelector } : {}),
            peerSelector: peer.peerSelector,
          },
        },
        'crd.projectcalico.org',
      );
    p.put(
      'IPPool',
      {
        metadata: { name: 'default-ipv4-ippool' },
        spec: {
          cidr: '10.244.0.0/16',
          blockSize: 26,
          ipipMode: 'Never',
          vxlanMode: 'Never',
          natOutgoing: true,
          nodeSelector: 'all()',
        },
      },
      'crd.projectcalico.org',
    );
    offs.push(annotateReflectors(store, clock, reflectors));
  }
  return {
    network,
    sandbox,
    stop() {
      for (const off of offs.splice(0)) off();
    },
  };
}

/** Puts the agent DaemonSet in kube-system (once the nodes exist) and starts its prober events. */
export function installCniAgent(s: Scenario, p: PodNetworkingParts, net: PodNetworking): void {
  const cni = s.cluster.cni;
  if (!cni?.mode) return;
  const agent = cniAgent(cni, s.cluster.region);
  const dsType = resourceForKind('DaemonSet', 'apps')!;
  // kube-router can be both service proxy and CNI: then its one DaemonSet is the agent.
  if (p.store.find(dsType, 'kube-system', agent.name)) return;
  const ds = p.daemonSet(
    'kube-system',
    agent.name,
    agent.labels,
    [{ name: agent.container, image: agent.image }],
    true,
  );
  // The agent runs on every node, control plane included (its manifests tolerate everything).
  const spec = ds.spec as { template: { spec: Record<string, unknown> } };
  spec.template.spec.tolerations = [{ operator: 'Exists' }];
  p.put('DaemonSet', ds, 'apps');
  if (cni.kind !== 'calico' || cni.mode !== 'bgp') return;
  // calico-node's readiness probe runs `calico-node -bird-ready -felix-ready`; it prints the
  // failure and kubectl shows it as the Unhealthy event. It logs nothing of its own for it.
  p.setNeeds(`kube-system/${agent.name}/${agent.container}`, {
    needs: ['bgp-peers'],
    onFailure: 'unready',
    logStyle: 'none',
  });
  let timer: Timer | undefined;
  const tick = (): void => {
    for (const pod of p.store.listObjects(podType, 'kube-system') as (KubeObject & {
      spec?: { nodeName?: string };
    })[]) {
      if (pod.metadata.labels?.['k8s-app'] !== 'calico-node' || pod.metadata.deletionTimestamp) continue;
      const node = pod.spec?.nodeName ?? '';
      const problem = net.network.agentUnready(node);
      if (!problem) continue;
      recordEvent(p.store, p.clock, {
        involved: {
          kind: 'Pod',
          name: pod.metadata.name ?? '',
          namespace: 'kube-system',
          uid: pod.metadata.uid,
          apiVersion: 'v1',
        },
        type: 'Warning',
        reason: 'Unhealthy',
        message: `Readiness probe failed: ${problem}\n`,
        source: { component: 'kubelet', host: node },
      });
    }
    timer = p.clock.after(probeEventEveryMs, tick);
  };
  timer = p.clock.after(probeEventEveryMs, tick);
  const stop = net.stop;
  net.stop = () => {
    timer?.cancel();
    stop();
  };
}

/** The nodes of a Service's ready endpoints, memoized with the world's pod/slice version. */
function endpointNodes(p: PodNetworkingParts, svc: string): readonly string[] {
  return p.memo(`eps-nodes:${svc}`, () => {
    const [ns, name] = svc.split('/');
    return p.store
      .listObjects(sliceType, ns)
      .filter((sl) => sl.metadata.labels?.['kubernetes.io/service-name'] === name)
      .flatMap((sl) => (sl as SliceView).endpoints ?? [])
      .filter((e) => e.conditions?.ready && e.nodeName)
      .map((e) => e.nodeName ?? '');
  });
}

/**
 * Nodes chosen as route reflectors carry their cluster ID, which Calico's Kubernetes
 * datastore keeps as a Node annotation (libcalico-go's `projectcalico.org/RouteReflectorClusterID`).
 */
function annotateReflectors(
  store: ObjectStore,
  clock: Clock,
  reflectors: ReturnType<typeof parseCalicoSelector> | undefined,
): () => void {
  if (!reflectors) return () => {};
  const annotate = (name: string): void => {
    const n = store.find(nodeType, '', name);
    if (!n || !reflectors.matches(n.metadata.labels ?? {})) return;
    if (n.metadata.annotations?.['projectcalico.org/RouteReflectorClusterID']) return;
    store.update(nodeType, {
      ...n,
      metadata: {
        ...n.metadata,
        annotations: { ...n.metadata.annotations, 'projectcalico.org/RouteReflectorClusterID': '244.0.0.1' },
      },
    });
  };
  for (const n of store.listObjects(nodeType)) annotate(n.metadata.name ?? '');
  return store.subscribe(nodeType.storage, (ev) => {
    // Written after the join settles, not inside the store's own notification.
    if (ev.type === 'ADDED') clock.after(0, () => annotate(ev.entry.name));
  });
}

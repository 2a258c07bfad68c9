/**
 * A small self-managed cluster with a modelled pod network, for the network emergence
 * tests: kubeadm control plane (three nodes) and four workers, Calico in BGP mode by
 * default, an app whose frontend needs a backend Service and DNS. Tests change the CNI
 * block, the timeline and the run length; everything else stays quiet (no churn).
 */
import { VirtualClock } from '../../time/virtual-clock.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import { type Scenario, scenarioSchema } from '../scenario/schema.ts';
import { Simulator } from '../simulator.ts';

const podType = resourceForKind('Pod')!;
const nodeType = resourceForKind('Node')!;
const eventType = resourceForKind('Event')!;
export const minute = 60_000;

export interface PodView extends KubeObject {
  spec?: { nodeName?: string };
  status?: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: {
      name: string;
      ready: boolean;
      restartCount: number;
      state?: { waiting?: { reason?: string } };
    }[];
  };
}

export interface EventView extends KubeObject {
  reason?: string;
  message?: string;
  count?: number;
  involvedObject?: { name?: string; namespace?: string };
}

export interface NetworkCase {
  cni?: Record<string, unknown>;
  kubernetesVersion?: string;
  ingress?: Record<string, unknown>;
  timeline?: Record<string, unknown>[];
  /** Extra containers' needs for the frontend (default dns and the backend Service). */
  frontendNeeds?: string[];
  workers?: number;
  backendReplicas?: number;
  frontendReplicas?: number;
  capacityPods?: number;
  /** The service proxy (default kube-proxy in iptables mode at the cluster's version). */
  serviceProxy?: Record<string, unknown>;
  /** Runs an ingress controller of this kind, behind a LoadBalancer Service. */
  controller?: 'nginx' | 'envoy';
  /** The controller's image, when not the kind's default. */
  controllerImage?: string;
}

const controllerImage = {
  nginx: 'registry.k8s.io/ingress-nginx/controller:v1.9.4',
  envoy: 'docker.io/envoyproxy/envoy:v1.27.2',
};

export const redditLikeBgp = {
  kind: 'calico',
  version: 'v3.24.5',
  mode: 'bgp',
  bgp: {
    nodeToNodeMesh: false,
    routeReflectors: 'has(node-role.kubernetes.io/master)',
    peers: [
      {
        name: 'peer-with-route-reflectors',
        nodeSelector: 'all()',
        peerSelector: 'has(node-role.kubernetes.io/master)',
      },
    ],
  },
};

export function networkScenario(c: NetworkCase = {}): Scenario {
  const version = c.kubernetesVersion ?? 'v1.23.17';
  const pool = {
    kubeletVersion: version,
    osImage: 'Ubuntu 20.04.6 LTS',
    kernel: '5.4.0-144-generic',
    containerRuntime: 'containerd://1.6.19',
  };
  const input = {
    name: 'network-case',
    description: 'network emergence fixture',
    source: { title: 'test fixture' },
    start: '2023-03-14T18:00:00Z',
    duration: '6h',
    seed: 314,
    cluster: {
      name: 'net',
      provider: 'aws',
      distribution: 'kubeadm',
      kubernetesVersion: version,
      controlPlane: { endpoint: 'https://10.0.0.10:6443', managed: false },
      serviceProxy: c.serviceProxy ?? { kind: 'kube-proxy', mode: 'iptables', version },
      dns: { kind: 'coredns', version: '1.8.6', replicas: 2 },
      cni: c.cni ?? redditLikeBgp,
      ...(c.ingress ? { ingress: c.ingress } : {}),
      nodePools: [
        { name: 'control-plane', role: 'control-plane', count: 3, nodeNamePrefix: 'cp-', ...pool },
        {
          name: 'workers',
          count: c.workers ?? 4,
          nodeNamePrefix: 'worker-',
          ...pool,
          ...(c.capacityPods ? { capacity: { cpu: 4, memory: '16Gi', pods: c.capacityPods } } : {}),
        },
      ],
    },
    workloads: {
      namespaces: [
        {
          name: 'shop',
          deployments: [
            {
              name: 'frontend',
              replicas: c.frontendReplicas ?? 4,
              containers: [
                {
                  name: 'web',
                  image: 'shop/frontend:1',
                  ports: [8080],
                  needs: c.frontendNeeds ?? ['dns', 'service:shop/backend'],
                  onNeedFailure: 'unready',
                },
              ],
              service: { ports: [{ port: 80, targetPort: 8080 }], ingress: { host: 'shop.example.com' } },
            },
            {
              name: 'backend',
              replicas: c.backendReplicas ?? 2,
              containers: [{ name: 'api', image: 'shop/backend:1', ports: [8080] }],
              service: { ports: [{ port: 80, targetPort: 8080 }] },
            },
          ],
        },
        ...(c.controller
          ? [
              {
                name: 'ingress',
                deployments: [
                  {
                    name: 'ingress-controller',
                    replicas: 2,
                    containers: [
                      {
                        name: 'proxy',
                        image: c.controllerImage ?? controllerImage[c.controller],
                        ports: [80],
                        onNeedFailure: 'degrade',
                      },
                    ],
                    service: { type: 'LoadBalancer', ports: [{ port: 80, name: 'http' }] },
                  },
                ],
              },
            ]
          : []),
      ],
    },
    timeline: c.timeline ?? [],
    // Scoring only; the schema wants a file with faults to expect some failure.
    expected: c.timeline?.some((e) => 'fault' in e)
      ? { category: 'upgrade-regression', onset: '+10m', rootCause: 'the fault under test' }
      : { category: 'healthy', rootCause: 'nothing injected' },
  };
  return scenarioSchema.parse(input);
}

/** Runs the case for `forMs` of virtual time and returns what kubectl would read. */
export async function runNetworkCase(c: NetworkCase, forMs: number) {
  const scenario = networkScenario(c);
  const start = Date.parse(scenario.start);
  const clock = new VirtualClock(start);
  const sim = new Simulator({ scenario, clock, tls: false });
  await clock.runUntil(start + forMs);
  const pods = () =>
    (sim.store.listObjects(podType) as PodView[]).filter((p) => !p.metadata.deletionTimestamp);
  const ready = (p: PodView) =>
    p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ?? false;
  const app = (name: string) => pods().filter((p) => p.metadata.labels?.app === name);
  const nodes = () => sim.store.listObjects(nodeType);
  const events = () => sim.store.listObjects(eventType) as EventView[];
  return { sim, clock, scenario, pods, ready, app, nodes, events, stop: () => sim.stop() };
}

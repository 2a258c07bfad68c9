/**
 * What a scenario's cluster contains once its implied parts are added: the kube-system
 * workloads that `cluster.serviceProxy` and `cluster.dns` stand for, the Services every
 * cluster has, and the node names of each pool. The reference checks and the simulator
 * both read names from here, so `kube-system/coredns` means the same pod to both.
 */
import { cniAgent } from '../cluster/cni-agent.ts';
import type { Container, NodePool, Scenario } from './schema.ts';

export type WorkloadKind = 'Deployment' | 'DaemonSet' | 'StatefulSet';

export interface CatalogWorkload {
  namespace: string;
  name: string;
  kind: WorkloadKind;
  containers: readonly string[];
  /** Declared in `workloads`, or implied by `cluster`. */
  implied: boolean;
}

/** The kube-system workloads a cluster runs because of its declared components. */
export function impliedWorkloads(cluster: Scenario['cluster']): CatalogWorkload[] {
  const sys = (name: string, kind: WorkloadKind, containers: string[]): CatalogWorkload => ({
    namespace: 'kube-system',
    name,
    kind,
    containers,
    implied: true,
  });
  const proxyName: Record<Scenario['cluster']['serviceProxy']['kind'], string> = {
    'kube-proxy': 'kube-proxy',
    'kube-router': 'kube-router',
    cilium: 'cilium',
    other: 'service-proxy',
  };
  const proxy = proxyName[cluster.serviceProxy.kind];
  const out = [sys(proxy, 'DaemonSet', [proxy])];
  if (cluster.dns.kind === 'coredns') out.push(sys('coredns', 'Deployment', ['coredns']));
  else out.push(sys('kube-dns', 'Deployment', ['kubedns', 'dnsmasq', 'sidecar']));
  if (cluster.dns.nodeLocalDns) out.push(sys('node-local-dns', 'DaemonSet', ['node-cache']));
  const agent = cluster.cni?.mode ? cniAgent(cluster.cni, cluster.region) : undefined;
  if (agent && agent.name !== proxy) out.push(sys(agent.name, 'DaemonSet', [agent.container]));
  return out;
}

/** Services that exist in every cluster, whatever the workloads declare. */
export const impliedServices: readonly string[] = ['default/kubernetes', 'kube-system/kube-dns'];

/** Every workload, declared and implied, keyed `<namespace>/<name>`. */
export function workloadCatalog(s: Scenario): Map<string, CatalogWorkload> {
  const out = new Map<string, CatalogWorkload>();
  for (const w of impliedWorkloads(s.cluster)) out.set(`${w.namespace}/${w.name}`, w);
  for (const ns of s.workloads.namespaces) {
    const add = (kind: WorkloadKind, list: readonly { name: string; containers: readonly Container[] }[]) => {
      for (const w of list) {
        out.set(`${ns.name}/${w.name}`, {
          namespace: ns.name,
          name: w.name,
          kind,
          containers: w.containers.map((c) => c.name),
          implied: false,
        });
      }
    };
    add('Deployment', ns.deployments);
    add('DaemonSet', ns.daemonsets);
    add('StatefulSet', ns.statefulsets);
  }
  return out;
}

/** Every Service, keyed `<namespace>/<name>`. */
export function serviceCatalog(s: Scenario): Set<string> {
  const out = new Set(impliedServices);
  for (const ns of s.workloads.namespaces) {
    for (const w of [...ns.deployments, ...ns.daemonsets, ...ns.statefulsets]) {
      if (w.service) out.add(`${ns.name}/${w.service.name ?? w.name}`);
    }
  }
  return out;
}

/** The name of a pool's node number `index` (0-based): `<nodeNamePrefix><index>`. */
export function nodeName(pool: NodePool, index: number): string {
  return `${pool.nodeNamePrefix ?? `${pool.name}-`}${index}`;
}

/** Every node name a pool can have during the scenario: its initial nodes and those churn adds. */
export function possibleNodeNames(s: Scenario): Set<string> {
  const out = new Set<string>();
  for (const pool of s.cluster.nodePools) {
    const added = s.churn.nodes
      .filter((c) => c.pool === pool.name && c.change === 'add')
      .reduce((n, c) => n + c.count, 0);
    for (let i = 0; i < pool.count + added; i++) out.add(nodeName(pool, i));
  }
  return out;
}

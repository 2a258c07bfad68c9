/**
 * The words a status page may use. Customers read it, so it names the part of the platform
 * that is affected and the cause in plain terms, never node names, addresses, commands or
 * the evidence (those stay in the incident record and the postmortem).
 */
import { type Incident, rootCauseOf } from '../incident/incident.ts';

export type ComponentName = 'Control plane' | 'Nodes' | 'Service networking' | 'DNS' | 'Workloads';
export const componentNames: readonly ComponentName[] = [
  'Control plane',
  'Nodes',
  'Service networking',
  'DNS',
  'Workloads',
];

/** Which components a root cause takes down first (others may follow through Workloads). */
export function componentsOfPattern(pattern: string): ComponentName[] {
  if (pattern.startsWith('control-plane')) return ['Control plane'];
  if (pattern === 'service-routing' || pattern === 'service-proxy-sync-failure')
    return ['Service networking'];
  if (pattern === 'cluster-dns' || pattern === 'node-dns') return ['DNS'];
  if (pattern.startsWith('node-') || pattern === 'kubelet-failure') return ['Nodes'];
  return ['Workloads'];
}

const causeInPlainWords: Record<string, string> = {
  'control-plane-unreachable': "the cluster's control plane (API server) is unreachable",
  'control-plane-degraded': "the cluster's control plane is answering slowly or with errors",
  'service-routing': 'routing to services inside the cluster is broken',
  'service-proxy-sync-failure': 'the service proxy cannot update routing rules on some nodes',
  'cluster-dns': 'name resolution inside the cluster is failing',
  'node-network': 'a network problem on some nodes',
  'node-scheduled-job': "a scheduled job in the nodes' operating system leaves some nodes broken",
  'kubelet-failure': 'the node agent (kubelet) is failing on some nodes',
};

export function publicCause(i: Incident): string {
  return causeInPlainWords[rootCauseOf(i).pattern] ?? rootCauseOf(i).title.toLowerCase();
}

const familyTitle: Record<string, string> = {
  'control-plane': 'Control plane unavailable',
  'service-networking': 'Service networking degraded',
  nodes: 'Nodes unavailable',
};

/** The incident's public name: the affected area, not the internal hypothesis. */
export function publicTitle(i: Incident): string {
  if (rootCauseOf(i).pattern === 'cluster-dns') return 'DNS resolution failing';
  return familyTitle[i.family] ?? `${componentsOfPattern(rootCauseOf(i).pattern).join(', ')} degraded`;
}

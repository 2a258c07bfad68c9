/**
 * Which node components to scrape and which kube-system containers to tail, read from the
 * view: every node's kube-proxy (its metrics), and the logs of kube-proxy and CoreDNS pods
 * (found by their standard `k8s-app` labels, as kubeadm and most distributions set them).
 */
import type { KubeObject } from '../kube/observations.ts';
import type { LogTarget } from '../kube/probes.ts';
import type { ClusterView } from './cluster-view.ts';

const tailedApps = new Set(['kube-proxy', 'kube-dns']);

interface PodView {
  spec?: { nodeName?: string; containers?: { name: string }[] };
}

export function componentTargets(view: ClusterView): { nodes: string[]; logs: LogTarget[] } {
  const nodes = view.list('nodes').map((n) => n.metadata.name);
  const logs: LogTarget[] = [];
  for (const p of view.list('pods') as (KubeObject & PodView)[]) {
    if (p.metadata.namespace !== 'kube-system' || !tailedApps.has(p.metadata.labels?.['k8s-app'] ?? ''))
      continue;
    const container = p.spec?.containers?.[0]?.name;
    if (container)
      logs.push({ namespace: 'kube-system', pod: p.metadata.name, container, node: p.spec?.nodeName });
  }
  return { nodes, logs };
}

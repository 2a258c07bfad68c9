/**
 * The nodes that run a kube-proxy pod, known by its standard label (kube-system,
 * `k8s-app=kube-proxy`, as kubeadm's DaemonSet and EKS, AKS and k0s set it). Clusters that
 * replace kube-proxy (Cilium's kube-proxy replacement, kube-router, Calico's eBPF data
 * plane) have none, and a node without one has no kube-proxy metrics to read: what to
 * scrape and which sources to expect are both read from here.
 */
import type { KubeObject } from '../kube/observations.ts';

export function kubeProxyNodes(pods: Iterable<KubeObject>): Set<string> {
  const nodes = new Set<string>();
  for (const p of pods) {
    const nodeName = (p as KubeObject & { spec?: { nodeName?: string } }).spec?.nodeName;
    if (p.metadata.namespace === 'kube-system' && p.metadata.labels?.['k8s-app'] === 'kube-proxy' && nodeName)
      nodes.add(nodeName);
  }
  return nodes;
}

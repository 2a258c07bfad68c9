/**
 * Which node components to scrape and which containers to tail, read from the view: the
 * kube-proxy of every node that runs one (its metrics); the logs of kube-proxy and CoreDNS pods (found by their
 * standard `k8s-app` labels, as kubeadm and most distributions set them); and, in any
 * namespace, the containers that are crash-looping or unready right now, because their
 * last lines usually say what they could not reach. The latter are capped so that a
 * cluster-wide outage cannot turn the tail into a flood.
 */
import type { KubeObject } from '../kube/observations.ts';
import type { IngressTarget, LogTarget } from '../kube/probes.ts';
import type { ClusterView } from './cluster-view.ts';
import { kubeProxyNodes } from './kube-proxy-nodes.ts';
import { publicEndpoints } from './public-endpoints.ts';

const tailedApps = new Set(['kube-proxy', 'kube-dns']);
/** At most this many troubled containers are tailed besides the components. */
export const troubledTailLimit = 40;

/**
 * Ingress controllers, known by their images: ingress-nginx (and the older nginx-ingress)
 * count requests on :10254/metrics; Envoy-based ones (Contour, Emissary, Envoy Gateway) on
 * Envoy's admin port :8002/stats/prometheus (envoyproxy.io, statistics).
 */
const ingressImages: [RegExp, IngressKind][] = [
  [/ingress-nginx|nginx-ingress/, 'nginx'],
  [/envoyproxy\/envoy|projectcontour|emissary|datawire\/ambassador/, 'envoy'],
];

export type IngressKind = 'nginx' | 'envoy';

function ingressKind(images: readonly string[]): IngressKind | undefined {
  for (const [re, kind] of ingressImages) if (images.some((i) => re.test(i))) return kind;
  return undefined;
}

interface PodView {
  spec?: { nodeName?: string; containers?: { name: string; image?: string }[] };
  status?: {
    podIP?: string;
    containerStatuses?: {
      name: string;
      ready?: boolean;
      restartCount?: number;
      state?: { waiting?: unknown };
    }[];
  };
}

export interface ComponentTargets {
  nodes: string[];
  logs: LogTarget[];
  /** Ingress controller pods, whose metrics count requests per Service and status. */
  ingress: IngressTarget[];
  /** Where users come in from outside (public-endpoints.ts). */
  publicUrls: string[];
}

export function componentTargets(view: ClusterView): ComponentTargets {
  // kube-proxy is scraped only where it runs: clusters that replace it (Cilium, Calico's
  // eBPF data plane) have no kube-proxy, and expecting its metrics there reads as stale.
  const proxyNodes = kubeProxyNodes(view.list('pods'));
  const nodes = view
    .list('nodes')
    .map((n) => n.metadata.name)
    .filter((n) => proxyNodes.has(n));
  const logs: LogTarget[] = [];
  const troubled: LogTarget[] = [];
  const ingress: ComponentTargets['ingress'] = [];
  for (const p of view.list('pods') as (KubeObject & PodView)[]) {
    const node = p.spec?.nodeName;
    const kind = p.metadata.deletionTimestamp
      ? undefined
      : ingressKind((p.spec?.containers ?? []).map((c) => c.image ?? ''));
    if (kind)
      ingress.push({
        namespace: p.metadata.namespace ?? '',
        pod: p.metadata.name,
        node,
        podIP: p.status?.podIP,
        kind,
      });
    if (p.metadata.namespace === 'kube-system' && tailedApps.has(p.metadata.labels?.['k8s-app'] ?? '')) {
      const container = p.spec?.containers?.[0]?.name;
      if (container) logs.push({ namespace: 'kube-system', pod: p.metadata.name, container, node });
      continue;
    }
    if (troubled.length >= troubledTailLimit || p.metadata.deletionTimestamp) continue;
    for (const c of p.status?.containerStatuses ?? []) {
      if (c.ready !== false || !((c.restartCount ?? 0) > 0 || c.state?.waiting)) continue;
      troubled.push({ namespace: p.metadata.namespace ?? '', pod: p.metadata.name, container: c.name, node });
      break;
    }
  }
  return { nodes, logs: [...logs, ...troubled], ingress, publicUrls: publicEndpoints(view) };
}

/**
 * Where users reach the cluster from outside, read from the view: the addresses the cloud
 * load balancers of `type: LoadBalancer` Services publish in `status.loadBalancer.ingress`
 * (a hostname on AWS, an IP elsewhere), on the Service's port 80 (http) or 443 (https).
 * GETting them from where kubetriage runs is what an external check does; together with
 * `--probe-url` they feed the edge probe. Internal load balancers and addresses this
 * machine cannot reach never answer and are left out by the probe (url-probe-targets.ts).
 */
import type { KubeObject } from '../kube/observations.ts';
import type { ClusterView } from './cluster-view.ts';

/** A cluster with many public Services is sampled, not swept. */
export const publicEndpointLimit = 10;

interface ServiceView {
  spec?: { type?: string; ports?: { port?: number }[] };
  status?: { loadBalancer?: { ingress?: { hostname?: string; ip?: string }[] } };
}

export function publicEndpoints(view: ClusterView): string[] {
  const out = new Set<string>();
  for (const s of view.list('services') as (KubeObject & ServiceView)[]) {
    if (s.spec?.type !== 'LoadBalancer') continue;
    const ports = new Set((s.spec.ports ?? []).map((p) => p.port));
    const scheme = ports.has(80) ? 'http' : ports.has(443) ? 'https' : undefined;
    if (!scheme) continue;
    for (const i of s.status?.loadBalancer?.ingress ?? []) {
      const host = i.hostname || i.ip;
      if (!host) continue;
      out.add(`${scheme}://${host.includes(':') ? `[${host}]` : host}/`);
    }
  }
  return [...out].sort().slice(0, publicEndpointLimit);
}

/**
 * How each ingress controller counts the requests it proxies, in its own metric names:
 * ingress-nginx's `nginx_ingress_controller_requests` on :10254/metrics, and Envoy's
 * (Contour, Emissary, Envoy Gateway) `envoy_cluster_upstream_rq` and
 * `envoy_cluster_upstream_rq_xx` per upstream cluster and `envoy_http_downstream_rq_xx`
 * per listener on the admin port's /stats/prometheus (Envoy's statistics reference,
 * envoyproxy.io/docs/envoy/latest/configuration/upstream/cluster_manager/cluster_stats).
 * Contour names an upstream cluster `<namespace>/<service>/<port>/<hash>`. A request that
 * finds no healthy upstream never reaches one: Envoy answers 503 itself and counts it only
 * downstream and in `envoy_cluster_upstream_cx_none_healthy`.
 */
import type { KubeObject } from '../api/k8s-types.ts';
import { hexId } from '../cluster/objects.ts';

export type ControllerKind = 'nginx' | 'envoy';

/** Image patterns of the controllers' proxy containers. */
export const controllerImages: Record<ControllerKind, RegExp> = {
  nginx: /ingress-nginx|nginx-ingress/,
  envoy: /envoyproxy\/envoy|projectcontour|emissary|datawire\/ambassador/,
};

/** Where each kind serves its metrics. */
export const metricsEndpoint: Record<ControllerKind, { port: number; path: string }> = {
  nginx: { port: 10254, path: '/metrics' },
  envoy: { port: 8002, path: '/stats/prometheus' },
};

export function controllerKindOf(images: readonly string[]): ControllerKind | undefined {
  for (const kind of ['nginx', 'envoy'] as const)
    if (images.some((i) => controllerImages[kind].test(i))) return kind;
  return undefined;
}

/** Counter key: namespace|service|host|path|status|noUpstream. */
/** `processRequests`: every request the controller's nginx answered (ingress-nginx only). */
export function metricsText(
  kind: ControllerKind,
  pod: KubeObject,
  counters: Map<string, number>,
  processRequests = 0,
): string {
  return kind === 'envoy' ? envoyText(counters) : nginxText(pod, counters, processRequests);
}

function sorted(counters: Map<string, number>): [string[], number][] {
  return [...counters].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => [k.split('|'), n]);
}

/**
 * `nginx_ingress_controller_requests` per host served (requests for other hosts are not
 * counted: `--metrics-per-host`, socket.go), and nginx's stub_status request total, which
 * counts every request (`nginx_ingress_controller_nginx_process_requests_total`,
 * collectors/nginx_status.go).
 */
function nginxText(pod: KubeObject, counters: Map<string, number>, processRequests: number): string {
  const labels = `controller_class="k8s.io/ingress-nginx",controller_namespace="${pod.metadata.namespace}",controller_pod="${pod.metadata.name}"`;
  const lines = [
    '# HELP nginx_ingress_controller_nginx_process_requests_total total number of client requests',
    '# TYPE nginx_ingress_controller_nginx_process_requests_total counter',
    `nginx_ingress_controller_nginx_process_requests_total{${labels}} ${processRequests}`,
    '# HELP nginx_ingress_controller_requests The total number of client requests',
    '# TYPE nginx_ingress_controller_requests counter',
  ];
  for (const [[namespace, service, host, path, status], n] of sorted(counters))
    lines.push(
      `nginx_ingress_controller_requests{${labels},host="${host}",ingress="${service}",method="GET",namespace="${namespace}",path="${path}",service="${service}",status="${status}"} ${n}`,
    );
  return `${lines.join('\n')}\n`;
}

function envoyText(counters: Map<string, number>): string {
  const upstream = new Map<string, number>();
  const classes = new Map<string, number>();
  const downstream = new Map<string, number>();
  const noneHealthy = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);
  for (const [[namespace, service, , , status, noUpstream], n] of sorted(counters)) {
    const cluster = `${namespace}/${service}/80/${hexId(`${namespace}/${service}`, 10)}`;
    const cls = status[0];
    add(downstream, cls, n);
    if (noUpstream === '1') {
      add(noneHealthy, cluster, n);
      continue;
    }
    add(upstream, `${cluster}|${status}`, n);
    add(classes, `${cluster}|${cls}`, n);
  }
  const lines = ['# TYPE envoy_cluster_upstream_rq counter'];
  for (const [k, n] of upstream) {
    const [cluster, code] = k.split('|');
    lines.push(
      `envoy_cluster_upstream_rq{envoy_response_code="${code}",envoy_cluster_name="${cluster}"} ${n}`,
    );
  }
  lines.push('# TYPE envoy_cluster_upstream_rq_xx counter');
  for (const [k, n] of classes) {
    const [cluster, cls] = k.split('|');
    lines.push(
      `envoy_cluster_upstream_rq_xx{envoy_response_code_class="${cls}",envoy_cluster_name="${cluster}"} ${n}`,
    );
  }
  lines.push('# TYPE envoy_cluster_upstream_cx_none_healthy counter');
  for (const [cluster, n] of noneHealthy)
    lines.push(`envoy_cluster_upstream_cx_none_healthy{envoy_cluster_name="${cluster}"} ${n}`);
  lines.push('# TYPE envoy_http_downstream_rq_xx counter');
  for (const [cls, n] of downstream)
    lines.push(
      `envoy_http_downstream_rq_xx{envoy_response_code_class="${cls}",envoy_http_conn_manager_prefix="ingress_http"} ${n}`,
    );
  return `${lines.join('\n')}\n`;
}

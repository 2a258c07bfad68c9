/**
 * App traffic through the ingress controller, as its metrics tell it: every Service a
 * scenario exposes through the ingress gets a steady request rate, and each request's
 * status follows from where it lands: 503 when the Service has no ready endpoint (what
 * ingress-nginx answers with no upstream), 504 when the endpoint's node has lost its
 * network (the upstream never answers), 500 when the container serves errors because a
 * need of its own is unmet, 200 otherwise. Counters are kept per controller pod under
 * ingress-nginx's metric name and labels and served at the pod's :10254/metrics, which
 * the API server proxies (`pods/<pod>:10254/proxy/metrics`).
 */
import type { Clock, Timer } from '../../time/clock.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { type NodeProxyRegistry, podEndpointKey } from '../api/node-proxy.ts';
import { resourceForKind } from '../api/resources.ts';
import type { Scenario } from '../scenario/schema.ts';
import type { ObjectStore } from '../store/object-store.ts';
import type { ScenarioWorld } from './scenario-world.ts';

const podType = resourceForKind('Pod')!;
const sliceType = resourceForKind('EndpointSlice', 'discovery.k8s.io')!;

/** Requests per second each exposed Service receives. */
export const requestsPerSecond = 20;
/** Requests are counted in 30 s batches, the scrape cadence: finer would only cost time. */
const tickMs = 30_000;
const controllerImage = /ingress-nginx|nginx-ingress/;

interface Exposed {
  namespace: string;
  service: string;
  host: string;
  path: string;
}

interface SliceView {
  endpoints?: {
    conditions?: { ready?: boolean };
    nodeName?: string;
    targetRef?: { name?: string; namespace?: string };
  }[];
}

interface PodView {
  metadata: KubeObject['metadata'];
  spec?: { nodeName?: string; containers?: { name: string; image?: string }[] };
  status?: { conditions?: { type: string; status: string }[] };
}

export class IngressTraffic {
  private readonly o: {
    scenario: Scenario;
    world: ScenarioWorld;
    store: ObjectStore;
    clock: Clock;
    proxy: NodeProxyRegistry;
  };
  private readonly exposed: Exposed[] = [];
  /** Per controller pod: counter key (service|status) → count. */
  private readonly counters = new Map<string, Map<string, number>>();
  private timer: Timer | undefined;

  constructor(o: IngressTraffic['o']) {
    this.o = o;
    for (const ns of o.scenario.workloads.namespaces)
      for (const w of [...ns.deployments, ...ns.daemonsets, ...ns.statefulsets])
        if (w.service?.ingress)
          this.exposed.push({
            namespace: ns.name,
            service: w.service.name ?? w.name,
            host: w.service.ingress.host,
            path: w.service.ingress.path,
          });
  }

  start(): void {
    if (!this.exposed.length) return;
    const tick = (): void => {
      this.serve();
      this.timer = this.o.clock.after(tickMs, tick);
    };
    this.timer = this.o.clock.after(tickMs, tick);
  }

  stop(): void {
    this.timer?.cancel();
  }

  private controllers(): (KubeObject & PodView)[] {
    return (this.o.store.listObjects(podType) as (KubeObject & PodView)[]).filter(
      (p) =>
        !p.metadata.deletionTimestamp &&
        p.spec?.containers?.some((c) => controllerImage.test(c.image ?? '')) &&
        p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') &&
        !this.o.world.deps.faultsOn(p.spec?.nodeName ?? '').networkDown,
    );
  }

  private serve(): void {
    const controllers = this.controllers();
    if (!controllers.length) return;
    for (const c of controllers) this.register(c);
    const total = requestsPerSecond * (tickMs / 1000);
    for (const svc of this.exposed) {
      const outcomes = this.outcomes(svc);
      controllers.forEach((c, i) => {
        const counters = this.counters.get(`${c.metadata.namespace}/${c.metadata.name}`)!;
        // Each controller pod takes an equal share, the first one the remainder.
        const share = Math.floor(total / controllers.length) + (i === 0 ? total % controllers.length : 0);
        let left = share;
        outcomes.forEach(([status, weight], j) => {
          const n = j === outcomes.length - 1 ? left : Math.round(share * weight);
          left -= n;
          const key = `${svc.namespace}|${svc.service}|${svc.host}|${svc.path}|${status}`;
          if (n > 0) counters.set(key, (counters.get(key) ?? 0) + n);
        });
      });
    }
  }

  /** Status codes with their share of the Service's requests. */
  private outcomes(svc: Exposed): [string, number][] {
    const { store, world } = this.o;
    const endpoints = store
      .listObjects(sliceType, svc.namespace)
      .filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === svc.service)
      .flatMap((s) => (s as SliceView).endpoints ?? [])
      .filter((e) => e.conditions?.ready);
    if (!endpoints.length) return [['503', 1]];
    const counts = new Map<string, number>();
    for (const e of endpoints) {
      const node = e.nodeName ?? '';
      let status = '200';
      if (world.deps.faultsOn(node).networkDown) status = '504';
      else if (this.servesErrors(svc.namespace, e.targetRef?.name ?? '', node)) status = '500';
      counts.set(status, (counts.get(status) ?? 0) + 1);
    }
    return [...counts].map(([status, n]) => [status, n / endpoints.length]);
  }

  private servesErrors(namespace: string, pod: string, node: string): boolean {
    const p = this.o.store.find(podType, namespace, pod) as (KubeObject & PodView) | undefined;
    if (!p) return true;
    return (p.spec?.containers ?? []).some((c) => {
      const needs = this.o.world.needsOf(p, c.name);
      return needs.onFailure === 'degrade' && this.o.world.deps.check(node, needs.needs) !== undefined;
    });
  }

  private register(pod: KubeObject & PodView): void {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (this.counters.has(key)) return;
    const counters = new Map<string, number>();
    this.counters.set(key, counters);
    this.o.proxy.register(
      podEndpointKey(pod.metadata.namespace ?? '', pod.metadata.name ?? ''),
      10254,
      (req) =>
        req.path === '/metrics'
          ? {
              status: 200,
              contentType: 'text/plain; version=0.0.4; charset=utf-8',
              body: metricsText(pod, counters),
            }
          : { status: 404, contentType: 'text/plain', body: '404 page not found\n' },
    );
  }
}

function metricsText(pod: KubeObject, counters: Map<string, number>): string {
  const lines = [
    '# HELP nginx_ingress_controller_requests The total number of client requests',
    '# TYPE nginx_ingress_controller_requests counter',
  ];
  for (const [key, n] of [...counters].sort(([a], [b]) => a.localeCompare(b))) {
    const [namespace, service, host, path, status] = key.split('|');
    lines.push(
      `nginx_ingress_controller_requests{controller_class="k8s.io/ingress-nginx",controller_namespace="${pod.metadata.namespace}",controller_pod="${pod.metadata.name}",host="${host}",ingress="${service}",method="GET",namespace="${namespace}",path="${path}",service="${service}",status="${status}"} ${n}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

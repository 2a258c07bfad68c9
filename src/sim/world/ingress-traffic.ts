/**
 * App traffic through the ingress controller (ingress-nginx or an Envoy-based one; their
 * metric names are in ingress-metrics.ts), as its metrics tell it: every Service a
 * scenario exposes through the ingress gets a steady request rate, and each request's
 * status follows from where it lands: 503 when the Service has no ready endpoint (what
 * ingress-nginx answers with no upstream), 504 when the endpoint's node has lost its
 * network (the upstream never answers), 500 when the container serves errors because a
 * need of its own is unmet, 200 otherwise. Where a node's conntrack table is full, the
 * share of new connections it drops (the controller's to its upstreams on its own node,
 * the upstream's inbound on the endpoint's node) ends in 504 too: ingress-nginx opens a
 * new upstream connection per request unless kept alive, and a dropped SYN times out.
 * Counters are kept per controller pod under
 * ingress-nginx's metric name and labels and served at the pod's :10254/metrics, which
 * the API server proxies (`pods/<pod>:10254/proxy/metrics`).
 *
 * An ingress-nginx pod serves only the Ingresses it takes as its own (ingress-class.ts,
 * by its image's version): requests for the hosts of the others reach its default server
 * and get 404, counted only in its nginx process total, and its store logs which
 * Ingresses it took and which it ignored when it starts.
 */
import type { Clock, Timer } from '../../time/clock.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { type NodeProxyRegistry, podEndpointKey } from '../api/node-proxy.ts';
import type { PodLogBook } from '../api/pod-log-book.ts';
import { resourceForKind } from '../api/resources.ts';
import type { Scenario } from '../scenario/schema.ts';
import type { ObjectStore } from '../store/object-store.ts';
import {
  type IngressClassView,
  type IngressView,
  nginxClassVerdict,
  nginxControllerMajor,
  nginxStoreLines,
} from './ingress-class.ts';
import { controllerImages, controllerKindOf, metricsEndpoint, metricsText } from './ingress-metrics.ts';
import type { ScenarioWorld } from './scenario-world.ts';

const podType = resourceForKind('Pod')!;
const sliceType = resourceForKind('EndpointSlice', 'discovery.k8s.io')!;
const ingressType = resourceForKind('Ingress', 'networking.k8s.io')!;
const ingressClassType = resourceForKind('IngressClass', 'networking.k8s.io')!;

/** Requests per second each exposed Service receives. */
export const requestsPerSecond = 20;
/** Requests are counted in 30 s batches, the scrape cadence: finer would only cost time. */
const tickMs = 30_000;
/** Share of requests whose responses are larger than one packet (pages, API listings). */
const largeResponseShare = 0.3;

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
  status?: {
    conditions?: { type: string; status: string }[];
    containerStatuses?: { name: string; state?: { running?: unknown } }[];
  };
}

export class IngressTraffic {
  private readonly o: {
    scenario: Scenario;
    world: ScenarioWorld;
    store: ObjectStore;
    clock: Clock;
    proxy: NodeProxyRegistry;
    /** Share of new connections a node's full conntrack table drops now (conntrack.ts). */
    newFlowDropShare?: (node: string) => number;
    /** Where controller pods' log lines go (`kubectl logs`). */
    logs?: PodLogBook;
  };
  private readonly exposed: Exposed[] = [];
  /** Per controller pod: counter key (service|status) → count. */
  private readonly counters = new Map<string, Map<string, number>>();
  /** Per controller pod: every request its nginx answered, served host or not. */
  private readonly processRequests = new Map<string, number>();
  private timer: Timer | undefined;
  /** Controller pods whose start has been logged. */
  private readonly started = new Set<string>();
  private unsubscribe: (() => void) | undefined;

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
    if (this.o.logs)
      this.unsubscribe = this.o.store.subscribe(podType.storage, (ev) => {
        // Cheap checks first: pod events are many, controller starts few.
        const e = ev.entry;
        if (
          ev.type === 'DELETED' ||
          e.terminating ||
          this.started.has(e.key) ||
          !controllerImages.nginx.test(e.json)
        )
          return;
        this.logStart(JSON.parse(e.json) as KubeObject & PodView);
      });
    const tick = (): void => {
      this.serve();
      this.timer = this.o.clock.after(tickMs, tick);
    };
    this.timer = this.o.clock.after(tickMs, tick);
  }

  stop(): void {
    this.timer?.cancel();
    this.unsubscribe?.();
  }

  /**
   * One request from outside for `host` and `path`, entering at `node` (a load balancer
   * target): the status it ends with, drawn with `random` from what the cluster serves.
   */
  sample(host: string, path: string, node: string, random: () => number): string {
    const svc = this.exposed
      .filter((e) => e.host === host && path.startsWith(e.path))
      .sort((a, b) => b.path.length - a.path.length)[0];
    if (!svc) return '404';
    const controllers = this.controllers();
    if (!controllers.length) return '503';
    // kube-proxy on the entry node sends the connection to any controller pod.
    const c = controllers[Math.floor(random() * controllers.length)];
    // A host of no Ingress this controller took: its default server answers.
    if (!this.takes(c, svc)) return '404';
    const cNode = c.spec?.nodeName ?? '';
    const net = this.o.world.podNetwork;
    if (net && !net.routed(node, cNode)) return 'timeout';
    let r = random();
    for (const [status, share] of this.outcomes(svc, net ? cNode : undefined)) {
      r -= share;
      if (r < 0) return status;
    }
    return '200';
  }

  private controllers(): (KubeObject & PodView)[] {
    return (this.o.store.listObjects(podType) as (KubeObject & PodView)[]).filter(
      (p) =>
        !p.metadata.deletionTimestamp &&
        controllerKindOf((p.spec?.containers ?? []).map((c) => c.image ?? '')) !== undefined &&
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
      const perController =
        this.o.world.podNetwork || controllers.some((c) => this.dropShare(c.spec?.nodeName));
      const shared = perController ? undefined : this.outcomes(svc);
      controllers.forEach((c, i) => {
        // With a modelled pod network each controller pod reaches the endpoints its node can.
        const outcomes = shared ?? this.outcomes(svc, c.spec?.nodeName);
        const podKey = `${c.metadata.namespace}/${c.metadata.name}`;
        const counters = this.counters.get(podKey)!;
        // Each controller pod takes an equal share, the first one the remainder.
        const share = Math.floor(total / controllers.length) + (i === 0 ? total % controllers.length : 0);
        this.processRequests.set(podKey, (this.processRequests.get(podKey) ?? 0) + share);
        // Hosts it does not serve get 404 from its default server and no per-host count.
        if (!this.takes(c, svc)) return;
        let left = share;
        outcomes.forEach(([status, weight], j) => {
          const n = j === outcomes.length - 1 ? left : Math.round(share * weight);
          left -= n;
          const noUpstream = status === '503' && outcomes.length === 1 ? '1' : '0';
          const key = `${svc.namespace}|${svc.service}|${svc.host}|${svc.path}|${status}|${noUpstream}`;
          if (n > 0) counters.set(key, (counters.get(key) ?? 0) + n);
        });
      });
    }
  }

  /** Status codes with their share of the Service's requests (as proxied from `from`). */
  private outcomes(svc: Exposed, from?: string): [string, number][] {
    const { store, world } = this.o;
    const endpoints = store
      .listObjects(sliceType, svc.namespace)
      .filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === svc.service)
      .flatMap((s) => (s as SliceView).endpoints ?? [])
      .filter((e) => e.conditions?.ready);
    if (!endpoints.length) return [['503', 1]];
    const counts = new Map<string, number>();
    const fromDrop = this.dropShare(from);
    for (const e of endpoints) {
      const node = e.nodeName ?? '';
      let status = '200';
      const net = world.podNetwork;
      if (world.deps.faultsOn(node).networkDown) status = '504';
      else if (net && from !== undefined && !net.routed(from, node)) status = '504';
      else if (this.servesErrors(svc.namespace, e.targetRef?.name ?? '', node)) status = '500';
      // A full conntrack table at either end drops the new upstream connection's SYN.
      const dropped = 1 - (1 - fromDrop) * (1 - this.dropShare(node));
      if (status !== '504' && dropped > 0) {
        counts.set('504', (counts.get('504') ?? 0) + dropped);
        counts.set(status, (counts.get(status) ?? 0) + 1 - dropped);
        continue;
      }
      // Large responses hang where the path MTU is smaller than the pods' packets.
      if (status === '200' && net && from !== undefined && !net.largePacketsPass(node, from)) {
        counts.set('504', (counts.get('504') ?? 0) + largeResponseShare);
        counts.set('200', (counts.get('200') ?? 0) + 1 - largeResponseShare);
        continue;
      }
      counts.set(status, (counts.get(status) ?? 0) + 1);
    }
    return [...counts].map(([status, n]) => [status, n / endpoints.length]);
  }

  private dropShare(node: string | undefined): number {
    return node === undefined ? 0 : (this.o.newFlowDropShare?.(node) ?? 0);
  }

  private servesErrors(namespace: string, pod: string, node: string): boolean {
    const p = this.o.store.find(podType, namespace, pod) as (KubeObject & PodView) | undefined;
    if (!p) return true;
    return (p.spec?.containers ?? []).some((c) => {
      const needs = this.o.world.needsOf(p, c.name);
      return needs.onFailure === 'degrade' && this.o.world.deps.check(node, needs.needs) !== undefined;
    });
  }

  /** The ingress-nginx container of a controller pod and its major version. */
  private nginxContainer(pod: PodView): { name: string; major: number | undefined } | undefined {
    const c = (pod.spec?.containers ?? []).find((x) => controllerImages.nginx.test(x.image ?? ''));
    return c && { name: c.name, major: nginxControllerMajor(c.image ?? '') };
  }

  private ingressOf(svc: Exposed): (KubeObject & IngressView) | undefined {
    return this.o.store.find(ingressType, svc.namespace, svc.service) as
      | (KubeObject & IngressView)
      | undefined;
  }

  private ingressClasses(): IngressClassView[] {
    return this.o.store.listObjects(ingressClassType) as (KubeObject & IngressClassView)[];
  }

  /** Whether the controller pod serves the Ingress of `svc` (Envoy-based ones: always). */
  private takes(pod: PodView, svc: Exposed): boolean {
    const nginx = this.nginxContainer(pod);
    const ing = nginx && this.ingressOf(svc);
    if (!nginx || !ing) return true;
    return nginxClassVerdict(ing, this.ingressClasses(), nginx.major).taken;
  }

  /**
   * A 1.x controller's store logs which Ingresses it took and which it ignored as its
   * informer first lists them, moments after the container starts.
   */
  private logStart(pod: KubeObject & PodView): void {
    const nginx = this.nginxContainer(pod);
    const logs = this.o.logs;
    if (!logs || !nginx || nginx.major === undefined || nginx.major < 1 || pod.metadata.deletionTimestamp)
      return;
    const running = pod.status?.containerStatuses?.some((c) => c.name === nginx.name && c.state?.running);
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (!running || this.started.has(key)) return;
    this.started.add(key);
    const classes = this.ingressClasses();
    const now = this.o.clock.now();
    for (const ing of this.o.store.listObjects(ingressType) as (KubeObject & IngressView)[])
      for (const line of nginxStoreLines(ing, nginxClassVerdict(ing, classes, nginx.major), now))
        logs.append(pod.metadata.namespace ?? '', pod.metadata.name ?? '', nginx.name, line, now);
  }

  private register(pod: KubeObject & PodView): void {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (this.counters.has(key)) return;
    const counters = new Map<string, number>();
    this.counters.set(key, counters);
    const kind = controllerKindOf((pod.spec?.containers ?? []).map((c) => c.image ?? '')) ?? 'nginx';
    const at = metricsEndpoint[kind];
    this.o.proxy.register(
      podEndpointKey(pod.metadata.namespace ?? '', pod.metadata.name ?? ''),
      at.port,
      (req) =>
        req.path === at.path
          ? {
              status: 200,
              contentType: 'text/plain; version=0.0.4; charset=utf-8',
              body: metricsText(kind, pod, counters, this.processRequests.get(key) ?? 0),
            }
          : { status: 404, contentType: 'text/plain', body: '404 page not found\n' },
    );
  }
}

/**
 * The cloud load balancer in front of the ingress controller's Service, as users meet it:
 * its targets are the nodes of the named pools (the cloud provider's service controller
 * registers them), each health-checked every interval and taken out of rotation after
 * `unhealthyThreshold` failures in a row. A request goes to a healthy target; with none
 * healthy but some registered, AWS load balancers fail open and try them all; with none
 * registered an ALB or Classic ELB answers 503 itself and an NLB's connections time out
 * (AWS Elastic Load Balancing docs: target health, "fail open"). From the target on, the
 * request follows the cluster's own path (kube-proxy, ingress controller, endpoints).
 *
 * Users therefore see 503s or timeouts while everything inside the cluster is healthy
 * when targets were deregistered or health checks fail (a security group, a wrong port).
 * `request()` is the probe a tool can make from outside; `serveLoadBalancer` puts it on a
 * loopback port for tools that speak HTTP.
 */
import { createServer, type Server } from 'node:http';
import type { Clock, Timer } from '../../time/clock.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import type { Scenario } from '../scenario/schema.ts';
import { parseDuration } from '../scenario/time-spec.ts';
import type { ObjectStore } from '../store/object-store.ts';
import type { IngressTraffic } from './ingress-traffic.ts';
import type { LoadBalancerFaults } from './network-faults.ts';
import type { NodeMachines } from './node-machines.ts';
import type { ScenarioWorld } from './scenario-world.ts';

const serviceType = resourceForKind('Service')!;

export interface LoadBalancerAnswer {
  /** The HTTP status, or `timeout` when the connection never completes. */
  status: number | 'timeout';
  body: string;
}

interface Target {
  registered: boolean;
  healthy: boolean;
  failures: number;
}

export class ExternalLoadBalancer implements LoadBalancerFaults {
  private readonly o: {
    scenario: Scenario;
    store: ObjectStore;
    clock: Clock;
    world: ScenarioWorld;
    machines: NodeMachines;
    traffic: IngressTraffic;
  };
  private readonly lb: NonNullable<NonNullable<Scenario['cluster']['ingress']>['loadBalancer']>;
  private readonly targets = new Map<string, Target>();
  /** Fault source → the nodes it deregistered or whose checks it fails (all when undefined). */
  private readonly deregistered = new Map<string, readonly string[] | undefined>();
  private readonly failing = new Map<string, readonly string[] | undefined>();
  private timer: Timer | undefined;

  constructor(o: ExternalLoadBalancer['o']) {
    this.o = o;
    const lb = o.scenario.cluster.ingress?.loadBalancer;
    if (!lb) throw new Error(`scenario ${o.scenario.name} has no cluster.ingress.loadBalancer`);
    this.lb = lb;
  }

  get hostname(): string {
    return this.lb.hostname;
  }

  start(): void {
    this.publishHostname();
    const every = parseDuration(this.lb.healthCheck.interval) ?? 10_000;
    const tick = (): void => {
      this.check();
      this.timer = this.o.clock.after(every, tick);
    };
    this.check();
    for (const t of this.targets.values()) t.healthy = t.registered && t.failures === 0;
    this.timer = this.o.clock.after(every, tick);
  }

  stop(): void {
    this.timer?.cancel();
  }

  /** The target group as the cloud console lists it. */
  targetHealth(): { node: string; state: 'healthy' | 'unhealthy' | 'unused' }[] {
    this.sync();
    return [...this.targets]
      .filter(([, t]) => t.registered)
      .map(([node, t]) => ({ node, state: t.healthy ? ('healthy' as const) : ('unhealthy' as const) }))
      .sort((a, b) => a.node.localeCompare(b.node));
  }

  /** One request from outside through the load balancer. */
  request(host: string, path = '/'): LoadBalancerAnswer {
    this.sync();
    const registered = [...this.targets].filter(([, t]) => t.registered).map(([n]) => n);
    const healthy = registered.filter((n) => this.targets.get(n)?.healthy);
    const kind = this.lb.kind;
    if (!registered.length) {
      if (kind === 'aws-alb') return { status: 503, body: '503 Service Temporarily Unavailable' };
      if (kind === 'aws-elb') return { status: 503, body: 'Back-end server is at capacity' };
      return { status: 'timeout', body: '' };
    }
    const pool = healthy.length ? healthy : registered;
    const node = pool[Math.floor(this.o.world.random() * pool.length)];
    if (!this.entryWorks(node))
      return kind === 'aws-alb'
        ? { status: 504, body: '504 Gateway Time-out' }
        : { status: 'timeout', body: '' };
    const status = this.o.traffic.sample(host, path, node, this.o.world.random);
    if (status === 'timeout')
      return kind === 'aws-alb'
        ? { status: 504, body: '504 Gateway Time-out' }
        : { status: 'timeout', body: '' };
    return { status: Number(status), body: '' };
  }

  deregister(nodes: readonly string[] | undefined, source: string): void {
    this.deregistered.set(source, nodes);
    this.sync();
  }

  failHealthChecks(nodes: readonly string[] | undefined, source: string): void {
    this.failing.set(source, nodes);
  }

  heal(source: string): void {
    this.deregistered.delete(source);
    this.failing.delete(source);
    this.sync();
  }

  /** Registers every node of the target pools again (a deregistration no longer holds). */
  registerAll(): void {
    this.deregistered.clear();
    this.sync();
  }

  /** Whether traffic that reaches the node on the Service's NodePort gets into the cluster. */
  private entryWorks(node: string): boolean {
    const host = this.o.machines.host(node);
    const f = this.o.world.deps.faultsOn(node);
    return host.up && !host.networkDown && !f.serviceRoutingBroken && !f.networkDown;
  }

  /** Targets follow the pools' nodes; deregistrations hold until healed or re-registered. */
  private sync(): void {
    const pools = new Set(this.lb.targetPools);
    const current = new Set([...this.o.world.pools].filter(([, p]) => pools.has(p)).map(([n]) => n));
    for (const n of [...this.targets.keys()]) if (!current.has(n)) this.targets.delete(n);
    for (const n of current) {
      const t = this.targets.get(n) ?? { registered: true, healthy: false, failures: 0 };
      t.registered = ![...this.deregistered.values()].some(
        (nodes) => nodes === undefined || nodes.includes(n),
      );
      if (!t.registered) {
        t.healthy = false;
        t.failures = 0;
      }
      this.targets.set(n, t);
    }
  }

  private check(): void {
    this.sync();
    const threshold = this.lb.healthCheck.unhealthyThreshold;
    for (const [node, t] of this.targets) {
      if (!t.registered) continue;
      const blocked = [...this.failing.values()].some((nodes) => nodes === undefined || nodes.includes(node));
      const ok = !blocked && this.entryWorks(node);
      t.failures = ok ? 0 : t.failures + 1;
      // Healthy after passing checks, unhealthy after `threshold` failures in a row.
      if (ok) t.healthy = true;
      else if (t.failures >= threshold) t.healthy = false;
    }
  }

  /** The cloud controller writes the load balancer's name into the Service's status. */
  private publishHostname(): void {
    const { store } = this.o;
    for (const svc of store.listObjects(serviceType) as (KubeObject & { spec?: { type?: string } })[]) {
      if (svc.spec?.type !== 'LoadBalancer') continue;
      store.update(
        serviceType,
        { ...svc, status: { loadBalancer: { ingress: [{ hostname: this.lb.hostname }] } } },
        { subresource: 'status' },
      );
    }
  }
}

/**
 * Serves the load balancer's answers on a loopback port (real time), for tools that probe
 * over HTTP: the Host header picks the site, a timeout is a connection left hanging.
 */
export function serveLoadBalancer(
  lb: ExternalLoadBalancer,
  port = 0,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    const answer = lb.request(host, req.url ?? '/');
    if (answer.status === 'timeout') return; // never answered; the client's timeout decides
    res.writeHead(answer.status, { 'content-type': 'text/plain' });
    res.end(answer.body);
  });
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      resolve({
        url: `http://127.0.0.1:${bound}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

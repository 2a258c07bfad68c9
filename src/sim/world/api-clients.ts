/**
 * The load a cluster puts on its API server, as flows on the API load model: every
 * kubelet renewing its lease every 10 s (and reading and, every 5 minutes, posting its
 * node's status), the controller-manager and scheduler renewing their leader leases every
 * 2 s, and the scenario's own clients (`cluster.apiClients`) and the faults that add or
 * multiply them. Rates that follow the cluster's size are read from the store's counts.
 */
import { requestUser } from '../api/apf.ts';
import type { ApiLoad, ClientFlow } from '../api/api-load.ts';
import type { ApiServerMetrics } from '../api/apiserver-metrics.ts';
import type { ResourceCounts } from '../api/resource-counts.ts';
import { resourceForKind } from '../api/resources.ts';
import { findResourceByName } from '../api/resources-lookup.ts';
import type { ApiClient, ApiClientFault } from '../scenario/api-clients-shape.ts';
import { parseDuration } from '../scenario/time-spec.ts';
import type { ObjectStore } from '../store/object-store.ts';

const daemonSetType = resourceForKind('DaemonSet', 'apps')!;

export class ApiClients {
  private readonly load: ApiLoad;
  private readonly metrics: ApiServerMetrics;
  private readonly counts: ResourceCounts;
  private readonly store?: ObjectStore;
  private readonly declared = new Map<string, { client: ApiClient; factor: number }>();
  private readonly offs: (() => void)[] = [];

  constructor(o: {
    load: ApiLoad;
    metrics: ApiServerMetrics;
    counts: ResourceCounts;
    /** Where DaemonSets are read, for clients that run as one's pods. */
    store?: ObjectStore;
    clients?: readonly ApiClient[];
  }) {
    this.load = o.load;
    this.metrics = o.metrics;
    this.counts = o.counts;
    this.store = o.store;
    const nodes = () => this.counts.count('nodes', '');
    const kubelet = requestUser('system:node:kubelet', ['system:nodes']);
    const builtIn: ClientFlow[] = [
      flow(
        'kubelet',
        kubelet,
        'update',
        'coordination.k8s.io',
        'v1',
        'leases',
        'kube-node-lease',
        () => nodes() / 10,
      ),
      flow('kubelet', kubelet, 'get', '', 'v1', 'nodes', undefined, () => nodes() / 10),
      flow('kubelet', kubelet, 'patch', '', 'v1', 'nodes', undefined, () => nodes() / 300),
      ...['kube-controller-manager', 'kube-scheduler'].map((c) =>
        flow(
          c,
          requestUser(`system:${c}`),
          'update',
          'coordination.k8s.io',
          'v1',
          'leases',
          'kube-system',
          () => 0.5,
        ),
      ),
    ];
    for (const f of builtIn) this.offs.push(this.load.add(f));
    for (const c of o.clients ?? []) {
      const entry = { client: c, factor: 1 };
      this.declared.set(c.name, entry);
      this.offs.push(this.load.add(this.clientFlow(c, () => entry.factor)));
    }
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
  }

  /** A client fault: a new client runs, or a declared one sends more; returns the heal. */
  inject(f: ApiClientFault): () => void {
    if (f.type === 'api-client')
      return this.load.add(
        this.clientFlow(f.client, () => 1),
        this.metrics,
      );
    const entry = this.declared.get(f.client);
    if (!entry)
      throw new Error(
        `api-client-surge names client "${f.client}", which cluster.apiClients does not declare`,
      );
    this.scale(entry, f.factor);
    return () => this.scale(entry, 1 / f.factor);
  }

  /** Changes a client's rate, counting what it sent at the old rate first. */
  private scale(entry: { factor: number }, by: number): void {
    this.load.integrate(this.metrics);
    entry.factor *= by;
    this.load.levelsChanged();
  }

  /** The DaemonSet's ready pods, as its controller counts them (`status.numberReady`); 0 before it exists. */
  private readyPods(ref: string): number {
    const [namespace, name] = ref.split('/');
    const ds = this.store?.find(daemonSetType, namespace, name) as
      | { status?: { numberReady?: number } }
      | undefined;
    return ds?.status?.numberReady ?? 0;
  }

  private clientFlow(c: ApiClient, factor: () => number): ClientFlow {
    const [plural, ...rest] = c.resource.split('.');
    const group = rest.join('.');
    const version = findResourceByName(plural, group)?.version ?? 'v1';
    const user = c.serviceAccount
      ? requestUser(`system:serviceaccount:${c.serviceAccount.replace('/', ':')}`)
      : requestUser(c.user ?? c.name);
    const everyS = (parseDuration(c.every) ?? 60_000) / 1000;
    const instances = () =>
      c.daemonSet ? this.readyPods(c.daemonSet) : c.perNode ? this.counts.count('nodes', '') : 1;
    return {
      name: c.name,
      user,
      userAgent: c.userAgent ?? `${c.name}/v1.0.0`,
      verb: c.verb,
      group,
      version,
      resource: plural,
      namespace: c.namespace,
      limit: c.limit,
      rate: () => (instances() / everyS) * factor(),
    };
  }
}

function flow(
  name: string,
  user: ReturnType<typeof requestUser>,
  verb: ClientFlow['verb'],
  group: string,
  version: string,
  resource: string,
  namespace: string | undefined,
  rate: () => number,
): ClientFlow {
  return {
    name,
    user,
    userAgent: `${name}/v1.32.4 (linux/amd64) kubernetes`,
    verb,
    group,
    version,
    resource,
    namespace,
    rate,
  };
}

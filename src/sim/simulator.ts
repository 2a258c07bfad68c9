/**
 * One simulated cluster: the store, the API server in front of it, container logs,
 * per-node endpoints and protocol faults, wired together. `kubetriage sim`, the
 * conformance suites and the benchmarks all start clusters through here.
 */
import type { Clock } from '../time/clock.ts';
import { realClock } from '../time/clock.ts';
import { seededRandom } from '../time/virtual-clock.ts';
import { AdmissionWebhooks } from './api/admission-webhooks.ts';
import { flowControlObjects } from './api/apf.ts';
import { ApiLoad } from './api/api-load.ts';
import { ApiServerMetrics } from './api/apiserver-metrics.ts';
import { ProtocolFaults } from './api/faults.ts';
import { objectFields } from './api/field-selector.ts';
import { NodeProxyRegistry } from './api/node-proxy.ts';
import { PodLogBook } from './api/pod-log-book.ts';
import type { TokenSubject } from './api/rbac.ts';
import { RequestAccounting } from './api/request-accounting.ts';
import { ResourceCounts } from './api/resource-counts.ts';
import { findResource, resourceForKind } from './api/resources.ts';
import { SimApiServer, type SimApiServerOptions } from './api/server.ts';
import { generateServingCert } from './api/serving-cert.ts';
import { x509Time } from './api/x509.ts';
import { parseBytes } from './behaviour/memory.ts';
import type { ControlPlane } from './cluster/control-plane.ts';
import { seedStaticCluster } from './cluster/static-cluster.ts';
import { startStaticHeartbeats } from './cluster/static-heartbeats.ts';
import { startDisruptionController } from './controllers/disruption.ts';
import { startPodTerminator } from './controllers/pod-terminator.ts';
import { isAdmissionWebhookFault, isApiClientFault } from './scenario/control-plane-faults.ts';
import type { Scenario } from './scenario/schema.ts';
import { ObjectStore } from './store/object-store.ts';
import { AdmissionWebhookWorld } from './world/admission-webhook-world.ts';
import { ApiClients } from './world/api-clients.ts';
import { ApiserverMemory } from './world/apiserver-memory.ts';
import { Certificates } from './world/certificates.ts';
import { etcdVersionFor, scenarioControlPlane, staticControlPlane } from './world/control-plane-setup.ts';
import { ControlPlaneWorld, type ControlPlaneWorldParts } from './world/control-plane-world.ts';
import { overlayFlag } from './world/overlay-flag.ts';
import { ScenarioRunner } from './world/scenario-runner.ts';
import { buildScenarioWorld, type ScenarioWorld } from './world/scenario-world.ts';
import { Writers } from './world/writers.ts';

export interface SimulatorOptions {
  clock?: Clock;
  token?: string;
  /** Tokens bound to roles: their requests are authorized by RBAC (api/rbac.ts). */
  tokens?: ReadonlyMap<string, TokenSubject>;
  /** Worker nodes in the static cluster; 0 leaves the store empty. */
  workers?: number;
  /** Seed the static cluster (default true). */
  seed?: boolean;
  /**
   * Keep the static cluster's nodes heartbeating (leases every 10 s, status every 5 min),
   * as `kubetriage sim` does; off by default so a test's store changes only when it acts.
   */
  heartbeats?: boolean;
  historyWindowMs?: number;
  historyMaxEvents?: number;
  watch?: SimApiServerOptions['watch'];
  faultSeed?: number;
  /** Serve HTTPS with a generated self-signed certificate (default true, as real API servers). */
  tls?: boolean;
  /** Build this scenario's cluster, with the behaviour model running, instead of the static one. */
  scenario?: Scenario;
  /** Play the scenario's timeline and churn too (default true); off leaves a steady cluster. */
  timeline?: boolean;
  /**
   * Leave out the timeline's operator actions at or after this time (faults still play):
   * the remediation under test does the fixing instead of the people in the story.
   */
  actionsBefore?: number;
}

export class Simulator {
  readonly clock: Clock;
  readonly store: ObjectStore;
  readonly logs = new PodLogBook();
  readonly nodeProxy = new NodeProxyRegistry();
  readonly faults: ProtocolFaults;
  readonly server: SimApiServer;
  /** The serving certificate's PEM, the CA a kubeconfig for this cluster trusts; unset over plain HTTP. */
  caPem: string | undefined;
  private readonly tls: boolean;
  private readonly stoppers: (() => void)[] = [];
  /** The running scenario, when built from one. */
  readonly world: ScenarioWorld | undefined;
  /** Plays the scenario's timeline; ground truth for tests and scoring, never for the product. */
  readonly runner: ScenarioRunner | undefined;
  /** The kube-apiserver replicas and etcd behind the endpoint (ground truth). */
  readonly controlPlane: ControlPlane;
  /** Its static pods, their programs and the control-plane faults. */
  readonly controlPlaneWorld: ControlPlaneWorld;
  /** kube-apiserver's `/metrics`. */
  readonly metrics = new ApiServerMetrics();
  /** The load on the API server and how API Priority and Fairness shares it. */
  readonly load: ApiLoad;
  /** The cluster's own clients and the scenario's (ground truth for the load). */
  readonly apiClients: ApiClients;
  /** When the scenario's certificates expire (ground truth). */
  certificates: Certificates | undefined;
  /** Dynamic admission: webhook configurations in the store, called as the apiserver calls them. */
  readonly webhooks: AdmissionWebhooks;
  /** The scenario's webhooks, their servers, faults and install/delete actions. */
  readonly webhookWorld: AdmissionWebhookWorld;
  private readonly serverOptions: SimApiServerOptions;
  /** The certificate first served (its key signs the reissued ones). */
  private original: { key: string; cert: string } | undefined;
  private host = '127.0.0.1';
  private certificateSwap: Promise<void> = Promise.resolve();

  /** Resolves once the certificate the control plane's state calls for is being served. */
  certificateServed(): Promise<void> {
    return this.certificateSwap;
  }

  constructor(opts: SimulatorOptions = {}) {
    this.podNetworkOutsideControlPlane = opts.scenario?.cluster.cni?.controlPlaneReachesPods === false;
    this.clock = opts.clock ?? realClock;
    this.store = new ObjectStore({
      clock: this.clock,
      fieldsOf: objectFields,
      historyWindowMs: opts.historyWindowMs,
      historyMaxEvents: opts.historyMaxEvents,
      // A scenario's objects are part of its replay: same seed, same uids.
      random: opts.scenario ? seededRandom(opts.scenario.seed ^ 0x5eed) : undefined,
    });
    this.faults = new ProtocolFaults(opts.faultSeed);
    this.tls = opts.tls ?? true;
    this.serverOptions = {
      store: this.store,
      clock: this.clock,
      logs: this.logs,
      nodeProxy: this.nodeProxy,
      faults: this.faults,
      token: opts.token,
      tokens: opts.tokens,
      watch: opts.watch,
      version: opts.scenario ? versionInfo(opts.scenario.cluster.kubernetesVersion) : undefined,
      addons: new Set(opts.scenario?.cluster.cni?.kind === 'calico' ? ['calico'] : []),
    };
    this.server = new SimApiServer(this.serverOptions);
    const counts = new ResourceCounts(this.store);
    this.load = new ApiLoad({ clock: this.clock, count: (r, g, ns) => counts.count(r, g, ns) });
    this.metrics.collect((m) => this.load.integrate(m));
    this.serverOptions.metrics = this.metrics;
    this.serverOptions.accounting = new RequestAccounting({
      load: this.load,
      metrics: this.metrics,
      clock: this.clock,
      store: this.store,
      random: seededRandom((opts.scenario?.seed ?? 0) ^ 0xa9f),
    });
    this.apiClients = new ApiClients({
      load: this.load,
      metrics: this.metrics,
      counts,
      store: this.store,
      clients: opts.scenario?.cluster.apiClients,
    });
    this.stoppers.push(
      () => this.apiClients.stop(),
      () => counts.stop(),
    );
    this.webhooks = new AdmissionWebhooks({
      store: this.store,
      clock: this.clock,
      metrics: this.metrics,
      nodeReachable: (node) => this.nodeReachable(node),
      podIpReachable: (ip, node) => this.controlPlaneReachesPodIp(ip, node),
    });
    this.serverOptions.webhooks = this.webhooks;
    this.store.admission = this.webhooks;
    this.stoppers.push(() => this.webhooks.stop());
    this.webhookWorld = new AdmissionWebhookWorld({
      store: this.store,
      clock: this.clock,
      admission: this.webhooks,
      startMs: opts.scenario ? Date.parse(opts.scenario.start) : this.clock.now(),
      webhooks: opts.scenario?.cluster.admissionWebhooks ?? [],
    });
    this.stoppers.push(() => this.webhookWorld.stop());
    // The default FlowSchemas and priority levels, as the apiserver's config producer keeps them.
    const { flowSchemas, priorityLevels } = flowControlObjects();
    for (const [kind, objects] of [
      ['PriorityLevelConfiguration', priorityLevels],
      ['FlowSchema', flowSchemas],
    ] as const) {
      const r = resourceForKind(kind, 'flowcontrol.apiserver.k8s.io')!;
      for (const o of objects) this.store.create(r, o, { createdAtMs: this.clock.now() - 3_600_000 });
    }
    if (opts.scenario) {
      this.world = buildScenarioWorld(opts.scenario, {
        store: this.store,
        clock: this.clock,
        logs: this.logs,
        nodeProxy: this.nodeProxy,
        clusterIps: this.server.clusterIps,
      });
      this.world.deps.cluster.apiServes = (gvr) => this.serves(gvr);
      this.stoppers.push(() => this.world?.stop());
      const s = opts.scenario;
      const world = this.world;
      this.controlPlane = scenarioControlPlane(s, this.store, (node) => this.nodeReachable(node));
      const apiserverMemory = parseBytes(s.cluster.controlPlane.apiserverMemory);
      if (apiserverMemory) {
        const memory = new ApiserverMemory({
          clock: this.clock,
          cp: this.controlPlane,
          load: this.load,
          metrics: this.metrics,
          limitBytes: apiserverMemory,
        });
        this.stoppers.push(() => memory.stop());
      }
      let inCluster = { read: true, write: true };
      // While no replica can serve, pods meet the API as gone; while none can write,
      // kubelets cannot post status or renew leases: on top of what faults say.
      overlayFlag(world.deps.cluster, 'apiServerUp', () => !inCluster.read);
      overlayFlag(world.deps.cluster, 'apiWritable', () => !inCluster.write);
      this.controlPlaneWorld = this.startControlPlane(this.controlPlane, {
        kubernetesVersion: s.cluster.kubernetesVersion,
        etcdVersion: s.cluster.controlPlane.etcd?.version ?? etcdVersionFor(s.cluster.kubernetesVersion),
        serviceCidr: s.cluster.controlPlane.serviceCidr ?? '10.96.0.0/12',
        createPods: true,
        setOwnFailure: (w, c, f) => world.setOwnFailure(w, c, f),
        recheck: () => world.deps.changed(),
        setInCluster: (can) => {
          inCluster = can;
          this.runner?.machines.applyAll();
          world.deps.changed();
        },
      });
      if (opts.timeline !== false) {
        this.runner = new ScenarioRunner({
          scenario: opts.scenario,
          world: this.world,
          store: this.store,
          clock: this.clock,
          protocol: this.faults,
          nodeProxy: this.nodeProxy,
          logs: this.logs,
          actionsBefore: opts.actionsBefore,
          setApiVersion: (gitVersion) => {
            this.serverOptions.version = versionInfo(gitVersion);
            // Programs built against an API the new version no longer serves notice.
            this.world?.deps.changed();
            void this.controlPlaneWorld.rollApiservers(() => this.caRegistrationRefused());
          },
          controlPlaneFaults: (fault, source) =>
            isApiClientFault(fault)
              ? this.apiClients.inject(fault)
              : isAdmissionWebhookFault(fault)
                ? this.webhookWorld.inject(fault)
                : fault.type === 'certificate-expires'
                  ? (this.certificates?.inject(fault) ?? (() => {}))
                  : this.controlPlaneWorld.inject(fault, source),
          controlPlaneActions: (action) =>
            action.type === 'renew-certificates'
              ? this.certificates?.renew(action)
              : this.webhookWorld.perform(action),
        });
        overlayFlag(this.runner.machines, 'apiFromNodes', () => !inCluster.write);
        this.certificates = new Certificates({
          scenario: s,
          clock: this.clock,
          cp: this.controlPlane,
          logs: this.logs,
          machines: () => this.runner?.machines,
          nodesOf: (pools) => [...world.pools].filter(([, p]) => !pools || pools.includes(p)).map(([n]) => n),
        });
        this.stoppers.push(() => this.certificates?.stop());
        // Replicas that answer while etcd cannot serve: requests reach them and come back with
        // etcd's error (kube-apiserver maps etcd's timeout to "etcdserver: request timed out").
        world.deps.cluster.apiStorageError = () => {
          const cp = this.controlPlane;
          if (!cp || cp.servingCertificateExpired() || cp.allDown() || !cp.unusable()) return undefined;
          return 'etcdserver: request timed out';
        };
        world.deps.cluster.apiTlsError = () => {
          const notAfter = this.certificates?.servingNotAfterMs;
          if (!this.controlPlane?.servingCertificateExpired() || notAfter === undefined) return undefined;
          return `x509: certificate has expired or is not yet valid: current time ${x509Time(this.clock.now())} is after ${x509Time(notAfter)}`;
        };
        const writers = new Writers({
          store: this.store,
          clock: this.clock,
          logs: this.logs,
          cp: this.controlPlane,
          servingNotAfterMs: () => this.certificates?.servingNotAfterMs,
          writers: s.cluster.writers,
        });
        this.stoppers.push(() => writers.stop());
        this.stoppers.unshift(() => this.runner?.stop());
        this.serverOptions.nodeReachable = (node) => this.nodeReachable(node);
      }
      return;
    }
    this.controlPlane = staticControlPlane();
    this.controlPlaneWorld = this.startControlPlane(this.controlPlane, {
      kubernetesVersion: 'v1.32.4',
      etcdVersion: etcdVersionFor('v1.32.4'),
      serviceCidr: '10.96.0.0/12',
      createPods: false,
    });
    if (opts.seed !== false) {
      const { nodes } = seedStaticCluster({
        store: this.store,
        logs: this.logs,
        nodeProxy: this.nodeProxy,
        clusterIps: this.server.clusterIps,
        nowMs: this.clock.now(),
        workers: opts.workers,
      });
      if (opts.heartbeats) this.stoppers.push(startStaticHeartbeats(this.store, this.clock, nodes));
    }
    this.stoppers.push(startDisruptionController(this.store, this.clock));
    this.stoppers.push(startPodTerminator(this.store, this.clock, this.logs));
  }

  /**
   * Puts the control plane behind the endpoint: every request meets one of its replicas,
   * and with none listening the endpoint refuses connections.
   */
  private startControlPlane(
    cp: ControlPlane,
    parts: Omit<ControlPlaneWorldParts, 'cp' | 'store' | 'clock' | 'logs' | 'nodeProxy'>,
  ): ControlPlaneWorld {
    const w = new ControlPlaneWorld({
      cp,
      store: this.store,
      clock: this.clock,
      logs: this.logs,
      nodeProxy: this.nodeProxy,
      ...parts,
    });
    this.stoppers.push(() => w.stop());
    this.serverOptions.controlPlane = cp;
    let served = false;
    const close = () => {
      this.faults.setClosedByControlPlane(cp.allDown() ? 'refuse' : undefined);
      const expired = cp.servingCertificateExpired();
      if (expired !== served) {
        served = expired;
        this.certificateSwap = this.certificateSwap.then(() => this.serveExpiredCertificate(expired));
      }
    };
    this.stoppers.push(cp.onChange(close));
    close();
    return w;
  }

  /**
   * TLS clients check expiry against their own (real) clock, so an expired serving
   * certificate is reissued with the same key, valid until as long before the real now as
   * the virtual now is past its expiry: clients then fail the handshake with x509's error.
   */
  private async serveExpiredCertificate(expired: boolean): Promise<void> {
    if (!this.original) return;
    if (!expired) {
      this.server.setServingCert(this.original);
      return;
    }
    const since = this.clock.now() - (this.certificates?.servingNotAfterMs ?? this.clock.now());
    const notAfterMs = realClock.now() - Math.max(1000, since);
    this.server.setServingCert(
      await generateServingCert(this.host, {
        keyPem: this.original.key,
        notBeforeMs: notAfterMs - 365 * 86_400_000,
        notAfterMs,
      }),
    );
  }

  /** Whether the API server (and anything going through it) reaches this node now. */
  /** Why kube-apiserver's ca-registration hook cannot write its ConfigMap now, if it cannot (30 s budget). */
  private caRegistrationRefused(): string | undefined {
    // Its own etcd must take the write (the replica itself is the one starting).
    const cp = this.controlPlane;
    if (cp && (cp.noSpace() || !cp.quorum())) return 'timed out waiting for the condition';
    const error = this.store.admission?.reviewNow(
      {
        operation: 'UPDATE',
        group: '',
        version: 'v1',
        resource: 'configmaps',
        namespace: 'kube-system',
        namespaced: true,
        name: 'extension-apiserver-authentication',
        labels: {},
      },
      30_000,
    );
    return error ? 'timed out waiting for the condition' : undefined;
  }

  /** The scenario's control plane is outside the pod network (`cni.controlPlaneReachesPods: false`). */
  private readonly podNetworkOutsideControlPlane: boolean;

  /**
   * Whether the API server can connect to an address on a node: always its own network's
   * (hostNetwork pods share the node's IP), a pod IP only where the control plane is on the
   * pod network (`cni.controlPlaneReachesPods`).
   */
  private controlPlaneReachesPodIp(ip: string, node: string): boolean {
    if (!this.podNetworkOutsideControlPlane) return true;
    const n = this.store.find(resourceForKind('Node')!, '', node) as
      | { status?: { addresses?: { type: string; address: string }[] } }
      | undefined;
    return n?.status?.addresses?.some((a) => a.address === ip) ?? false;
  }

  nodeReachable(node: string): boolean {
    const host = this.runner?.machines.host(node);
    return !host || (host.up && !host.networkDown);
  }

  /** Whether the API server serves `<group>/<version>/<resource>` now (it moves with upgrades). */
  serves(groupVersionResource: string): boolean {
    const [group, version, plural] = groupVersionResource.split('/');
    const r = findResource(group, version, plural);
    return r !== undefined && this.server.served()(r);
  }

  /** What `/version` answers now (it moves with control-plane upgrades). */
  versionInfo(): { major: string; minor: string; gitVersion: string } {
    return this.serverOptions.version ?? versionInfo('v1.32.4');
  }

  /** Starts serving; returns the base URL. */
  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    this.host = host;
    if (this.tls && !this.serverOptions.tls) {
      this.serverOptions.tls = await generateServingCert(host);
      this.original = this.serverOptions.tls;
      this.caPem = this.serverOptions.tls.cert;
      // Served after it already expired (a scenario run to a moment past the expiry).
      if (this.controlPlane.servingCertificateExpired()) await this.serveExpiredCertificate(true);
    }
    return this.server.listen(port, host);
  }

  async stop(): Promise<void> {
    for (const stop of this.stoppers.splice(0)) stop();
    await this.server.close();
  }
}

/** `/version` for a scenario's cluster: `v1.28.2` → major 1, minor 28. */
function versionInfo(version: string): { major: string; minor: string; gitVersion: string } {
  const git = version.startsWith('v') ? version : `v${version}`;
  const [major, minor] = git.slice(1).split('.');
  return { major, minor, gitVersion: git };
}

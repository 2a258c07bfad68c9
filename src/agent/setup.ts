/**
 * Puts the agent together from its settings: which checks apply on this node (a check that
 * does not apply is absent, and its old condition deleted), where the cluster DNS server and
 * the API endpoints are (kubelet config, kube-dns, the default/kubernetes EndpointSlice,
 * re-listed every 5 min and kept in the state volume), and the API paths the writes take.
 */
import { parse as parseYaml } from 'yaml';
import type { Clock, Timer } from '../time/clock.ts';
import { every } from '../time/virtual-clock.ts';
import type { AgentState } from './agent-state.ts';
import type { ApiPaths } from './api-paths.ts';
import type { Check, EventWatch } from './check.ts';
import { type ApiEndpoint, apiEndpointsCheck } from './checks/api-endpoints.ts';
import { clusterDnsCheck } from './checks/cluster-dns.ts';
import { conntrackCheck } from './checks/conntrack.ts';
import { ioPressureCheck } from './checks/io-pressure.ts';
import { iptablesRestoreCheck } from './checks/iptables-restore.ts';
import { kubeletHealthzCheck, kubeletHealthzUrl } from './checks/kubelet-healthz.ts';
import { nodeResolverCheck } from './checks/node-resolver.ts';
import { pidsCheck } from './checks/pids.ts';
import { podNetworkPeersCheck } from './checks/pod-network-peers.ts';
import { probeServiceCheck } from './checks/probe-service.ts';
import { rebootRequiredCheck } from './checks/reboot-required.ts';
import { serviceVipCheck } from './checks/service-vip.ts';
import { upgradeFailedCheck } from './checks/upgrade-failed.ts';
import { upgradeInProgressCheck } from './checks/upgrade-in-progress.ts';
import { upgradeTimersCheck } from './checks/upgrade-timers.ts';
import type { DnsLookup } from './dns-lookup.ts';
import type { NodeHost } from './host.ts';
import { HostChanges } from './host-changes.ts';
import type { HttpGet } from './http-get.ts';
import { type AddressProbe, type Dialer, hostPort } from './net-probe.ts';
import { keptPeers } from './peer-list.ts';

export interface AgentSettings {
  host: NodeHost;
  clock: Clock;
  api: Pick<ApiPaths, 'getJson' | 'setEndpoints' | 'noteVip' | 'noteEndpoint'>;
  /** The kubernetes service VIP (`$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`); no VIP check without. */
  serviceVip?: ApiEndpoint;
  /** `--api-endpoint` addresses, tried before the EndpointSlice's. */
  apiEndpoints: ApiEndpoint[];
  /** Also list the default/kubernetes EndpointSlice for endpoints (off in tests with fixed ones). */
  discoverEndpoints: boolean;
  /** The cluster CA (service account ca.crt) the TLS checks verify against. */
  ca?: string | Buffer;
  /** `--cluster-dns`; else the kubelet's clusterDNS[0], else kube-dns's ClusterIP. */
  clusterDns?: string;
  /** `--node-resolver-name`; no node resolver check without. */
  nodeResolverName?: string;
  /** `--probe-service=<ns>/<name>:<port>`. */
  probeService?: { namespace: string; name: string; port: number };
  /** `--peer-service=<ns>/<name>:<port>` (the peer-echo DaemonSet) and this node's name: no PodNetworkPeersUnreachable without. */
  peerService?: { namespace: string; name: string; port: number; node: string };
  /** kube-proxy's metrics; the check applies when given or when kube-proxy's logs are on the node. */
  kubeProxyMetrics?: string;
  upgradeTimerGlobs: string[];
  /** The state volume (agent-state.ts): the endpoints last listed, the boot before this one. */
  state: AgentState;
  /**
   * Seams for tests and the simulator: how TCP connects, whole address probes, DNS queries and
   * local HTTP GETs are made. Unset on a real node, where they are sockets, c-ares and undici.
   */
  dial?: Dialer;
  probe?: AddressProbe;
  lookup?: DnsLookup;
  get?: HttpGet;
}

export interface AgentSetup {
  checks: Check[];
  /** Watches with no condition: KernelChanged and OSImageChanged. */
  watches: EventWatch[];
  /** Stops the endpoint re-listing. */
  stop(): void;
}

const endpointRelistMs = 5 * 60_000;

const key = (e: ApiEndpoint): string => hostPort(e.host, e.port);

interface KubeletConfig {
  clusterDNS?: string[];
  clusterDomain?: string;
  healthzBindAddress?: string;
  healthzPort?: number;
}

async function kubeletConfig(host: NodeHost): Promise<KubeletConfig> {
  const text = await host.readText('/var/lib/kubelet/config.yaml');
  try {
    return (text ? parseYaml(text) : {}) ?? {};
  } catch {
    return {};
  }
}

export async function setupAgent(s: AgentSettings): Promise<AgentSetup> {
  const checks: Check[] = [];
  const timers: Timer[] = [];
  let endpoints: ApiEndpoint[] = [...s.apiEndpoints];
  let discovered: ApiEndpoint[] = [];
  const applyEndpoints = (found: ApiEndpoint[]): void => {
    const seen = new Set(s.apiEndpoints.map(key));
    if (found.map(key).join() !== discovered.map(key).join()) s.state.changed();
    discovered = found;
    endpoints = [...s.apiEndpoints, ...found.filter((e) => !seen.has(key(e)))];
    s.api.setEndpoints(endpoints.map(key));
  };
  // The last list a container of this pod saw, until the API answers a new one.
  discovered = s.discoverEndpoints ? s.state.loaded.apiEndpoints : [];
  applyEndpoints(discovered);
  if (s.discoverEndpoints) {
    s.state.provide('apiEndpoints', () => discovered);
    const relist = async (): Promise<void> => {
      try {
        applyEndpoints(await listApiEndpoints(s.api));
      } catch {
        // Keep the last list: an unreachable API is exactly when the old addresses matter.
      }
    };
    await relist();
    timers.push(every(s.clock, endpointRelistMs, () => void relist()));
  }

  if (s.serviceVip) {
    checks.push(
      serviceVipCheck({
        ...s.serviceVip,
        ca: s.ca,
        clock: s.clock,
        dial: s.dial,
        probe: s.probe,
        onOutcome: (ok) => s.api.noteVip(ok),
      }),
    );
  }
  checks.push(
    apiEndpointsCheck({
      endpoints: () => endpoints,
      ca: s.ca,
      clock: s.clock,
      dial: s.dial,
      probe: s.probe,
      onOutcome: (e, ok) => s.api.noteEndpoint(key(e), ok),
    }),
  );

  const kubelet = await kubeletConfig(s.host);
  const healthzUrl = kubeletHealthzUrl(kubelet);
  if (healthzUrl) checks.push(kubeletHealthzCheck({ url: healthzUrl, get: s.get }));
  if (s.serviceVip) {
    const clusterDns = s.clusterDns ?? kubelet.clusterDNS?.[0];
    const kubeDns = keptClusterIp(s.api, 'kube-system', 'kube-dns');
    checks.push(
      clusterDnsCheck({
        server: async () => clusterDns ?? (await kubeDns()),
        clusterDomain: kubelet.clusterDomain ?? 'cluster.local',
        expected: s.serviceVip.host,
        lookup: s.lookup,
      }),
    );
  }
  if (s.nodeResolverName)
    checks.push(nodeResolverCheck({ host: s.host, name: s.nodeResolverName, lookup: s.lookup }));
  if (s.probeService) {
    const ps = s.probeService;
    const clusterIp = keptClusterIp(s.api, ps.namespace, ps.name);
    checks.push(
      probeServiceCheck({
        service: `${ps.namespace}/${ps.name}`,
        port: ps.port,
        clock: s.clock,
        dial: s.dial,
        probe: s.probe,
        clusterIp: () => clusterIp().catch(() => undefined),
      }),
    );
  }
  if (s.peerService) {
    const ps = s.peerService;
    checks.push(
      podNetworkPeersCheck({
        node: ps.node,
        service: `${ps.namespace}/${ps.name}`,
        port: ps.port,
        peers: keptPeers(s.api, ps.namespace, ps.name, () => s.clock.now()),
        clock: s.clock,
        dial: s.dial,
        probe: s.probe,
      }),
    );
  }
  const kubeProxyOnNode = (await s.host.list('/var/log/pods')).some((d) =>
    d.startsWith('kube-system_kube-proxy-'),
  );
  if (s.kubeProxyMetrics || kubeProxyOnNode)
    checks.push(
      iptablesRestoreCheck({
        host: s.host,
        metricsUrl: s.kubeProxyMetrics ?? 'http://127.0.0.1:10249/metrics',
        get: s.get,
      }),
    );
  checks.push(
    conntrackCheck({ host: s.host }),
    ioPressureCheck({ host: s.host }),
    pidsCheck({ host: s.host }),
    upgradeTimersCheck({ host: s.host, globs: s.upgradeTimerGlobs }),
    upgradeInProgressCheck({ host: s.host, globs: s.upgradeTimerGlobs }),
    upgradeFailedCheck({ host: s.host }),
  );
  const hostChanges = new HostChanges({ host: s.host, state: s.state });
  checks.push(rebootRequiredCheck({ host: s.host, previous: () => hostChanges.previousBoot() }));
  return {
    checks,
    watches: [hostChanges],
    stop: () => {
      for (const t of timers) t.cancel();
    },
  };
}

interface EndpointSliceList {
  items?: {
    endpoints?: { addresses?: string[]; conditions?: { ready?: boolean } }[];
    ports?: { name?: string; port?: number }[];
  }[];
}

/** The API server addresses behind the kubernetes service. */
export async function listApiEndpoints(api: Pick<ApiPaths, 'getJson'>): Promise<ApiEndpoint[]> {
  const list = (
    await api.getJson<EndpointSliceList>('/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', {
      labelSelector: 'kubernetes.io/service-name=kubernetes',
    })
  ).body;
  const out: ApiEndpoint[] = [];
  for (const slice of list.items ?? []) {
    const port = slice.ports?.find((p) => p.name === 'https')?.port ?? slice.ports?.[0]?.port;
    if (!port) continue;
    for (const e of slice.endpoints ?? [])
      if (e.conditions?.ready !== false) for (const a of e.addresses ?? []) out.push({ host: a, port });
  }
  return out;
}

export async function serviceClusterIp(
  api: Pick<ApiPaths, 'getJson'>,
  namespace: string,
  name: string,
): Promise<string | undefined> {
  const svc = (
    await api.getJson<{ spec?: { clusterIP?: string } }>(
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${encodeURIComponent(name)}`,
    )
  ).body;
  const ip = svc.spec?.clusterIP;
  return ip && ip !== 'None' ? ip : undefined;
}

/**
 * A service's ClusterIP, looked up through the API until it answers and then kept: a check
 * must not depend on the API it may be judging, nor ask it every 10 s for an address that
 * changes only when the service is recreated. Until the first answer each call asks again,
 * and throws what the API threw.
 */
export function keptClusterIp(
  api: Pick<ApiPaths, 'getJson'>,
  namespace: string,
  name: string,
): () => Promise<string | undefined> {
  let ip: string | undefined;
  return async () => (ip ??= await serviceClusterIp(api, namespace, name));
}

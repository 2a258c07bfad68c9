/**
 * `kubetriage agent`: the node agent a DaemonSet runs on every node. Checks the node's view
 * of the cluster (the kubernetes service VIP, the API endpoints directly, cluster DNS, the
 * node's resolver, a chosen service) and the host (upgrade timers, package runs, kernel,
 * iptables-restore, conntrack), and reports them as node conditions and events in the
 * format of docs/node-agent-report.md. Runs until SIGINT/SIGTERM.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { AgentState } from '../../agent/agent-state.ts';
import { ApiPaths } from '../../agent/api-paths.ts';
import { RootedHost } from '../../agent/host.ts';
import { NodeAgent } from '../../agent/node-agent.ts';
import { setupAgent } from '../../agent/setup.ts';
import { loadKubeConfig } from '../../kube/kubeconfig.ts';
import { realClock } from '../../time/clock.ts';
import { usageError } from '../errors.ts';
import { stderrLogger } from '../logger.ts';

interface AgentFlags {
  node?: string;
  kubeconfig?: string;
  context?: string;
  apiEndpoint: string[];
  serviceVip?: string;
  clusterDns?: string;
  nodeResolverName?: string;
  probeService?: string;
  peerService?: string;
  kubeProxyMetrics?: string;
  upgradeTimer: string[];
  hostRoot: string;
  stateDir: string;
  endpointDiscovery: boolean;
}

/** `host:port` or `https://host:port` → its parts; `[v6]:port` allowed. */
export function parseHostPort(
  raw: string,
  flag: string,
  defaultPort?: number,
): { host: string; port: number } {
  const text = raw.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(text);
  const port = m?.[3] ? Number(m[3]) : defaultPort;
  if (!m || port === undefined || port < 1 || port > 65535)
    throw usageError(`${flag} must be host:port (got "${raw}")`, `e.g. ${flag} 10.0.0.10:6443`);
  return { host: m[1] ?? m[2], port };
}

function parseServiceRef(
  raw: string,
  flag: string,
  example: string,
): { namespace: string; name: string; port: number } {
  const m = /^([a-z0-9-]+)\/([a-z0-9-]+):(\d+)$/.exec(raw);
  if (!m)
    throw usageError(`${flag} must be <namespace>/<name>:<port> (got "${raw}")`, `e.g. ${flag} ${example}`);
  return { namespace: m[1], name: m[2], port: Number(m[3]) };
}

const repeat = (v: string, prev: string[]) => [...prev, v];

export function registerAgent(program: Command): void {
  program
    .command('agent')
    .description(
      'run the node agent (one per node, from the DaemonSet): node-side checks reported as node conditions and events',
    )
    .option('--node <name>', 'the Node this agent reports on (default: $NODE_NAME, set from spec.nodeName)')
    .option(
      '--kubeconfig <file>',
      'kubeconfig to use (default: in-cluster service account, as in the DaemonSet)',
    )
    .option('--context <name>', 'kubeconfig context to use')
    .option(
      '--api-endpoint <host:port>',
      'an API server address to reach directly when the VIP is broken (repeatable; default: $KUBETRIAGE_API_ENDPOINTS, comma-separated)',
      repeat,
      [] as string[],
    )
    .option(
      '--service-vip <host:port>',
      'the kubernetes service VIP (default: $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT)',
    )
    .option(
      '--cluster-dns <ip>',
      "cluster DNS server to test (default: the kubelet's clusterDNS, else kube-dns's ClusterIP)",
    )
    .option(
      '--node-resolver-name <name>',
      "a name to resolve through the node's /etc/resolv.conf (no NodeResolverUnhealthy without)",
    )
    .option(
      '--probe-service <ns/name:port>',
      'a service to TCP-connect to by ClusterIP (no ProbeServiceUnreachable without)',
    )
    .option(
      '--peer-service <ns/name:port>',
      "the peer-echo DaemonSet's Service: fetch a full-size response from its pods on other nodes (no PodNetworkPeersUnreachable without; default: $KUBETRIAGE_PEER_SERVICE)",
    )
    .option(
      '--kube-proxy-metrics <url>',
      'kube-proxy metrics (default http://127.0.0.1:10249/metrics when kube-proxy runs on the node)',
    )
    .option(
      '--upgrade-timer <glob>',
      'also count timers matching this glob as package upgrades (repeatable)',
      repeat,
      [] as string[],
    )
    .option(
      '--no-endpoint-discovery',
      'use only --api-endpoint (and the kubeconfig server), not the default/kubernetes EndpointSlice',
    )
    .option(
      '--host-root <dir>',
      "where the node's filesystem is mounted read-only (/ outside a pod)",
      '/host',
    )
    .option(
      '--state-dir <dir>',
      "the pod's state volume, which survives container restarts: the latest conditions, events not yet delivered, the last kernel, boot and OS image, the API endpoints last listed ('' or a missing directory: run without)",
      '/var/lib/kubetriage-agent',
    )
    .addHelpText(
      'after',
      `
What it reports (node conditions; True means the node is in that problem state):
  KubernetesServiceVIPUnreachable  TCP+TLS+GET /livez to the kubernetes service VIP fails (3 checks in a row)
  APIEndpointUnreachable           the same, to an API server address directly
  ClusterDNSUnhealthy              kubernetes.default.svc does not resolve through cluster DNS
  NodeResolverUnhealthy            --node-resolver-name does not resolve through /etc/resolv.conf
  ProbeServiceUnreachable          TCP connect to --probe-service fails
  PodNetworkPeersUnreachable       pods on other nodes (--peer-service) refuse or time out, or
                                   their full-size responses stall (packets over the path MTU dropped)
  IptablesRestoreFailing           kube-proxy's iptables-restore failure counter grew
  ConntrackTableFull               conntrack table 90% full or dropping packets
  NodeIOPressure                   PSI io full avg60 at 30% or more, or the kernel names tasks blocked
  AutomaticUpgradeScheduled        an enabled systemd timer runs unattended package upgrades
  PackageUpgradeInProgress         an upgrade or package manager is running now
  PackageUpgradeFailed             the last upgrade timed out or failed, or packages are half-installed
  RebootRequired                   a newer kernel is installed, or /run/reboot-required is present
Events besides condition changes: KernelChanged (the node came back on another kernel),
OSImageChanged (the OS image or point release moved), AgentReportsDropped.
Each check has its own interval and timeout; a check that hangs never blocks the others.
Writes go through the VIP while it works, else straight to an API endpoint. While the API
cannot be reached, changes and events wait in --state-dir and are sent, oldest first, later.
Format: docs/node-agent-report.md. Deploy: deploy/manifests/agent-daemonset.yaml or the Helm chart.

Examples:
  # in the DaemonSet (NODE_NAME from the downward API; the host's / mounted at /host)
  $ kubetriage agent --api-endpoint 10.0.0.10:6443 --node-resolver-name registry.k8s.io
  # by hand on a node, against the cluster in ~/.kube/config
  $ sudo kubetriage agent --node "$(hostname)" --host-root / --kubeconfig ~/.kube/config
  $ kubectl describe node NODE | grep -A3 KubernetesServiceVIPUnreachable`,
    )
    .action(async (flags: AgentFlags) => {
      const log = stderrLogger('kubetriage-agent');
      const node = flags.node ?? process.env.NODE_NAME;
      if (!node)
        throw usageError(
          'which node? pass --node or set $NODE_NAME',
          'env: NODE_NAME from fieldRef spec.nodeName',
        );
      const loaded = loadKubeConfig({ kubeconfig: flags.kubeconfig, context: flags.context });
      const inCluster = loaded.source === 'in-cluster';
      const envVip = process.env.KUBERNETES_SERVICE_HOST
        ? `${process.env.KUBERNETES_SERVICE_HOST}:${process.env.KUBERNETES_SERVICE_PORT ?? '443'}`
        : undefined;
      const vipText = flags.serviceVip ?? envVip;
      const serviceVip = vipText ? parseHostPort(vipText, '--service-vip', 443) : undefined;
      // The DaemonSet fills these in at install time (KUBETRIAGE_API_ENDPOINTS, comma-separated).
      const endpointList = flags.apiEndpoint.length
        ? flags.apiEndpoint
        : (process.env.KUBETRIAGE_API_ENDPOINTS ?? '').split(',').filter((e) => e.trim() !== '');
      const endpoints = endpointList.map((e) => parseHostPort(e.trim(), '--api-endpoint', 6443));
      // Outside a pod the kubeconfig's server is one more direct endpoint, not the VIP.
      if (!inCluster && loaded.server)
        endpoints.push(parseHostPort(loaded.server, 'the kubeconfig server', 443));
      const cluster = loaded.kc.getCurrentCluster();
      const ca = cluster?.caData
        ? Buffer.from(cluster.caData, 'base64')
        : cluster?.caFile
          ? readFileSync(cluster.caFile)
          : undefined;
      const peerServiceText = flags.peerService ?? (process.env.KUBETRIAGE_PEER_SERVICE || undefined);
      const api = new ApiPaths({ kc: loaded.kc, now: () => realClock.now(), viaVip: inCluster });
      const state = await AgentState.open({ dir: flags.stateDir, clock: realClock, log: log.warn });
      const setup = await setupAgent({
        host: new RootedHost(flags.hostRoot),
        clock: realClock,
        api,
        serviceVip,
        apiEndpoints: endpoints,
        discoverEndpoints: flags.endpointDiscovery,
        ca,
        clusterDns: flags.clusterDns,
        nodeResolverName: flags.nodeResolverName ?? (process.env.KUBETRIAGE_NODE_RESOLVER_NAME || undefined),
        probeService: flags.probeService
          ? parseServiceRef(flags.probeService, '--probe-service', 'shop/cart:8080')
          : undefined,
        peerService: peerServiceText
          ? { ...parseServiceRef(peerServiceText, '--peer-service', 'kubetriage/kubetriage-peer:8089'), node }
          : undefined,
        kubeProxyMetrics: flags.kubeProxyMetrics,
        upgradeTimerGlobs: flags.upgradeTimer,
        state,
      });
      const agent = new NodeAgent({
        node,
        clock: realClock,
        checks: setup.checks,
        watches: setup.watches,
        api,
        state,
        log: log.warn,
      });
      await agent.start();
      log.info('agent started', {
        node,
        checks: setup.checks.map((c) => c.type),
        server: loaded.server,
        state: state.file ?? 'none',
      });
      let stopping = false;
      const stop = () => {
        stopping = true;
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      // RealClock timers never hold the process; this loop does, until a signal.
      while (!stopping) await realClock.sleep(250);
      setup.stop();
      await agent.stop();
    });
}

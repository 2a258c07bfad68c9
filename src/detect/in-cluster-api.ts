/**
 * In-cluster clients that cannot reach the API server through the `kubernetes` Service VIP:
 * client-go transport failures to `<vip>:443` in component logs (klog, CoreDNS, raw), and
 * the node agent's KubernetesServiceVIPUnreachable condition. Alongside, what a pattern needs
 * to tell service routing from a dead API server: whether kubetriage's own probes got answers
 * in the same window, and whether the nodes reach an API endpoint directly.
 *
 * The pods whose logs show the failure are resolved to their workloads (`scope.workloads`):
 * what a bypass of the VIP would be aimed at.
 *
 * Emits `in-cluster-api-unreachable`: warning on one node, critical on two or more nodes or
 * on every node the agent reports from (or, where logs name no node, three or more pods).
 */
import type { KubeObject } from '../kube/observations.ts';
import type { ClusterView, LogObservation } from '../observe/cluster-view.ts';
import { type AgentCondition, agentConditions, agentSinceMs } from './agent-fields.ts';
import {
  clock,
  logText,
  logTimeMs,
  recentLogs,
  type TransportErrorKind,
  transportErrorKind,
} from './log-lines.ts';
import { workloadResolver } from './pod-owner.ts';
import type { Detector, Evidence } from './signal.ts';
import { uniqueSorted } from './signal.ts';
import type { InClusterApiUnreachableFacts } from './signal-kinds.ts';

const detector = 'in-cluster-api';

/** kubeadm's first address of 10.96.0.0/12, used only when the Service is not in the view. */
export const defaultVip = '10.96.0.1';
/**
 * Crash-loop back-off caps at 300 s, so a client that crash-loops on the failure logs at
 * least every ~5 min; two cycles keep it visible, and a fixed VIP clears within 10 min.
 */
export const logWindowMs = 10 * 60_000;
/** Our probes must have answered this share of the window to call the API healthy. */
export const healthyProbeShare = 0.9;

const agentReasonKinds: Record<string, TransportErrorKind> = {
  VIPConnectTimeout: 'timeout',
  VIPConnectionRefused: 'refused',
  VIPNoRoute: 'no-route',
  VIPTLSFailed: 'tls',
  VIPHTTPTimeout: 'http-timeout',
};

interface ServiceView {
  spec?: { clusterIP?: string };
}

interface Hit {
  o: LogObservation;
  atMs: number;
  kind: TransportErrorKind;
}

export const inClusterApi: Detector = (view, nowMs) => {
  const nodes = view.list('nodes');
  const vipConds = agentConditions(nodes, 'KubernetesServiceVIPUnreachable', nowMs).filter((c) => !c.stale);
  const vip = kubernetesVip(view, vipConds);
  const needle = vip.includes(':') ? `[${vip}]:` : `${vip}:`;

  const hits: Hit[] = [];
  for (const o of recentLogs(view.logs, nowMs, logWindowMs)) {
    const text = logText(o);
    if (!text.includes(needle)) continue;
    // A refusal by a reachable API server (RBAC, expired token) names no transport failure.
    const kind = transportErrorKind(text);
    if (kind) hits.push({ o, atMs: logTimeMs(o), kind });
  }
  const failing = vipConds.filter((c) => c.status === 'True');
  if (hits.length === 0 && failing.length === 0) return [];

  const logNodes = hits.map((h) => h.o.node).filter((n): n is string => n !== undefined);
  const failingNodes = uniqueSorted([...logNodes, ...failing.map((c) => c.node)]);
  const pods = uniqueSorted(hits.map((h) => `${h.o.namespace}/${h.o.pod}`));
  const components = uniqueSorted(hits.map((h) => `${h.o.namespace}/${h.o.container}`));
  // The workloads whose pods logged the failure: what a bypass of the VIP would be aimed at.
  const ownerOf = workloadResolver(view);
  const workloads = uniqueSorted(
    hits.flatMap((h) => {
      const pod = view.get('pods', `${h.o.namespace}/${h.o.pod}`);
      return pod ? [ownerOf(pod).key] : [];
    }),
  );
  const errorKinds = uniqueSorted([
    ...hits.map((h) => h.kind),
    ...failing.map((c) => agentReasonKinds[c.reason] ?? 'other'),
  ]);
  const firstMs = Math.min(
    ...hits.map((h) => h.atMs),
    ...failing.map((c) => agentSinceMs(c) ?? c.heartbeatMs ?? nowMs),
  );

  const facts: InClusterApiUnreachableFacts = {
    vip,
    pods,
    nodes: failingNodes,
    components,
    workloads,
    errorKinds,
    firstMs,
    agentNodesReporting: vipConds.length,
    agentNodesFailing: failing.length,
  };
  const external = externalApiHealthy(view, nowMs, firstMs);
  if (external !== undefined) facts.externalApiHealthy = external;
  const downAtOnset = externalDownBefore(view, firstMs);
  if (downAtOnset !== undefined) facts.externalDownAtOnset = downAtOnset;
  const endpoint = endpointReachability(nodes, nowMs, new Set(failing.map((c) => c.node)));
  if (endpoint) {
    facts.endpointReachableFromNodes = endpoint.reachable > endpoint.unreachable;
    facts.endpointReachableNodes = endpoint.reachable;
    facts.endpointUnreachableNodes = endpoint.unreachable;
  }

  const everyReportingNode = vipConds.length > 0 && failing.length === vipConds.length;
  // Breadth across nodes is what makes it cluster-wide; many pods on one node are that node.
  const critical =
    failingNodes.length >= 2 || everyReportingNode || (failingNodes.length === 0 && pods.length >= 3);
  const where = failingNodes.length ? `on ${failingNodes.length} node(s)` : `from ${pods.length} pod(s)`;
  const apiNote =
    external === true
      ? '; the API server answers kubetriage'
      : external === false
        ? '; kubetriage cannot reach the API either'
        : '';
  return [
    {
      detector,
      kind: 'in-cluster-api-unreachable',
      subject: 'service/default/kubernetes',
      severity: critical ? 'critical' : 'warning',
      sinceMs: firstMs,
      summary: `Pods ${where} cannot reach the kubernetes Service VIP ${vip} (${errorKinds.join(', ')}) since ${clock(firstMs)}${apiNote}`,
      scope: {
        nodes: failingNodes,
        namespaces: uniqueSorted(hits.map((h) => h.o.namespace)),
        services: ['default/kubernetes'],
        workloads,
      },
      facts,
      evidence: [...logEvidence(hits), ...agentEvidence(failing)],
    },
  ];
};

/** The ClusterIP of `default/kubernetes`, else the address the agents probe, else kubeadm's default. */
function kubernetesVip(view: ClusterView, conds: AgentCondition[]): string {
  const ip = (view.get('services', 'default/kubernetes') as (KubeObject & ServiceView) | undefined)?.spec
    ?.clusterIP;
  if (ip && ip !== 'None') return ip;
  const target = conds.find((c) => c.fields['target'])?.fields['target'];
  const host = target?.replace(/^\[?(.*?)\]?:\d+$/, '$1');
  return host || defaultVip;
}

/**
 * Whether kubetriage's own probes got answers over the same stretch: the newest probe ok and
 * ≥ 90 % of probes ok. Undefined when there are no probes to judge by.
 */
function externalApiHealthy(view: ClusterView, nowMs: number, firstMs: number): boolean | undefined {
  const from = Math.max(Math.min(firstMs, nowMs - 60_000), nowMs - logWindowMs);
  const probes = view.probes.within(from, nowMs);
  if (probes.length === 0) return undefined;
  const ok = probes.filter((p) => p.ok).length;
  return probes[probes.length - 1].ok && ok >= healthyProbeShare * probes.length;
}

/**
 * Whether kubetriage's own probes failed (three or more) in the five minutes up to when the
 * pods' failures began: then the server itself was out, and what the pods log is that outage
 * (clients log a failure a timeout or a back-off after the attempt), even once the server
 * answers again and their errors are still in the window.
 */
function externalDownBefore(view: ClusterView, atMs: number): boolean | undefined {
  const probes = view.probes.within(atMs - 5 * 60_000, atMs);
  if (probes.length === 0) return undefined;
  return probes.filter((p) => !p.ok).length >= 3;
}

/**
 * APIEndpointUnreachable from fresh agents: False, or True with some `reachable=` endpoint,
 * means the node reaches an API server directly. Judged on the VIP-failing nodes when they
 * report it, else on every reporting node.
 */
function endpointReachability(
  nodes: readonly KubeObject[],
  nowMs: number,
  vipFailing: Set<string>,
): { reachable: number; unreachable: number } | undefined {
  const all = agentConditions(nodes, 'APIEndpointUnreachable', nowMs).filter(
    (c) => !c.stale && (c.status === 'True' || c.status === 'False'),
  );
  const onFailing = all.filter((c) => vipFailing.has(c.node));
  const judged = onFailing.length ? onFailing : all;
  if (judged.length === 0) return undefined;
  let reachable = 0;
  for (const c of judged) {
    const answered = c.fields['reachable'];
    if (c.status === 'False' || (answered !== undefined && answered !== '' && answered !== 'none'))
      reachable++;
  }
  return { reachable, unreachable: judged.length - reachable };
}

function logEvidence(hits: Hit[]): Evidence[] {
  // The newest line of each component is enough to open its logs.
  const newest = new Map<string, Hit>();
  for (const h of hits) newest.set(`${h.o.namespace}/${h.o.container}`, h);
  return [...newest.values()].slice(0, 5).map((h) => ({
    source: 'log',
    ref: `pod/${h.o.namespace}/${h.o.pod}`,
    atMs: h.atMs,
    text: logText(h.o).split('\n')[0].slice(0, 300),
  }));
}

function agentEvidence(failing: AgentCondition[]): Evidence[] {
  return failing.slice(0, 5).map((c) => ({
    source: 'agent',
    ref: `node/${c.node}`,
    atMs: agentSinceMs(c),
    text: `KubernetesServiceVIPUnreachable=True ${c.reason}: ${c.message}`,
  }));
}

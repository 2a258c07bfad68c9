/**
 * Small typed signals for pattern tables: each builder fills a kind's facts with quiet
 * defaults, and the overrides say what a case is about (`notReady('n1', { status: 'Unknown' })`).
 * Times are relative to `t0`, the moment each case is diagnosed at.
 */

import type { Scope, Severity, SignalOf } from '../detect/signal.ts';
import type {
  AgentConditionFacts,
  SignalFactsByKind,
  SignalKind,
  SourceFamily,
  SourceStatusFacts,
} from '../detect/signal-kinds.ts';
import type { AgentConditionType } from '../kube/node-agent-conditions.ts';
import { fmtTime } from './hypothesis.ts';

export const t0 = Date.UTC(2024, 0, 15, 12, 0, 0);
export const min = 60_000;
export const hour = 60 * min;

interface Extra {
  severity?: Severity;
  sinceMs?: number;
  scope?: Scope;
  summary?: string;
}

function make<K extends SignalKind>(
  kind: K,
  subject: string,
  facts: SignalFactsByKind[K],
  x: Extra = {},
): SignalOf<K> {
  return {
    detector: 'fixture',
    kind,
    subject,
    severity: x.severity ?? 'warning',
    sinceMs: x.sinceMs ?? t0 - 5 * min,
    summary: x.summary ?? `${kind} ${subject}`,
    scope: x.scope ?? {},
    facts,
    evidence: [{ source: 'object', ref: subject, text: `${kind} ${subject}` }],
  };
}

const attrs = {
  pool: 'pool-a',
  nodeImage: '',
  kubeletVersion: 'v1.29.4',
  osImage: 'Ubuntu 22.04.4 LTS',
  kernelVersion: '5.15.0-1061-azure',
  containerRuntimeVersion: 'containerd://1.7.15',
  zone: '',
};

export function notReady(
  node: string,
  facts: Partial<SignalFactsByKind['node-not-ready']> = {},
  x: Extra = {},
) {
  return make(
    'node-not-ready',
    `node/${node}`,
    {
      ...attrs,
      status: 'Unknown',
      reason: 'NodeStatusUnknown',
      message: 'Kubelet stopped posting node status.',
      notReadySeconds: 300,
      unschedulable: false,
      clusterNotReady: 1,
      ...facts,
    },
    { severity: 'critical', scope: { nodes: [node] }, ...x },
  );
}

export function flapping(node: string, flips = 4, x: Extra = {}) {
  return make(
    'node-flapping',
    `node/${node}`,
    {
      flips,
      windowMinutes: 30,
      status: 'False',
      reasons: ['KubeletNotReady'],
      firstFlip: fmtTime(t0 - 20 * min),
    },
    { scope: { nodes: [node] }, sinceMs: t0 - 20 * min, ...x },
  );
}

export function silent(
  node: string,
  lagSeconds = 30,
  x: Extra = {},
  agent: { agentHeardSince: boolean; kubeletHealthz?: 'ok' | 'failing' } = { agentHeardSince: false },
) {
  return make(
    'node-heartbeat-lag',
    `node/${node}`,
    {
      lagSeconds,
      renewTime: fmtTime(t0 - lagSeconds * 1000),
      leaseDurationSeconds: 40,
      ready: 'True',
      unschedulable: false,
      ...agent,
    },
    { scope: { nodes: [node] }, sinceMs: t0 - lagSeconds * 1000, ...x },
  );
}

export function spread(
  nodes: string[],
  facts: Partial<SignalFactsByKind['not-ready-spread']> = {},
  x: Extra = {},
) {
  return make(
    'not-ready-spread',
    'cluster',
    {
      notReadyNow: nodes.length,
      totalNodes: 12,
      notReadyFraction: nodes.length / 12,
      wentNotReady30m: nodes.length,
      wentNotReady60m: nodes.length,
      recoveredNow: 0,
      firstOnset: fmtTime(t0 - 20 * min),
      onsetSpanMinutes: 0,
      nodesPerHour: nodes.length,
      pools: ['pool-a'],
      poolCounts: [`pool-a=${nodes.length}/12`],
      kubeletVersions: ['v1.29.4'],
      sharedAttributes: [],
      distinguishingAttributes: [],
      distinguishingAttributeNames: [],
      ...facts,
    },
    {
      severity: nodes.length >= 2 ? 'critical' : 'warning',
      scope: { nodes, pools: ['pool-a'] },
      sinceMs: t0 - 20 * min,
      ...x,
    },
  );
}

export function crashLoop(
  ns: string,
  name: string,
  nodes: string[],
  facts: Partial<SignalFactsByKind['crash-loop']> = {},
  x: Extra = {},
) {
  return make(
    'crash-loop',
    `workload/${ns}/Deployment/${name}`,
    {
      namespace: ns,
      workloadKind: 'Deployment',
      workloadName: name,
      pods: nodes.length,
      workloadPods: nodes.length,
      fractionOfWorkloadPods: 1,
      nodes,
      containers: [name],
      restartsInWindow: 6,
      windowMinutes: 30,
      crashLoopBackOff: nodes.length,
      reasons: ['Error'],
      exitCodes: ['1'],
      reasonCodes: [`Error/1=${nodes.length}`],
      firstRestartMs: x.sinceMs ?? t0,
      historySinceMs: t0 - 6 * 60 * min,
      ...facts,
    },
    { scope: { namespaces: [ns], workloads: [`${ns}/Deployment/${name}`], nodes }, ...x },
  );
}

export function apiUnreachable(facts: Partial<SignalFactsByKind['api-unreachable']> = {}, x: Extra = {}) {
  return make(
    'api-unreachable',
    'cluster',
    {
      since: t0 - 2 * min,
      failures: 24,
      errors: ['connect ETIMEDOUT 10.0.0.1:443'],
      errorKinds: ['timeout'],
      reflectorsFailing: ['reflector/nodes', 'reflector/pods'],
      probesStale: false,
      ...facts,
    },
    { severity: 'critical', sinceMs: t0 - 2 * min, ...x },
  );
}

/** The API server never answered this process: a wrong address in the kubeconfig, by default. */
export function apiNeverReached(facts: Partial<SignalFactsByKind['api-never-reached']> = {}, x: Extra = {}) {
  return make(
    'api-never-reached',
    'cluster',
    {
      since: t0 - min,
      failures: 9,
      errors: ['connect ECONNREFUSED 10.0.0.1:6443'],
      errorKinds: ['refused'],
      reflectorsFailing: ['reflector/nodes', 'reflector/pods'],
      probesStale: false,
      ...facts,
    },
    { severity: 'critical', sinceMs: t0 - min, ...x },
  );
}

export function accessDenied(facts: Partial<SignalFactsByKind['api-access-denied']> = {}, x: Extra = {}) {
  return make(
    'api-access-denied',
    'cluster',
    {
      status: 401,
      failures: 12,
      errors: ['https://10.0.0.1:6443/livez: Unauthorized'],
      reflectorsDenied: ['reflector/nodes', 'reflector/pods'],
      ...facts,
    },
    { severity: 'critical', sinceMs: t0 - 2 * min, ...x },
  );
}

export function apiDegraded(facts: Partial<SignalFactsByKind['api-degraded']> = {}, x: Extra = {}) {
  return make(
    'api-degraded',
    'cluster',
    { p50Ms: 2400, maxMs: 9000, statuses: [], slowProbes: 6, answered: 12, unanswered: 0, ...facts },
    { sinceMs: t0 - 3 * min, ...x },
  );
}

/**
 * No kubelet renewal landed on five of five nodes for 6 min and the controller marked none,
 * while reads were answered; `etcdPods` names static pods whose liveness probe fails under an alarm.
 */
export function writesStalled(etcdPods: string[] = [], x: Extra = {}) {
  return make(
    'writes-stalled',
    'cluster',
    {
      nodes: ['cp-0', 'n1', 'n2', 'n3', 'n4'],
      leaseNodes: 5,
      lastRenewal: fmtTime(t0 - 6 * min),
      spreadSeconds: 9,
      readUntil: fmtTime(t0),
      etcdProbesFailOnAlarm: etcdPods,
    },
    { severity: 'critical', sinceMs: t0 - 6 * min, ...x },
  );
}

/** A control-plane component restarted at these minutes before t0, on cp-0. */
export function controlPlaneRestarts(component: string, minutesAgo: number[], x: Extra = {}) {
  const times = minutesAgo.map((m) => t0 - m * min).sort((a, b) => a - b);
  return make(
    'control-plane-restarts',
    `component/kube-system/${component}`,
    {
      component,
      pods: [`${component}-cp-0`],
      nodes: ['cp-0'],
      restarts: times.length,
      reasons: ['Error'],
      exitCodes: ['1'],
      lastFinished: fmtTime(times.at(-1) ?? t0),
      restartTimes: times.map(fmtTime),
    },
    { severity: times.length >= 5 ? 'critical' : 'warning', sinceMs: times[0] ?? t0, ...x },
  );
}

export function vipUnreachable(
  nodes: string[],
  facts: Partial<SignalFactsByKind['in-cluster-api-unreachable']> = {},
  x: Extra = {},
) {
  return make(
    'in-cluster-api-unreachable',
    'service/default/kubernetes',
    {
      vip: '10.96.0.1',
      pods: ['kube-system/coredns-1', 'ingress/ingress-nginx-1'],
      nodes,
      components: ['coredns', 'ingress-nginx'],
      workloads: ['ingress/Deployment/ingress-nginx'],
      errorKinds: ['timeout'],
      firstMs: t0 - 10 * min,
      agentNodesReporting: 0,
      agentNodesFailing: 0,
      externalApiHealthy: true,
      ...facts,
    },
    {
      severity: 'critical',
      sinceMs: t0 - 10 * min,
      scope: { nodes, services: ['default/kubernetes'], workloads: ['ingress/Deployment/ingress-nginx'] },
      ...x,
    },
  );
}

export function dnsPods(facts: Partial<SignalFactsByKind['dns-pods-unhealthy']> = {}, x: Extra = {}) {
  return make(
    'dns-pods-unhealthy',
    'service/kube-system/kube-dns',
    {
      ready: 0,
      total: 2,
      crashLooping: 2,
      reasons: ['CrashLoopBackOff'],
      restarts: 8,
      logHints: [],
      pods: ['coredns-a', 'coredns-b'],
      nodes: ['n1', 'n2'],
      readyEndpoints: 0,
      ...facts,
    },
    {
      severity: 'critical',
      scope: { namespaces: ['kube-system'], nodes: facts.nodes ?? ['n1', 'n2'] },
      ...x,
    },
  );
}

export function dnsLookups(facts: Partial<SignalFactsByKind['dns-lookups-failing']> = {}, x: Extra = {}) {
  return make(
    'dns-lookups-failing',
    'cluster',
    {
      nodes: ['n1', 'n2', 'n3'],
      clusterDnsNodes: ['n1', 'n2', 'n3'],
      nodeResolverNodes: [],
      reasons: ['ClusterDNSTimeout'],
      servers: ['10.96.0.10'],
      reportingNodes: 3,
      ...facts,
    },
    { severity: 'critical', ...x },
  );
}

export function proxySync(facts: Partial<SignalFactsByKind['proxy-sync-failing']> = {}, x: Extra = {}) {
  return make(
    'proxy-sync-failing',
    'cluster',
    {
      nodes: ['n1', 'n2'],
      staleNodes: [],
      failingNowNodes: ['n1'],
      failures: 14,
      firstFailureMs: t0 - 30 * min,
      clusterNodes: 12,
      sources: ['log', 'metric'],
      xtablesLock: false,
      errorText: 'exit status 1 (iptables-restore: line 8022 failed\n)',
      failedLine: 8022,
      ...facts,
    },
    { sinceMs: t0 - 30 * min, ...x },
  );
}

export function versionSkew(facts: Partial<SignalFactsByKind['version-skew']> = {}, x: Extra = {}) {
  return make(
    'version-skew',
    'daemonset/kube-system/kube-proxy',
    {
      component: 'kube-proxy',
      rule: 'kube-proxy-kubelet-minor',
      ruleText: 'kube-proxy must run the same minor version as the kubelet on its node',
      versions: ['v1.24.15'],
      nodes: ['n1', 'n2'],
      policyFor: 'v1.25',
      ...facts,
    },
    x,
  );
}

export function versionMix(facts: Partial<SignalFactsByKind['version-mix']> = {}, x: Extra = {}) {
  return make(
    'version-mix',
    'cluster',
    {
      component: 'kube-proxy',
      aspect: 'versions',
      versions: ['v1.24.15', 'v1.25.11'],
      nodes: ['n1', 'n2'],
      ...facts,
    },
    { severity: 'info', ...x },
  );
}

export function change(
  what: SignalFactsByKind['change']['what'],
  facts: Partial<SignalFactsByKind['change']> = {},
  x: Extra = {},
) {
  const atMs = x.sinceMs ?? t0 - 60 * min;
  return make(
    'change',
    facts.workload ? `workload/${facts.workload}` : 'cluster',
    {
      what,
      from: 'a',
      to: 'b',
      count: 1,
      at: fmtTime(atMs),
      lastAt: fmtTime(atMs),
      nodes: [],
      namespace: '',
      workload: '',
      component: '',
      systemComponent: false,
      clusterNodes: 12,
      ...facts,
    },
    { severity: 'info', sinceMs: atMs, summary: `${what} ${facts.from ?? 'a'} → ${facts.to ?? 'b'}`, ...x },
  );
}

export function agent<T extends AgentConditionType>(
  type: T,
  nodes: string[],
  facts: Partial<AgentConditionFacts<T>> = {},
  x: Extra = {},
) {
  return make(
    'agent-condition',
    `condition/${type}`,
    {
      type,
      nodes,
      count: nodes.length,
      staleNodes: [],
      nodesReporting: 12,
      fraction: nodes.length / 12,
      reasons: [],
      firstSince: fmtTime(t0 - 10 * min),
      ...facts,
    } as AgentConditionFacts,
    { scope: { nodes }, sinceMs: t0 - 10 * min, ...x },
  );
}

export function periodic(
  nodes: string[],
  facts: Partial<SignalFactsByKind['periodic-onset']> = {},
  x: Extra = {},
) {
  return make(
    'periodic-onset',
    'cluster',
    {
      days: ['2024-01-13', '2024-01-14'],
      otherDays: [],
      windowStart: '06:01',
      windowEnd: '07:10',
      windowMinutes: 90,
      nodes,
      onsets: nodes.length * 2,
      nodesPerDay: [`2024-01-13=${nodes.length}`, `2024-01-14=${nodes.length}`],
      conditions: ['Ready'],
      firstOnset: fmtTime(t0 - 30 * hour),
      lastOnset: fmtTime(t0 - 6 * hour),
      nextWindowStart: fmtTime(t0 + 18 * hour),
      sharedAttributes: [],
      distinguishingAttributes: [],
      distinguishingAttributeNames: [],
      ...facts,
    },
    { sinceMs: t0 - 30 * hour, scope: { nodes }, ...x },
  );
}

export function serviceErrors(
  svc: string,
  facts: Partial<SignalFactsByKind['service-errors']> = {},
  x: Extra = {},
) {
  const [namespace, service] = svc.split('/');
  return make(
    'service-errors',
    `service/${svc}`,
    {
      namespace,
      service,
      requests: 1200,
      errors: 900,
      errorRatio: 0.75,
      statuses: ['503=900'],
      controllers: ['ingress-nginx/controller-1'],
      windowSeconds: 300,
      ...facts,
    },
    { severity: 'critical', scope: { namespaces: [namespace], services: [svc] }, ...x },
  );
}

/** An ingress controller in `namespace` answering everything and routing nothing, since 8 minutes ago. */
export function ingressUnrouted(
  namespace: string,
  facts: Partial<SignalFactsByKind['ingress-unrouted']> = {},
  x: Extra = {},
) {
  return make(
    'ingress-unrouted',
    `ingress/${namespace}`,
    {
      namespace,
      controllers: [`${namespace}/controller-1`, `${namespace}/controller-2`],
      images: ['registry.k8s.io/ingress-nginx/controller:v1.9.0'],
      podsReady: 2,
      pods: 2,
      answered: 9000,
      routed: 0,
      windowSeconds: 300,
      routedPerSecondBefore: 30,
      unroutedPerSecondNow: 30,
      hostsBefore: ['shop.example.com', 'api.example.com'],
      hostsNow: [],
      servicesBefore: ['shop/web', 'api/gateway'],
      ...facts,
    },
    {
      severity: 'critical',
      sinceMs: t0 - 8 * min,
      scope: { namespaces: ['api', namespace, 'shop'], services: ['api/gateway', 'shop/web'] },
      ...x,
    },
  );
}

export function workloadDown(
  ns: string,
  name: string,
  facts: Partial<SignalFactsByKind['workload-unavailable']> = {},
  x: Extra = {},
) {
  return make(
    'workload-unavailable',
    `workload/${ns}/Deployment/${name}`,
    {
      namespace: ns,
      workloadKind: 'Deployment',
      workloadName: name,
      desired: 2,
      ready: 0,
      missing: 2,
      available: 0,
      updated: 2,
      rollingOut: false,
      sinceMs: t0 - 10 * min,
      sinceKnown: true,
      unavailableInNamespace: 1,
      ...facts,
    },
    {
      severity: 'critical',
      sinceMs: t0 - 10 * min,
      scope: { namespaces: [ns], workloads: [`${ns}/Deployment/${name}`] },
      ...x,
    },
  );
}

export function source(family: SourceFamily, state: SourceStatusFacts['state'] = 'fresh') {
  return make(
    'source-status',
    `source/${family}`,
    { source: family, state, failures: 0, lastError: '' },
    { severity: 'info' },
  );
}

/** What every Event-built signal carries: a count, a window and the newest message. */
function events(message: string, count = 12) {
  return {
    events: count,
    firstSeen: fmtTime(t0 - 15 * min),
    lastSeen: fmtTime(t0 - min),
    message,
    windowMinutes: 30,
  };
}

/** A node short of something: quiet (nothing short) unless the overrides say what. */
export function pressure(
  node: string,
  facts: Partial<SignalFactsByKind['node-pressure']> = {},
  x: Extra = {},
) {
  return make(
    'node-pressure',
    `node/${node}`,
    {
      conditions: [],
      conditionReasons: [],
      conditionSince: '',
      pressureTaints: [],
      thresholdsMet: [],
      evictions: 0,
      evictedResources: [],
      evictedNamespaces: [],
      topConsumers: [],
      largestConsumer: '',
      largestConsumerShare: 0,
      largestDiskConsumer: '',
      largestDiskConsumerShare: -1,
      imageGcFailures: 0,
      containerGcFailures: 0,
      systemOoms: 0,
      oomKills: 0,
      oomVictims: [],
      containerOomKilled: 0,
      imagePullNoSpace: 0,
      clusterNodesUnderPressure: 1,
      windowMinutes: 30,
      ...facts,
    },
    { scope: { nodes: [node] }, sinceMs: t0 - 15 * min, ...x },
  );
}

export function usage(node: string, memoryFraction: number, x: Extra = {}) {
  const allocatable = 16 * 2 ** 30;
  return make(
    'node-resource-usage',
    `node/${node}`,
    {
      node,
      memoryBytes: Math.round(memoryFraction * allocatable),
      memoryAllocatableBytes: allocatable,
      memoryFraction,
      cpuCores: 2,
      cpuAllocatableCores: 4,
      cpuFraction: 0.5,
      sampledAt: fmtTime(t0 - min),
      clusterNodesHigh: 1,
    },
    { severity: 'info', scope: { nodes: [node] }, sinceMs: t0 - min, ...x },
  );
}

export function sandboxes(
  node: string,
  cause: SignalFactsByKind['sandbox-create-failing']['cause'],
  facts: Partial<SignalFactsByKind['sandbox-create-failing']> = {},
  x: Extra = {},
) {
  return make(
    'sandbox-create-failing',
    `node/${node}`,
    {
      ...events('Failed to create pod sandbox: rpc error'),
      node,
      cause,
      causes: [`${cause}=12`],
      plugins: [],
      pods: 2,
      namespaces: ['shop'],
      killFailures: 0,
      podsStuckCreating: 2,
      clusterNodesFailing: 1,
      ...facts,
    },
    { scope: { nodes: [node] }, ...x },
  );
}

export function statusLag(
  node: string,
  facts: Partial<SignalFactsByKind['pod-status-lag']> = {},
  x: Extra = {},
) {
  return make(
    'pod-status-lag',
    `node/${node}`,
    {
      node,
      lagging: 2,
      pendingBound: 0,
      stuckCreating: 0,
      runningWithoutIp: 2,
      stuckTerminating: 0,
      oldestSeconds: 60,
      podsOnNode: 40,
      laggingShare: 0.05,
      sandboxFailures: 0,
      clusterNodesLagging: 1,
      clusterLaggingPods: 2,
      ...facts,
    },
    { scope: { nodes: [node] }, ...x },
  );
}

export function componentOom(
  ns: string,
  name: string,
  component: SignalFactsByKind['system-component-oom']['component'],
  facts: Partial<SignalFactsByKind['system-component-oom']> = {},
  x: Extra = {},
) {
  return make(
    'system-component-oom',
    `component/${ns}/Deployment/${name}`,
    {
      namespace: ns,
      workloadKind: 'Deployment',
      workloadName: name,
      component,
      replicas: 2,
      oomKilledReplicas: 2,
      containers: [name],
      nodes: ['n5', 'n6'],
      firstOom: fmtTime(t0 - 8 * min),
      lastOom: fmtTime(t0 - 6 * min),
      spanSeconds: 120,
      together: true,
      restartsInWindow: 2,
      windowMinutes: 30,
      ...facts,
    },
    {
      severity: 'critical',
      sinceMs: t0 - 8 * min,
      scope: {
        namespaces: [ns],
        workloads: [`${ns}/Deployment/${name}`],
        nodes: facts.nodes ?? ['n5', 'n6'],
      },
      ...x,
    },
  );
}

export function probes(
  ns: string,
  name: string,
  facts: Partial<SignalFactsByKind['probe-failing']> = {},
  x: Extra = {},
) {
  return make(
    'probe-failing',
    `workload/${ns}/Deployment/${name}`,
    {
      ...events('Readiness probe failed: context deadline exceeded'),
      namespace: ns,
      workloadKind: 'Deployment',
      workloadName: name,
      component: 'application',
      systemComponent: false,
      probes: ['readiness'],
      results: ['timeout=12'],
      pods: 2,
      nodes: ['n4', 'n5'],
      livenessKills: 0,
      ...facts,
    },
    { scope: { namespaces: [ns], workloads: [`${ns}/Deployment/${name}`] }, ...x },
  );
}

/** The CNI agent (calico-node) killed by a liveness probe that printed nothing, on `nodes`. */
export function cniLivenessKills(nodes: string[], kills: number, x: Extra = {}) {
  return probes(
    'kube-system',
    'calico-node',
    {
      workloadKind: 'DaemonSet',
      component: 'cni',
      systemComponent: true,
      message: 'Liveness probe failed: ',
      probes: ['liveness'],
      results: [`command-failed=${kills * 3}`],
      pods: nodes.length,
      nodes,
      livenessKills: kills,
    },
    { severity: 'critical', ...x },
  );
}

export function nodeProblem(
  type: string,
  nodes: string[],
  facts: Partial<SignalFactsByKind['node-problem']> = {},
  x: Extra = {},
) {
  return make(
    'node-problem',
    `condition/${type}`,
    {
      type,
      nodes,
      count: nodes.length,
      fraction: nodes.length / 12,
      reasons: [],
      messages: [],
      firstSince: fmtTime(t0 - 10 * min),
      ...facts,
    },
    { scope: { nodes }, sinceMs: t0 - 10 * min, ...x },
  );
}

export function webhookFailing(
  webhook: string,
  facts: Partial<SignalFactsByKind['webhook-failing']> = {},
  x: Extra = {},
) {
  return make(
    'webhook-failing',
    `webhook/${webhook}`,
    {
      ...events(`Internal error occurred: failed calling webhook "${webhook}": context deadline exceeded`),
      webhook,
      errorKinds: ['timeout'],
      workloads: ['shop/Deployment/cart'],
      namespaces: ['shop'],
      kubeSystem: false,
      ...facts,
    },
    { severity: 'critical', ...x },
  );
}

/** One priority level turning requests away: by default workload-low, through one flow schema, LIST pods. */
export function apiRejected(
  level = 'workload-low',
  facts: Partial<SignalFactsByKind['api-requests-rejected']> = {},
  x: Extra = {},
) {
  return make(
    'api-requests-rejected',
    `priority-level/${level}`,
    {
      priorityLevel: level,
      flowSchemas: ['service-accounts=3000'],
      rejected: 3000,
      dispatched: 7000,
      rejectedShare: 0.3,
      clusterLevel: false,
      servedLevels: ['leader-election', 'node-high', 'system'],
      refusedRequests: ['LIST pods=2990', 'GET configmaps=10'],
      windowSeconds: 300,
      ...facts,
    },
    { severity: 'critical', sinceMs: t0 - 10 * min, ...x },
  );
}

/** The API server's count of calls to one webhook: by default every call fails open after 30 s. */
export function webhookCalls(
  webhook: string,
  facts: Partial<SignalFactsByKind['webhook-calls-failing']> = {},
  x: Extra = {},
) {
  return make(
    'webhook-calls-failing',
    `webhook/${webhook}`,
    {
      webhook,
      type: 'validating',
      ongoing: true,
      lastTrouble: fmtTime(t0),
      calls: 40,
      failed: 40,
      refused: 0,
      failedOpen: 40,
      slowCalls: 40,
      failedShare: 1,
      operations: ['CREATE', 'UPDATE'],
      windowSeconds: 300,
      ...facts,
    },
    { severity: 'warning', ...x },
  );
}

/** A webhook that answers every call, a third of them only after 10 s. */
export function webhookSlow(webhook = 'validate.policy.example.com') {
  return webhookCalls(webhook, { failed: 0, failedOpen: 0, failedShare: 0, slowCalls: 12, calls: 36 });
}

export function podCreation(
  ns: string,
  name: string,
  facts: Partial<SignalFactsByKind['pod-creation-failing']> = {},
  x: Extra = {},
) {
  return make(
    'pod-creation-failing',
    `workload/${ns}/ReplicaSet/${name}`,
    {
      ...events('Error creating: Internal error occurred: failed calling webhook'),
      namespace: ns,
      workloadKind: 'ReplicaSet',
      workloadName: name,
      cause: 'webhook',
      causes: ['webhook=12'],
      webhooks: [],
      webhookErrors: ['timeout'],
      quotas: [],
      resources: [],
      ...facts,
    },
    { scope: { namespaces: [ns] }, ...x },
  );
}

export function edgeProbe(
  url: string,
  facts: Partial<SignalFactsByKind['edge-probe-failing']> = {},
  x: Extra = {},
) {
  return make(
    'edge-probe-failing',
    `url/${url}`,
    {
      url,
      host: new URL(url).host,
      attempts: 20,
      failures: 20,
      failureRatio: 1,
      statuses: ['503=20'],
      errorKinds: ['http-5xx'],
      lastError: '503 Service Unavailable',
      lastStatus: 503,
      firstFailure: fmtTime(t0 - 10 * min),
      windowMinutes: 15,
      inClusterHealthy: true,
      apiHealthy: true,
      nodesReady: 12,
      nodesTotal: 12,
      ...facts,
    },
    { severity: 'critical', sinceMs: t0 - 10 * min, ...x },
  );
}

export function registryPulls(
  registry: string,
  facts: Partial<SignalFactsByKind['registry-pulls-failing']> = {},
  x: Extra = {},
) {
  return make(
    'registry-pulls-failing',
    `registry/${registry}`,
    {
      ...events(`Failed to pull image "${registry}/shop/cart:1.4": i/o timeout`),
      registry,
      causes: ['timeout=6'],
      images: [`${registry}/shop/cart:1.4`, `${registry}/shop/web:2.0`],
      imageCount: 2,
      pods: 6,
      namespaces: ['shop'],
      nodes: ['n4', 'n5'],
      nodeCount: 2,
      clusterNodes: 12,
      ...facts,
    },
    { severity: 'critical', ...x },
  );
}

/** The kubelet's Ready message when its pod lifecycle relist stalls (past the 3 min threshold). */
export const plegUnhealthy = {
  status: 'False' as const,
  reason: 'KubeletNotReady',
  message: 'PLEG is not healthy: pleg was last seen active 4m0s ago; threshold is 3m0s',
  causes: ['pleg-unhealthy' as const],
};

/** The kubelet's Ready message when it cannot reach the container runtime. */
export const runtimeDown = {
  status: 'False' as const,
  reason: 'KubeletNotReady',
  message: 'container runtime is down',
  causes: ['runtime-down' as const],
};

/** Nodes losing their network one after another: NotReady and flapping, spread over 20 minutes. */
export function networkWave(nodes: string[]) {
  return [...nodes.flatMap((n) => [notReady(n), flapping(n)]), spread(nodes, { onsetSpanMinutes: 20 })];
}

/** A node the kernel OOM killer works through while the kubelet evicts for memory; `also`: other pressure. */
export function outOfMemory(node: string, also: string[] = []) {
  return pressure(node, {
    conditions: ['MemoryPressure', ...also],
    systemOoms: 3,
    oomKills: 4,
    oomVictims: ['java'],
    thresholdsMet: ['memory'],
    evictions: 2,
    evictedResources: ['memory'],
  });
}

/** One webhook as the admission inventory reads it: by default failing closed on pods, all well. */
export function admissionWebhook(
  webhook: string,
  facts: Partial<SignalFactsByKind['admission-webhook']> = {},
  x: Extra = {},
) {
  return make(
    'admission-webhook',
    `webhook/${webhook}`,
    {
      webhook,
      configuration: 'policy',
      type: 'validating',
      failurePolicy: 'Fail',
      timeoutSeconds: 10,
      backend: 'service/policy-system/policy',
      backendState: 'ready',
      readyEndpoints: 2,
      caBundle: 'valid',
      caSubject: 'CN=policy-ca',
      caNotAfter: fmtTime(t0 + 200 * 24 * hour),
      caDaysLeft: 200,
      caError: '',
      systemWrites: [],
      failsClosedOnSystemWrites: false,
      changed: '',
      changedAt: '',
      generation: 1,
      risks: [],
      ...facts,
    },
    { severity: 'info', sinceMs: t0 - 30 * 24 * hour, ...x },
  );
}

/** The API server's serving certificate as the handshake read it: by default expired 2 minutes ago. */
export function servingCertificate(
  facts: Partial<SignalFactsByKind['certificate-validity']> = {},
  x: Extra = {},
) {
  return make(
    'certificate-validity',
    'certificate/kube-apiserver',
    {
      holder: 'apiserver-serving',
      source: 'tls/kube-apiserver',
      subject: 'CN=kube-apiserver',
      issuer: 'CN=kubernetes',
      sans: ['DNS:kubernetes', 'IP Address:10.96.0.1'],
      notBefore: fmtTime(t0 - 365 * 24 * hour),
      notAfter: fmtTime(t0 - 2 * min),
      state: 'expired',
      daysLeft: -1,
      lifetimeDays: 365,
      renewBy: fmtTime(t0 - 30 * 24 * hour),
      authorizationError: 'CERT_HAS_EXPIRED',
      webhooks: [],
      failsClosed: false,
      readAt: fmtTime(t0),
      ...facts,
    },
    { severity: 'critical', sinceMs: t0 - 2 * min, ...x },
  );
}

/**
 * kubetriage's own dry-run creates refused attempt after attempt (writes-refused.ts): by
 * default by a webhook whose certificate is not trusted, for the last 3 minutes.
 */
export function writesRefused(
  webhook: string,
  facts: Partial<SignalFactsByKind['writes-refused']> = {},
  x: Extra = {},
) {
  const cause = facts.cause ?? 'x509';
  return make(
    'writes-refused',
    webhook ? `webhook/${webhook}` : 'cluster',
    {
      cause,
      webhook,
      quota: '',
      targets: ['configmaps/kubetriage'],
      failures: 6,
      attempts: 20,
      since: fmtTime(t0 - 3 * min),
      lastStatus: 500,
      lastError: webhook
        ? `Internal error occurred: failed calling webhook "${webhook}": failed to call webhook: Post "https://policy.policy-system.svc:443/validate?timeout=10s": x509: certificate signed by unknown authority`
        : 'Timeout: request did not complete within requested timeout - context deadline exceeded',
      slowestMs: 40,
      ...facts,
    },
    { severity: 'critical', sinceMs: t0 - 3 * min, ...x },
  );
}

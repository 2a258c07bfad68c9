/**
 * The signal contract: every kind of symptom a detector can report, with its typed facts.
 * This one file is what detectors promise and what failure patterns may read; a misspelt
 * kind or fact does not compile. Each kind also names the source it comes from (so a
 * pattern can say "not checked: no data" when that source is missing) and whether it is a
 * cluster-level symptom (what an honest "cause not identified" rests on) or context (a
 * change, a version mix: never trouble by itself).
 *
 * Times in facts are epoch ms (`…Ms`) or RFC 3339 strings where a person reads them.
 */
import type { AgentConditionType } from '../kube/node-agent-conditions.ts';

/** The attributes nodes are compared on (node-attributes.ts); '' when unknown. */
export interface NodeAttributeFacts {
  pool: string;
  nodeImage: string;
  kubeletVersion: string;
  osImage: string;
  kernelVersion: string;
  containerRuntimeVersion: string;
  zone: string;
}

/** What nodes in trouble have in common, and what sets them apart from the others. */
export interface NodeGroupFacts {
  /** `name=value` every affected node has. */
  sharedAttributes: string[];
  /** `name=v1|v2`: values only affected nodes have (node-attributes.ts). */
  distinguishingAttributes: string[];
  distinguishingAttributeNames: string[];
}

export interface NodeNotReadyFacts extends NodeAttributeFacts {
  status: 'False' | 'Unknown';
  reason: string;
  /** The Ready condition's message, the kubelet's own words (PLEG, runtime, network plugin). */
  message: string;
  notReadySeconds: number;
  unschedulable: boolean;
  /** Nodes NotReady now, cluster-wide. */
  clusterNotReady: number;
}

export interface NodeFlappingFacts {
  flips: number;
  windowMinutes: number;
  status: string;
  reasons: string[];
  firstFlip: string;
}

export interface NotReadySpreadFacts extends NodeGroupFacts {
  notReadyNow: number;
  totalNodes: number;
  notReadyFraction: number;
  wentNotReady30m: number;
  wentNotReady60m: number;
  recoveredNow: number;
  firstOnset: string;
  onsetSpanMinutes: number;
  nodesPerHour: number;
  pools: string[];
  /** `pool=affected/total`. */
  poolCounts: string[];
  kubeletVersions: string[];
}

export interface NodeHeartbeatLagFacts {
  lagSeconds: number;
  renewTime: string;
  leaseDurationSeconds: number;
  ready: string;
  unschedulable: boolean;
}

export interface PeriodicOnsetFacts extends NodeGroupFacts {
  days: string[];
  otherDays: string[];
  windowStart: string;
  windowEnd: string;
  windowMinutes: number;
  nodes: string[];
  onsets: number;
  nodesPerDay: string[];
  conditions: string[];
  firstOnset: string;
  lastOnset: string;
  nextWindowStart: string;
}

/** Transport failure classes (kube/errors.ts). */
export type ErrorKind = string;

export interface ApiUnreachableFacts {
  since: number;
  failures: number;
  errors: string[];
  errorKinds: ErrorKind[];
  reflectorsFailing: string[];
  probesStale: boolean;
  lastOkMs?: number;
}

export interface ApiDegradedFacts {
  p50Ms: number;
  maxMs: number;
  /** `check status`, e.g. `readyz 503`. */
  statuses: string[];
  slowProbes: number;
  answered: number;
  unanswered: number;
}

export interface CrashLoopFacts {
  namespace: string;
  workloadKind: string;
  workloadName: string;
  pods: number;
  workloadPods: number;
  fractionOfWorkloadPods: number;
  nodes: string[];
  containers: string[];
  restartsInWindow: number;
  windowMinutes: number;
  crashLoopBackOff: number;
  reasons: string[];
  exitCodes: string[];
  /** `reason/exitCode=pods`, most first. */
  reasonCodes: string[];
}

export interface RestartStormFacts {
  workloads: string[];
  workloadCount: number;
  namespaces: string[];
  restartingPods: number;
  nodes: string[];
  nodesWithRestarts: number;
  restartingPodsByNode: string[];
  restartShareOnTopNodes: number;
  podShareOnTopNodes: number;
  nodeConcentration: number;
  concentrated: boolean;
  reasons: string[];
  exitCodes: string[];
  reasonCodes: string[];
}

export interface DnsPodsUnhealthyFacts {
  ready: number;
  total: number;
  crashLooping: number;
  reasons: string[];
  restarts: number;
  /** Why the logs say they fail, e.g. `api-unreachable`. */
  logHints: string[];
  pods: string[];
  nodes: string[];
  readyEndpoints?: number;
}

export interface DnsLookupsFailingFacts {
  nodes: string[];
  clusterDnsNodes: string[];
  nodeResolverNodes: string[];
  reasons: string[];
  servers: string[];
  reportingNodes: number;
}

export interface InClusterApiUnreachableFacts {
  vip: string;
  pods: string[];
  nodes: string[];
  components: string[];
  workloads: string[];
  errorKinds: string[];
  firstMs: number;
  agentNodesReporting: number;
  agentNodesFailing: number;
  externalApiHealthy?: boolean;
  endpointReachableFromNodes?: boolean;
  endpointReachableNodes?: number;
  endpointUnreachableNodes?: number;
}

export interface ServiceErrorsFacts {
  namespace: string;
  service: string;
  requests: number;
  errors: number;
  errorRatio: number;
  statuses: string[];
  controllers: string[];
  windowSeconds: number;
}

export interface ProxySyncFailingFacts {
  nodes: string[];
  staleNodes: string[];
  failingNowNodes: string[];
  failures: number;
  firstFailureMs: number;
  clusterNodes: number;
  sources: string[];
  xtablesLock: boolean;
  lastSuccessfulSyncAgeSeconds?: number;
  errorText?: string;
  failedLine?: number;
}

export interface VersionSkewFacts {
  component: string;
  rule: string;
  ruleText: string;
  versions: string[];
  nodes: string[];
  policyFor: string;
  apiserverVersion?: string;
  apiserverVersions?: string[];
  kubeletVersions?: string[];
  daemonSetVersion?: string;
  rollback?: boolean;
}

export interface VersionMixFacts {
  component: string;
  aspect: string;
  versions: string[];
  nodes: string[];
  /** `version=nodes`, most first. */
  versionCounts?: string[];
  apiserverVersion?: string;
  daemonSetVersion?: string;
  rollback?: boolean;
  kubeletVersions?: string[];
}

export interface WorkloadUnavailableFacts {
  namespace: string;
  workloadKind: 'Deployment' | 'DaemonSet';
  workloadName: string;
  desired: number;
  ready: number;
  missing: number;
  available: number;
  updated: number;
  rollingOut: boolean;
  sinceMs: number;
  sinceKnown: boolean;
  unavailableInNamespace: number;
}

export interface ServiceNoEndpointsFacts {
  namespace: string;
  service: string;
  endpoints: number;
  readyEndpoints: number;
  slices: number;
  nodes: string[];
  pods: string[];
  hasSelector: boolean;
}

export type ChangeWhat =
  | 'rollout'
  | 'daemonset-image'
  | 'node-version'
  | 'node-kernel'
  | 'node-os'
  | 'node-runtime'
  | 'node-added'
  | 'node-removed'
  | 'node-labels'
  | 'node-taints'
  | 'control-plane-version';

export interface ChangeFacts {
  what: ChangeWhat;
  from: string;
  to: string;
  count: number;
  at: string;
  lastAt: string;
  nodes: string[];
  namespace: string;
  workload: string;
  component: 'service-proxy' | 'dns' | 'cni' | '';
  systemComponent: boolean;
  /** Nodes in the cluster now: how much of the fleet a node change touched. */
  clusterNodes: number;
}

/** Agent condition facts: common to all, plus the fields of each type's message. */
export interface AgentConditionFacts<T extends AgentConditionType = AgentConditionType> {
  type: T;
  nodes: string[];
  count: number;
  staleNodes: string[];
  nodesReporting: number;
  fraction: number;
  reasons: string[];
  firstSince: string;
  // Per type (lists are unique and sorted; absent when the type has no such field).
  targets?: string[];
  services?: string[];
  stages?: string[];
  errors?: string[];
  reachable?: string[];
  servers?: string[];
  names?: string[];
  rcodes?: string[];
  failures?: number;
  failuresTotal?: number;
  firstFailure?: string;
  lastFailure?: string;
  oldestSuccessfulSync?: string;
  fullestPercent?: number;
  drops?: number;
  timers?: string[];
  units?: string[];
  schedules?: string[];
  randomizedDelay?: string;
  randomizedDelaySeconds?: number;
  nextRun?: string;
  scheduled?: string[];
  started?: string;
  delays?: string[];
  notable?: string[];
  results?: string[];
  halfInstalled?: number;
  packages?: string[];
  exitCodes?: string[];
  newestKernel?: string;
  runningKernels?: string[];
  installedBy?: string[];
}

/**
 * The families of sources signals come from: reflectors per resource, the API probes, the
 * kube-proxy and ingress scrapes, component log tails, and the node agent's conditions.
 */
export const sourceFamilies = [
  'reflector/nodes',
  'reflector/leases',
  'reflector/pods',
  'reflector/deployments',
  'reflector/replicasets',
  'reflector/daemonsets',
  'reflector/endpointslices',
  'reflector/events',
  'probe',
  'metrics/kube-proxy',
  'metrics/ingress',
  'logs',
  'agent',
] as const;
export type SourceFamily = (typeof sourceFamilies)[number];

/** A family of sources and whether it delivers (the view's freshness, summed up). */
export interface SourceStatusFacts {
  source: SourceFamily;
  state: 'fresh' | 'stale' | 'never';
  failures: number;
  lastError: string;
  staleSinceMs?: number;
}

export interface DetectorFailedFacts {
  error: string;
}

/** Every signal kind and its facts. */
export interface SignalFactsByKind {
  'node-not-ready': NodeNotReadyFacts;
  'node-flapping': NodeFlappingFacts;
  'not-ready-spread': NotReadySpreadFacts;
  'node-heartbeat-lag': NodeHeartbeatLagFacts;
  'periodic-onset': PeriodicOnsetFacts;
  'api-unreachable': ApiUnreachableFacts;
  'api-degraded': ApiDegradedFacts;
  'crash-loop': CrashLoopFacts;
  'restart-storm': RestartStormFacts;
  'dns-pods-unhealthy': DnsPodsUnhealthyFacts;
  'dns-lookups-failing': DnsLookupsFailingFacts;
  'in-cluster-api-unreachable': InClusterApiUnreachableFacts;
  'service-errors': ServiceErrorsFacts;
  'proxy-sync-failing': ProxySyncFailingFacts;
  'version-skew': VersionSkewFacts;
  'version-mix': VersionMixFacts;
  'workload-unavailable': WorkloadUnavailableFacts;
  'service-no-endpoints': ServiceNoEndpointsFacts;
  change: ChangeFacts;
  'agent-condition': AgentConditionFacts;
  'source-status': SourceStatusFacts;
  'detector-failed': DetectorFailedFacts;
}

export type SignalKind = keyof SignalFactsByKind;

/**
 * Where each kind comes from (the source families that feed its detector) and what it is: a cluster-level `symptom`, a `local` one (one
 * object's trouble), or `context` (never trouble by itself).
 */
export const signalKinds: Record<
  SignalKind,
  { sources: readonly SourceFamily[]; role: 'symptom' | 'local' | 'context' }
> = {
  'node-not-ready': { sources: ['reflector/nodes'], role: 'local' },
  'node-flapping': { sources: ['reflector/nodes'], role: 'local' },
  'not-ready-spread': { sources: ['reflector/nodes'], role: 'symptom' },
  'node-heartbeat-lag': { sources: ['reflector/leases'], role: 'local' },
  'periodic-onset': { sources: ['reflector/nodes'], role: 'context' },
  'api-unreachable': { sources: ['probe'], role: 'symptom' },
  'api-degraded': { sources: ['probe'], role: 'symptom' },
  'crash-loop': { sources: ['reflector/pods'], role: 'local' },
  'restart-storm': { sources: ['reflector/pods'], role: 'symptom' },
  'dns-pods-unhealthy': { sources: ['reflector/pods', 'logs'], role: 'symptom' },
  'dns-lookups-failing': { sources: ['agent'], role: 'symptom' },
  'in-cluster-api-unreachable': { sources: ['logs', 'agent'], role: 'symptom' },
  'service-errors': { sources: ['metrics/ingress'], role: 'symptom' },
  'proxy-sync-failing': { sources: ['metrics/kube-proxy', 'logs', 'agent'], role: 'symptom' },
  'version-skew': { sources: ['reflector/nodes', 'reflector/pods', 'probe'], role: 'context' },
  'version-mix': { sources: ['reflector/nodes', 'reflector/pods', 'probe'], role: 'context' },
  'workload-unavailable': { sources: ['reflector/deployments', 'reflector/daemonsets'], role: 'local' },
  'service-no-endpoints': { sources: ['reflector/endpointslices'], role: 'local' },
  change: {
    sources: [
      'reflector/nodes',
      'reflector/deployments',
      'reflector/daemonsets',
      'reflector/replicasets',
      'probe',
    ],
    role: 'context',
  },
  'agent-condition': { sources: ['agent'], role: 'local' },
  'source-status': { sources: [], role: 'context' },
  'detector-failed': { sources: [], role: 'context' },
};

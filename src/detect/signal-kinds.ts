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
import type { WriteRefusalKind } from '../kube/write-refusal.ts';
import type { ValidityState } from './certificates.ts';
import type {
  CreateFailureCause,
  ImagePullCause,
  ProbeKind,
  SandboxCause,
  SchedulingCause,
  WebhookError,
} from './event-messages.ts';
import type { ReadyCause } from './ready-causes.ts';
import type { ComponentClass } from './system-components.ts';

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
  /** The message read for causes (ready-causes.ts): `pleg-unhealthy`, `runtime-down`, `cni-not-initialized`… */
  causes?: ReadyCause[];
  /** How long ago the kubelet's PLEG last relisted, when the message says (threshold 3 min). */
  plegLastActiveSeconds?: number;
}

export interface NodeFlappingFacts {
  flips: number;
  windowMinutes: number;
  status: string;
  reasons: string[];
  firstFlip: string;
  /**
   * What the NotReady spells' messages gave (ready-causes.ts): `pleg-unhealthy` when the kubelet
   * posted them itself naming its PLEG, `kubelet-stopped-posting` when the node went Unknown.
   * Absent when only the node's Events told of the flips.
   */
  causes?: ReadyCause[];
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

/** Writes stalled cluster-wide while reads were answered (writes-stalled.ts). */
export interface WritesStalledFacts {
  /** Nodes whose kubelet stopped renewing together and which the node controller never marked. */
  nodes: string[];
  /** Nodes with a kubelet Lease. */
  leaseNodes: number;
  /** The last renewal among them: none landed after it (RFC 3339). */
  lastRenewal: string;
  /** Seconds between the first and the last of those renewals. */
  spreadSeconds: number;
  /** How far kubetriage read the leases (RFC 3339). */
  readUntil: string;
  /** etcd static pods whose liveness probe asks plain `/health`, which fails under any alarm. */
  etcdProbesFailOnAlarm: string[];
}

/** kubetriage's own dry-run creates refused, or slow, attempt after attempt (writes-refused.ts). */
export interface WritesRefusedFacts {
  /** The refusal read from the API server's answer (kube/write-refusal.ts), or `slow`: answered after 10 s or more. */
  cause: WriteRefusalKind | 'slow';
  /** The webhook the refusals name; '' when none. */
  webhook: string;
  /** The ResourceQuota they name; '' when none. */
  quota: string;
  /** What was tried: `configmaps/<namespace>`, `ingresses/<namespace>`. */
  targets: string[];
  /** Attempts in a row that failed this way, and all attempts of these targets in the last 10 minutes. */
  failures: number;
  attempts: number;
  /** The first of those failed attempts (RFC 3339). */
  since: string;
  /** The newest attempt's HTTP status (0: none) and error text as the API server gave it. */
  lastStatus: number;
  lastError: string;
  slowestMs: number;
  /** The last attempt that went well, within the window (RFC 3339). */
  lastOk?: string;
}

export interface NodeHeartbeatLagFacts {
  lagSeconds: number;
  renewTime: string;
  leaseDurationSeconds: number;
  ready: string;
  unschedulable: boolean;
  /**
   * The kubetriage agent on the node wrote its conditions after the lease's last renewal,
   * and recently: the node itself still reaches the API server.
   */
  agentHeardSince: boolean;
  /** The agent's KubeletUnhealthy, fresh: `ok` (False), `failing` (True), or absent when unknown. */
  kubeletHealthz?: 'ok' | 'failing';
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

export interface ApiAccessDeniedFacts {
  /** 401: the credentials are not accepted; 403: accepted, not allowed to read. */
  status: number;
  failures: number;
  errors: string[];
  reflectorsDenied: string[];
}

export interface ApiDegradedFacts {
  p50Ms: number;
  maxMs: number;
  /** `check status`, e.g. `readyz 503`. */
  statuses: string[];
  slowProbes: number;
  answered: number;
  unanswered: number;
  /** The median of the half hour before, when the last minute is many times slower than it. */
  usualP50Ms?: number;
  /** Health checks a failed /livez or /readyz named (`etcd`, `etcd-readiness`, …). */
  failedChecks?: string[];
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
  /**
   * The first restart the view holds of any pod of the workload, pods since deleted included
   * (a drained pod's loop was the workload's): whether it failed before a change, not only now.
   */
  firstRestartMs: number;
  /** How far back the view's history of restarts reaches: before this, nothing is known. */
  historySinceMs: number;
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
  /** Replicas the DNS Deployment wants (spec.replicas), when it is known: a rollout's surge pod is not one of them. */
  desired?: number;
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
  /** kubetriage's own probes failed (3 or more) in the 5 minutes up to when the pods' failures began. */
  externalDownAtOnset?: boolean;
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

/** An ingress controller answering requests it no longer routes (ingress-unrouted.ts). */
export interface IngressUnroutedFacts {
  /** The controller's namespace. */
  namespace: string;
  /** Its serving pods (`namespace/name`) counted now. */
  controllers: string[];
  /** Their container images. */
  images: string[];
  podsReady: number;
  pods: number;
  /** Requests nginx answered, and of them routed to a Service, over `windowSeconds`. */
  answered: number;
  routed: number;
  windowSeconds: number;
  /** Requests routed per second in the hour before the window. */
  routedPerSecondBefore: number;
  /** Requests answered unrouted per second now. */
  unroutedPerSecondNow: number;
  /** Hosts routed earlier, and now. */
  hostsBefore: string[];
  hostsNow: string[];
  /** Services (`namespace/name`) requests were routed to earlier. */
  servicesBefore: string[];
  /** When a request was last routed (RFC 3339), if in the last hour. */
  lastRouted?: string;
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
  | 'daemonset-created'
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
  /** PodNetworkPeersUnreachable: peer nodes whose pods could not be connected to, and those whose full-size responses stalled. */
  unreachable?: string[];
  stalled?: string[];
  servers?: string[];
  names?: string[];
  rcodes?: string[];
  failures?: number;
  failuresTotal?: number;
  firstFailure?: string;
  lastFailure?: string;
  oldestSuccessfulSync?: string;
  fullestPercent?: number;
  /** NodePIDsExhausted: the most tasks on one node, and the highest share of its smaller limit. */
  pidsInUse?: number;
  pidsPercent?: number;
  drops?: number;
  /** NodeIOPressure: the highest PSI io averages (percent) and the hung tasks the kernel named. */
  fullAvg60?: number;
  someAvg60?: number;
  blockedTasks?: number;
  tasks?: string[];
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

// ---------------------------------------------------------------------------------------------
// Signals from Events (the event ledger, observe/event-ledger.ts) and from the states every
// cluster reports: container terminations, node conditions, pod status freshness, and the
// tool's own probes of public URLs.

/** What every Event-built signal says of its Events. */
export interface EventCountFacts {
  /** Occurrences: the sum of the Events' counts whose last time falls in the window. */
  events: number;
  /** RFC 3339 of the first and last occurrence in the window. */
  firstSeen: string;
  lastSeen: string;
  /** The newest message, in the component's own words. */
  message: string;
  windowMinutes: number;
}

/** A workload's pods the scheduler cannot place (`FailedScheduling`), still Pending and unbound. */
export interface PodsUnschedulableFacts extends EventCountFacts {
  namespace: string;
  workloadKind: string;
  workloadName: string;
  pods: number;
  /** N of `0/N nodes are available` in the newest message (0 when the format has none). */
  nodesTotal: number;
  /** `reason=nodes` of the newest message, e.g. `Insufficient memory=3`, most first. */
  nodeReasons: string[];
  causes: SchedulingCause[];
  /** Taint keys not tolerated, e.g. `node.kubernetes.io/not-ready`. */
  untoleratedTaints: string[];
  systemComponent: boolean;
}

/** Unschedulable pods across several workloads or namespaces: the cluster cannot place pods. */
export interface SchedulingBlockedFacts extends EventCountFacts {
  pods: number;
  workloads: string[];
  workloadCount: number;
  namespaces: string[];
  /** `reason=pods` whose newest message names it, most first. */
  podReasons: string[];
  /** `cause=pods`, most first. */
  causes: string[];
  untoleratedTaints: string[];
  /** The largest N of `0/N nodes` seen. */
  nodesTotal: number;
}

/** One image that cannot be pulled (`Failed`/`ErrImagePull`/`BackOff`, and pods waiting on it). */
export interface ImagePullFailingFacts extends EventCountFacts {
  image: string;
  registry: string;
  /** The most common cause other than back-off (back-off only when no other is known). */
  cause: ImagePullCause;
  /** `cause=pods`, most first. */
  causes: string[];
  pods: number;
  namespaces: string[];
  nodes: string[];
  /** Pods waiting in ErrImagePull or ImagePullBackOff now. */
  waitingPods: number;
  systemComponent: boolean;
}

/** Pulls from one registry failing for several images or on several nodes: the registry, not a tag. */
export interface RegistryPullsFailingFacts extends EventCountFacts {
  registry: string;
  /** `cause=pods`, most first. */
  causes: string[];
  images: string[];
  imageCount: number;
  pods: number;
  namespaces: string[];
  nodes: string[];
  nodeCount: number;
  clusterNodes: number;
}

/** A node short of memory, disk or PIDs: its pressure conditions, evictions, GC failures and OOMs. */
export interface NodePressureFacts {
  /** Pressure condition types True now (MemoryPressure, DiskPressure, PIDPressure). */
  conditions: string[];
  conditionReasons: string[];
  /** RFC 3339 of the earliest transition of those conditions ('' when none is True). */
  conditionSince: string;
  /** `node.kubernetes.io/memory-pressure`-style taints on the node. */
  pressureTaints: string[];
  /** Resources of `EvictionThresholdMet` (`Attempting to reclaim memory`) in the window. */
  thresholdsMet: string[];
  /** Pods the kubelet evicted from the node in the window. */
  evictions: number;
  evictedResources: string[];
  evictedNamespaces: string[];
  /** `container=usage` the eviction messages name, most often named first (at most 5). */
  topConsumers: string[];
  /** The container memory evictions name with the most memory, and that usage over the node's allocatable memory (0..1; 0 unknown). */
  largestConsumer: string;
  largestConsumerShare: number;
  /**
   * The container the ephemeral-storage evictions name with the most disk, and that usage over
   * the node's allocatable ephemeral storage (0..1, to 0.01 %; -1 when either is unknown).
   */
  largestDiskConsumer: string;
  largestDiskConsumerShare: number;
  imageGcFailures: number;
  containerGcFailures: number;
  /** `SystemOOM` events (the kubelet saw the kernel OOM killer at work). */
  systemOoms: number;
  /** `OOMKilling` events (node-problem-detector's kernel monitor). */
  oomKills: number;
  oomVictims: string[];
  /** Containers on the node that ended OOMKilled in the window. */
  containerOomKilled: number;
  /** Image pulls on the node failing with `no space left on device`. */
  imagePullNoSpace: number;
  clusterNodesUnderPressure: number;
  windowMinutes: number;
}

/** A non-standard node condition True (node-problem-detector's, a CNI's NetworkUnavailable), per type. */
export interface NodeProblemFacts {
  type: string;
  nodes: string[];
  count: number;
  /** Of all nodes. */
  fraction: number;
  reasons: string[];
  /** Distinct messages (at most 3). */
  messages: string[];
  firstSince: string;
}

/** Pod sandboxes failing on one node (`FailedCreatePodSandBox`, `FailedKillPod`). */
export interface SandboxCreateFailingFacts extends EventCountFacts {
  node: string;
  cause: SandboxCause;
  /** `cause=events`, most first. */
  causes: string[];
  /** CNI plugin types named in the errors. */
  plugins: string[];
  pods: number;
  namespaces: string[];
  /** FailedKillPod occurrences (sandbox teardown failing: pods stuck Terminating). */
  killFailures: number;
  /** Pods on the node waiting in ContainerCreating now. */
  podsStuckCreating: number;
  clusterNodesFailing: number;
}

/** A workload's probes failing (`Unhealthy`) and liveness kills (`Killing`). */
export interface ProbeFailingFacts extends EventCountFacts {
  namespace: string;
  workloadKind: string;
  workloadName: string;
  component: ComponentClass;
  systemComponent: boolean;
  probes: ProbeKind[];
  /** `result=events`: `http-500`, `timeout`, `refused`, `command-failed`… */
  results: string[];
  pods: number;
  nodes: string[];
  /** Containers restarted for failing liveness or startup probes. */
  livenessKills: number;
}

/** A workload's volumes failing to attach or mount. */
export interface VolumeMountFailingFacts extends EventCountFacts {
  namespace: string;
  workloadKind: string;
  workloadName: string;
  /** `cause=events`: `multi-attach`, `timeout`, `not-found`, `permission`… */
  causes: string[];
  volumes: string[];
  pods: number;
  nodes: string[];
}

/** A node's lifecycle events: reboots, kubelet restarts, NotReady, registration and removal. */
export interface NodeLifecycleFacts {
  node: string;
  reboots: number;
  bootIds: string[];
  /** `Starting kubelet.` occurrences. */
  kubeletStarts: number;
  notReadyEvents: number;
  registered: boolean;
  removing: boolean;
  deletingAllPods: boolean;
  firstSeen: string;
  lastSeen: string;
  windowMinutes: number;
  clusterNodesRebooted: number;
}

/** A controller cannot create its pods (`FailedCreate`): admission webhooks, quota, policy. */
export interface PodCreationFailingFacts extends EventCountFacts {
  namespace: string;
  workloadKind: string;
  workloadName: string;
  cause: CreateFailureCause;
  /** `cause=events`, most first. */
  causes: string[];
  webhooks: string[];
  webhookErrors: WebhookError[];
  quotas: string[];
  /** Resources a quota refused, e.g. `limits.cpu`. */
  resources: string[];
}

/** An admission webhook failing calls (not denying: failing), for whatever it matches. */
export interface WebhookFailingFacts extends EventCountFacts {
  webhook: string;
  errorKinds: WebhookError[];
  workloads: string[];
  namespaces: string[];
  kubeSystem: boolean;
}

/**
 * Calls from the API server to one admission webhook that fail or outlast 10 s, counted by
 * the API server itself (`apiserver_admission_webhook_*` in its /metrics) over the window.
 */
export interface WebhookCallsFailingFacts {
  webhook: string;
  /** `validating` or `admit` (mutating), as the metrics label it. */
  type: string;
  /** Trouble in the last 5 minutes; false when it stopped (reported for 30 minutes after). */
  ongoing: boolean;
  /** RFC 3339 of the last scrape that counted a failed or slow call. */
  lastTrouble: string;
  /** Calls in the window, failed calls of them, and how those failures ended. */
  calls: number;
  failed: number;
  /** Failed with failurePolicy Fail: the write was refused. */
  refused: number;
  /** Failed with failurePolicy Ignore: the write went on without the webhook, after waiting. */
  failedOpen: number;
  /** Calls that took longer than 10 s, the kubelet's heartbeat client timeout. */
  slowCalls: number;
  /** failed / calls, 0..1. */
  failedShare: number;
  /** Operations called for (CREATE, UPDATE, …), sorted. */
  operations: string[];
  windowSeconds: number;
}

/**
 * One webhook of a Validating/MutatingWebhookConfiguration as the admission inventory reads
 * it (admission-inventory.ts): how its failures end, what of the cluster's own writes it is
 * called for, whether its backend can answer, whether its caBundle holds a valid CA, and
 * whether its configuration changed lately. Subject `webhook/<name>`, as webhook-calls-failing.
 */
export interface AdmissionWebhookFacts {
  webhook: string;
  configuration: string;
  type: 'validating' | 'mutating';
  /** As set, Fail when unset (the admissionregistration.k8s.io/v1 default). */
  failurePolicy: 'Fail' | 'Ignore';
  /** As set, 10 when unset (the v1 default). */
  timeoutSeconds: number;
  /** `service/<namespace>/<name>` or the URL it is called at. */
  backend: string;
  /** From the Service's EndpointSlices; `not-checked` for a URL backend or before they are listed. */
  backendState: 'ready' | 'no-ready-endpoints' | 'no-service' | 'not-checked';
  readyEndpoints: number;
  /** The caBundle: absent, unreadable, or the validity of its newest CA. */
  caBundle: 'absent' | 'unparsable' | ValidityState;
  caSubject: string;
  caNotAfter: string;
  /** Whole days to the newest CA's notAfter; absent without one. */
  caDaysLeft?: number;
  caError: string;
  /** The cluster's own writes it is called for (webhook-scope.ts), e.g. `node heartbeats (…)`. */
  systemWrites: string[];
  /** failurePolicy Fail and some of those writes: when it cannot answer, they are refused. */
  failsClosedOnSystemWrites: boolean;
  /** `created` or `updated` within the last hour, else ''. */
  changed: 'created' | 'updated' | '';
  /** RFC 3339 of that change ('' when none). */
  changedAt: string;
  generation: number;
  /** What makes it a risk now: `no-ready-endpoints`, `ca-expired`, `fails-closed-on-system-writes`… */
  risks: string[];
}

/**
 * A certificate on the path of the cluster's calls (certificate-validity.ts): the API
 * server's serving certificate as its TLS handshake presents it, or the newest CA of a
 * webhook's caBundle. Not read: kubelet serving certificates (the feed reaches kubelets only
 * through the API server's proxy, which ends TLS itself).
 */
export interface CertificateValidityFacts {
  holder: 'apiserver-serving' | 'webhook-ca';
  /** Where it was read: `tls/kube-apiserver`, `validatingwebhookconfiguration/<name>`. */
  source: string;
  subject: string;
  issuer: string;
  sans: string[];
  notBefore: string;
  notAfter: string;
  state: ValidityState;
  /** Whole days to notAfter, negative once expired. */
  daysLeft: number;
  lifetimeDays: number;
  /** RFC 3339 of when renewal was due (certificates.ts). */
  renewBy: string;
  /** Node's verdict on the handshake's chain (`CERT_HAS_EXPIRED`), '' when trusted or not from a handshake. */
  authorizationError: string;
  /** The webhooks whose caBundle holds it (webhook-ca), sorted. */
  webhooks: string[];
  /** Some of those webhooks fail closed: their writes are refused while it is not valid. */
  failsClosed: boolean;
  /** RFC 3339 of the read. */
  readAt: string;
}

/** One API Priority and Fairness priority level turning requests away (429) over the window. */
export interface ApiRequestsRejectedFacts {
  priorityLevel: string;
  /** `flowSchema=rejections`, most first. */
  flowSchemas: string[];
  rejected: number;
  dispatched: number;
  /** rejected / (rejected + dispatched), 0..1. */
  rejectedShare: number;
  /** A level the control plane and kubelets use (system, node-high, leader-election). */
  clusterLevel: boolean;
  /** Levels that served requests and rejected none in the window. */
  servedLevels: string[];
  /** `verb resource=429 answers`, most first, over every level. */
  refusedRequests: string[];
  windowSeconds: number;
}

/** Warning Events by reason, unknown reasons included: the overview, never trouble by itself. */
export interface WarningEventsFacts {
  /** Occurrences in the window. */
  warnings: number;
  /** `reason=count`, most first (at most 20). */
  reasons: string[];
  /** `family=count`, most first. */
  families: string[];
  /** `reason=count` of warnings in no family of the taxonomy. */
  unknownReasons: string[];
  windowMinutes: number;
}

/** How a workload's containers ended in the window, with what each end means. */
export interface ContainerTerminationsFacts {
  namespace: string;
  workloadKind: string;
  workloadName: string;
  component: ComponentClass;
  systemComponent: boolean;
  /** Pods of the workload now. */
  replicas: number;
  podsTerminated: number;
  /** Restarts seen in the window (at least one per terminated pod). */
  terminations: number;
  /** `meaning=pods` (termination-meaning.ts): `oom-killed=3`, `runtime-lost=1`, most first. */
  meanings: string[];
  reasons: string[];
  exitCodes: string[];
  containers: string[];
  nodes: string[];
  firstFinished: string;
  lastFinished: string;
  /** Seconds between the first and the last pod's termination. */
  spanSeconds: number;
  /** Every replica (two or more) ended within `togetherMinutes` of each other. */
  allReplicasTogether: boolean;
  /** Shortest run before an end (finishedAt − startedAt), when the runtime says. */
  shortestRunSeconds?: number;
  windowMinutes: number;
}

/** A control-plane component's containers restarting again and again (control-plane-restarts.ts). */
export interface ControlPlaneRestartsFacts {
  /** The static pod's name without its node: kube-controller-manager, etcd… */
  component: string;
  pods: string[];
  nodes: string[];
  /** Restarts in the last 3 hours (or since the pod started, when no longer history is kept). */
  restarts: number;
  /** How each pod's last run ended (lastState.terminated). */
  reasons: string[];
  exitCodes: string[];
  lastFinished: string;
  /** When restarts were seen, newest 8 (RFC 3339). */
  restartTimes: string[];
}

/** Every replica of a system component OOMKilled within minutes: it is at its memory limit. */
export interface SystemComponentOomFacts {
  namespace: string;
  workloadKind: string;
  workloadName: string;
  component: ComponentClass;
  replicas: number;
  oomKilledReplicas: number;
  containers: string[];
  nodes: string[];
  firstOom: string;
  lastOom: string;
  spanSeconds: number;
  /** The kills came within 10 min of each other: the component went down all at once. */
  together: boolean;
  restartsInWindow: number;
  windowMinutes: number;
}

/** Pod status lagging the kubelet's work on a Ready node (the kubelet's API rate limit, a stuck runtime). */
export interface PodStatusLagFacts {
  node: string;
  /** Pods late in any of the ways below. */
  lagging: number;
  /** Bound to the node, still Pending with no container status. */
  pendingBound: number;
  /** Waiting in ContainerCreating. */
  stuckCreating: number;
  /** Running without a pod IP. */
  runningWithoutIp: number;
  /** Past their deletion deadline, still present. */
  stuckTerminating: number;
  oldestSeconds: number;
  podsOnNode: number;
  laggingShare: number;
  /** Sandbox failure events on the node in the last 15 min (a CNI or IPAM cause, not lag). */
  sandboxFailures: number;
  clusterNodesLagging: number;
  clusterLaggingPods: number;
}

/** A node's usage near what it offers pods (resource metrics API against `status.allocatable`). */
export interface NodeResourceUsageFacts {
  node: string;
  memoryBytes: number;
  memoryAllocatableBytes: number;
  /** Working set over allocatable, 0..1+ (above 1: the kubelet is about to evict). */
  memoryFraction: number;
  cpuCores: number;
  cpuAllocatableCores: number;
  cpuFraction: number;
  /** RFC 3339 of the sample. */
  sampledAt: string;
  /** Nodes at or above the memory threshold, cluster-wide. */
  clusterNodesHigh: number;
}

/** A public endpoint the tool probes from outside (`--probe-url`) failing. */
export interface EdgeProbeFailingFacts {
  url: string;
  host: string;
  attempts: number;
  failures: number;
  failureRatio: number;
  /** `status=count` of HTTP answers, most first. */
  statuses: string[];
  /** `http-5xx`, `timeout`, `refused`, `dns`, `tls-expired`, `tls-name-mismatch`, `tls-unknown-authority`, `tls`, `reset`… */
  errorKinds: string[];
  lastError: string;
  lastStatus?: number;
  firstFailure: string;
  lastSuccess?: string;
  windowMinutes: number;
  /** What the view says of the cluster meanwhile: the API answers and nodes are Ready. */
  inClusterHealthy: boolean;
  apiHealthy: boolean;
  nodesReady: number;
  nodesTotal: number;
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
  'metrics/kube-apiserver',
  'metrics/ingress',
  'logs',
  'agent',
  'probe-url',
  'metrics/nodes',
  'reflector/validatingwebhookconfigurations',
  'reflector/mutatingwebhookconfigurations',
  /** Certificates read from the tool's own TLS handshakes (the API server's). */
  'tls',
  'probe-write',
] as const;
export type SourceFamily = (typeof sourceFamilies)[number];

/** A family of sources and whether it delivers (the view's freshness, summed up). */
export interface SourceStatusFacts {
  source: SourceFamily;
  /** `forbidden`: refused with 403, a grant kubetriage's role lacks (docs/deployment.md). */
  state: 'fresh' | 'stale' | 'never' | 'forbidden';
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
  'writes-stalled': WritesStalledFacts;
  'writes-refused': WritesRefusedFacts;
  'periodic-onset': PeriodicOnsetFacts;
  'api-unreachable': ApiUnreachableFacts;
  'api-never-reached': ApiUnreachableFacts;
  'api-degraded': ApiDegradedFacts;
  'api-access-denied': ApiAccessDeniedFacts;
  'crash-loop': CrashLoopFacts;
  'restart-storm': RestartStormFacts;
  'dns-pods-unhealthy': DnsPodsUnhealthyFacts;
  'dns-lookups-failing': DnsLookupsFailingFacts;
  'in-cluster-api-unreachable': InClusterApiUnreachableFacts;
  'service-errors': ServiceErrorsFacts;
  'ingress-unrouted': IngressUnroutedFacts;
  'proxy-sync-failing': ProxySyncFailingFacts;
  'version-skew': VersionSkewFacts;
  'version-mix': VersionMixFacts;
  'workload-unavailable': WorkloadUnavailableFacts;
  'service-no-endpoints': ServiceNoEndpointsFacts;
  change: ChangeFacts;
  'agent-condition': AgentConditionFacts;
  'pods-unschedulable': PodsUnschedulableFacts;
  'scheduling-blocked': SchedulingBlockedFacts;
  'image-pull-failing': ImagePullFailingFacts;
  'registry-pulls-failing': RegistryPullsFailingFacts;
  'node-pressure': NodePressureFacts;
  'node-problem': NodeProblemFacts;
  'sandbox-create-failing': SandboxCreateFailingFacts;
  'probe-failing': ProbeFailingFacts;
  'volume-mount-failing': VolumeMountFailingFacts;
  'node-lifecycle': NodeLifecycleFacts;
  'pod-creation-failing': PodCreationFailingFacts;
  'webhook-failing': WebhookFailingFacts;
  'webhook-calls-failing': WebhookCallsFailingFacts;
  'api-requests-rejected': ApiRequestsRejectedFacts;
  'admission-webhook': AdmissionWebhookFacts;
  'certificate-validity': CertificateValidityFacts;
  'warning-events': WarningEventsFacts;
  'container-terminations': ContainerTerminationsFacts;
  'system-component-oom': SystemComponentOomFacts;
  'control-plane-restarts': ControlPlaneRestartsFacts;
  'pod-status-lag': PodStatusLagFacts;
  'edge-probe-failing': EdgeProbeFailingFacts;
  'node-resource-usage': NodeResourceUsageFacts;
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
  'node-flapping': { sources: ['reflector/nodes', 'reflector/events'], role: 'local' },
  'not-ready-spread': { sources: ['reflector/nodes'], role: 'symptom' },
  'node-heartbeat-lag': { sources: ['reflector/leases'], role: 'local' },
  'writes-stalled': { sources: ['reflector/leases', 'reflector/nodes', 'reflector/pods'], role: 'symptom' },
  'writes-refused': { sources: ['probe-write'], role: 'symptom' },
  'periodic-onset': { sources: ['reflector/nodes'], role: 'context' },
  'api-unreachable': { sources: ['probe'], role: 'symptom' },
  'api-never-reached': { sources: ['probe'], role: 'symptom' },
  'api-degraded': { sources: ['probe'], role: 'symptom' },
  'api-access-denied': { sources: ['probe'], role: 'symptom' },
  'crash-loop': { sources: ['reflector/pods'], role: 'local' },
  'restart-storm': { sources: ['reflector/pods'], role: 'symptom' },
  'dns-pods-unhealthy': { sources: ['reflector/pods', 'logs'], role: 'symptom' },
  'dns-lookups-failing': { sources: ['agent'], role: 'symptom' },
  'in-cluster-api-unreachable': { sources: ['logs', 'agent'], role: 'symptom' },
  'service-errors': { sources: ['metrics/ingress'], role: 'symptom' },
  'ingress-unrouted': { sources: ['metrics/ingress', 'reflector/pods'], role: 'symptom' },
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
  'pods-unschedulable': { sources: ['reflector/events', 'reflector/pods'], role: 'local' },
  'scheduling-blocked': { sources: ['reflector/events', 'reflector/pods'], role: 'symptom' },
  'image-pull-failing': { sources: ['reflector/events', 'reflector/pods'], role: 'local' },
  'registry-pulls-failing': { sources: ['reflector/events', 'reflector/pods'], role: 'symptom' },
  'node-pressure': { sources: ['reflector/nodes', 'reflector/events', 'reflector/pods'], role: 'local' },
  'node-problem': { sources: ['reflector/nodes'], role: 'local' },
  'sandbox-create-failing': { sources: ['reflector/events', 'reflector/pods'], role: 'local' },
  'probe-failing': { sources: ['reflector/events'], role: 'local' },
  'volume-mount-failing': { sources: ['reflector/events'], role: 'local' },
  'node-lifecycle': { sources: ['reflector/events'], role: 'local' },
  'pod-creation-failing': { sources: ['reflector/events'], role: 'local' },
  'webhook-failing': { sources: ['reflector/events'], role: 'symptom' },
  'webhook-calls-failing': { sources: ['metrics/kube-apiserver'], role: 'symptom' },
  'api-requests-rejected': { sources: ['metrics/kube-apiserver'], role: 'symptom' },
  'admission-webhook': {
    sources: [
      'reflector/validatingwebhookconfigurations',
      'reflector/mutatingwebhookconfigurations',
      'reflector/endpointslices',
    ],
    role: 'context',
  },
  'certificate-validity': {
    sources: ['tls', 'reflector/validatingwebhookconfigurations', 'reflector/mutatingwebhookconfigurations'],
    role: 'symptom',
  },
  'warning-events': { sources: ['reflector/events'], role: 'context' },
  'container-terminations': { sources: ['reflector/pods'], role: 'local' },
  'system-component-oom': { sources: ['reflector/pods'], role: 'symptom' },
  'control-plane-restarts': { sources: ['reflector/pods'], role: 'symptom' },
  'pod-status-lag': { sources: ['reflector/pods', 'reflector/nodes'], role: 'local' },
  'edge-probe-failing': { sources: ['probe-url'], role: 'symptom' },
  'node-resource-usage': { sources: ['metrics/nodes', 'reflector/nodes'], role: 'local' },
  'source-status': { sources: [], role: 'context' },
  'detector-failed': { sources: [], role: 'context' },
};

/**
 * Cluster DNS: the CoreDNS/kube-dns pods (kube-system, `k8s-app=kube-dns`), their logs, the
 * kube-dns Service's ready endpoints, and what the node agents see when they resolve names
 * through cluster DNS and through the node's own resolver.
 *
 * Emits:
 * - `dns-pods-unhealthy`: a DNS pod crash-looping or not Ready past its start-up grace, or
 *   no DNS pod at all behind an existing kube-dns Service. Critical when none is Ready or the
 *   Service has no ready endpoint; the log hints say why (e.g. `api-unreachable`), because
 *   CoreDNS failing is as often a consequence of the API being out of reach as a cause.
 *   Since when: the first exit of the crash loop the pods are in (from the restarts the view
 *   saw), not the latest restart; and how many replicas the DNS Deployment wants, so a
 *   rollout's extra pod does not count as one more that should serve.
 * - `dns-lookups-failing`: agents failing lookups, cluster DNS and node resolver kept apart
 *   (the first is CoreDNS or service routing, the second the node's own network).
 */
import type { KubeObject } from '../kube/observations.ts';
import type { ClusterView } from '../observe/cluster-view.ts';
import { apiUnreachable, klogClientGoFailure, pluginsNotReady } from '../observe/coredns-log.ts';
import { restartKind } from '../observe/transition-log.ts';
import { type AgentCondition, agentConditions, agentSinceMs } from './agent-fields.ts';
import { clock, logText, logTimeMs, recentLogs } from './log-lines.ts';
import { workloadResolver } from './pod-owner.ts';
import type { Detector, Evidence, Signal } from './signal.ts';
import { uniqueSorted } from './signal.ts';
import type { DnsPodsUnhealthyFacts } from './signal-kinds.ts';
import { timeMs } from './timestamps.ts';

const detector = 'dns-health';

/** kubeadm's CoreDNS liveness probe waits 60 s; a pod younger or newly unready gets that grace. */
export const startupGraceMs = 60_000;
/** Back-off caps at 300 s, so two crash cycles of logs stay in view. */
export const logWindowMs = 10 * 60_000;
/**
 * The kubelet's crash back-off doubles from 10 s to at most 5 min (MaxContainerBackOff,
 * pkg/kubelet/kubelet.go) and forgets a container after twice that without a restart
 * (client-go flowcontrol.Backoff): restarts no further apart are one crash loop, a longer
 * gap starts a new one.
 */
export const loopGapMs = 10 * 60_000;

const dnsApps = new Set(['kube-dns', 'coredns']);

interface ContainerStatusView {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: { waiting?: { reason?: string }; terminated?: { reason?: string } };
  lastState?: { terminated?: { reason?: string; exitCode?: number } };
}

interface PodView {
  spec?: { nodeName?: string };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; lastTransitionTime?: string }[];
    containerStatuses?: ContainerStatusView[];
  };
}

interface EndpointSliceView {
  endpoints?: { addresses?: string[]; conditions?: { ready?: boolean } }[];
}

interface PodHealth {
  pod: KubeObject & PodView;
  ready: boolean;
  crashLooping: boolean;
  unhealthy: boolean;
  reasons: string[];
  sinceMs?: number;
}

export const dnsHealth: Detector = (view, nowMs) => {
  const out: Signal[] = [];
  const pods = podsSignal(view, nowMs);
  if (pods) out.push(pods);
  const lookups = lookupsSignal(view.list('nodes'), nowMs);
  if (lookups) out.push(lookups);
  return out;
};

function isDnsPod(p: KubeObject): boolean {
  return p.metadata.namespace === 'kube-system' && dnsApps.has(p.metadata.labels?.['k8s-app'] ?? '');
}

function podHealth(p: KubeObject & PodView, nowMs: number): PodHealth {
  const statuses = p.status?.containerStatuses ?? [];
  const readyCond = p.status?.conditions?.find((c) => c.type === 'Ready');
  const ready = readyCond?.status === 'True';
  const crashLooping = statuses.some((c) => c.state?.waiting?.reason === 'CrashLoopBackOff');
  const reasons: string[] = [];
  for (const c of statuses) {
    const now = c.state?.waiting?.reason ?? c.state?.terminated?.reason;
    if (now) reasons.push(now);
    if ((c.restartCount ?? 0) > 0 && c.lastState?.terminated?.reason && (!ready || crashLooping))
      reasons.push(`last:${c.lastState.terminated.reason}`);
  }
  if (!ready && reasons.length === 0)
    reasons.push(p.status?.phase === 'Running' ? 'NotReady' : (p.status?.phase ?? 'Unknown'));
  const readySince = timeMs(readyCond?.lastTransitionTime);
  const created = timeMs(p.metadata.creationTimestamp);
  // Without a transition time, an unready pod counts: not knowing is not healthy.
  const inGrace =
    (readySince !== undefined && nowMs - readySince < startupGraceMs) ||
    (created !== undefined && nowMs - created < startupGraceMs);
  return {
    pod: p,
    ready,
    crashLooping,
    unhealthy: crashLooping || (!ready && !inGrace),
    reasons,
    sinceMs: ready ? undefined : readySince,
  };
}

function podsSignal(view: ClusterView, nowMs: number): Signal | undefined {
  const dnsPods = (view.list('pods') as (KubeObject & PodView)[]).filter(
    (p) => isDnsPod(p) && !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded',
  );
  const svc = view.get('services', 'kube-system/kube-dns');
  const health = dnsPods.map((p) => podHealth(p, nowMs));
  const unhealthy = health.filter((h) => h.unhealthy);
  const missing = dnsPods.length === 0 && svc !== undefined && view.synced('pods');
  // Ready pods behind a Service with no ready endpoint still answer nobody.
  const readyEndpoints = kubeDnsReadyEndpoints(view);
  if (unhealthy.length === 0 && !missing && readyEndpoints !== 0) return undefined;

  const ready = health.filter((h) => h.ready).length;
  const hints = logHints(view, nowMs, new Set(dnsPods.map((p) => p.metadata.name)));
  const loops = loopStarts(view, nowMs, new Set(unhealthy.map((h) => podKey(h.pod))));
  const desired = desiredReplicas(view, dnsPods);
  // With no ready endpoint while the pods are still within their grace, the pods behind it
  // are the not-Ready ones: name them and their nodes, so a reader (and the patterns) can
  // tell DNS down on its own from DNS down with the nodes it runs on.
  const down = unhealthy.length ? unhealthy : health.filter((h) => !h.ready);
  const names = down.map((h) => `kube-system/${h.pod.metadata.name}`);
  const nodes = uniqueSorted(down.map((h) => h.pod.spec?.nodeName).filter((n): n is string => !!n));
  const restarts = health.reduce(
    (s, h) => s + (h.pod.status?.containerStatuses ?? []).reduce((t, c) => t + (c.restartCount ?? 0), 0),
    0,
  );
  const hintKinds = uniqueSorted(hints.map((h) => h.hint));
  const crashLooping = health.filter((h) => h.crashLooping).length;
  const facts: DnsPodsUnhealthyFacts = {
    ready,
    total: dnsPods.length,
    crashLooping,
    reasons: uniqueSorted(unhealthy.flatMap((h) => h.reasons)),
    restarts,
    logHints: hintKinds,
    pods: names,
    nodes,
  };
  if (readyEndpoints !== undefined) facts.readyEndpoints = readyEndpoints;
  if (desired !== undefined) facts.desired = desired;
  const times = [...unhealthy.map((h) => h.sinceMs), ...hints.map((h) => h.atMs), ...loops.values()].filter(
    (t): t is number => t !== undefined,
  );
  const sinceMs = times.length ? Math.min(...times) : nowMs;
  const critical = ready === 0 || readyEndpoints === 0;
  const hintText = hintKinds.length ? `; logs: ${hintKinds.join(', ')}` : '';
  const evidence: Evidence[] = unhealthy.slice(0, 5).map((h) => ({
    source: 'object',
    ref: `pod/kube-system/${h.pod.metadata.name}`,
    atMs: h.sinceMs,
    text: `${h.ready ? 'Ready' : 'not Ready'}: ${h.reasons.join(', ')}`,
  }));
  const seen = new Set<string>();
  for (const h of hints) {
    if (seen.has(h.hint)) continue;
    seen.add(h.hint);
    evidence.push({
      source: 'log',
      ref: `pod/kube-system/${h.pod}`,
      atMs: h.atMs,
      text: h.text.slice(0, 300),
    });
  }
  return {
    detector,
    kind: 'dns-pods-unhealthy',
    subject: 'service/kube-system/kube-dns',
    severity: critical ? 'critical' : 'warning',
    sinceMs,
    summary: missing
      ? 'No cluster DNS pods (k8s-app=kube-dns) run behind Service kube-system/kube-dns'
      : `Cluster DNS: ${ready}/${dnsPods.length} pods Ready, ${crashLooping} crash-looping since ${clock(sinceMs)}` +
        `${readyEndpoints === 0 ? '; kube-system/kube-dns has no ready endpoint' : ''}${hintText}`,
    scope: { nodes, namespaces: ['kube-system'], services: ['kube-system/kube-dns'] },
    facts,
    evidence,
  };
}

function podKey(p: KubeObject): string {
  return `${p.metadata.namespace}/${p.metadata.name}`;
}

/**
 * When each pod's current crash loop began: the first exit (the restart's `finishedAt`, else
 * when the restart was seen) of the run of restarts that ends within `loopGapMs` of now, with
 * no gap longer than that between them.
 */
function loopStarts(view: ClusterView, nowMs: number, pods: Set<string>): Map<string, number> {
  const exits = new Map<string, number[]>();
  for (const t of view.transitions.of(restartKind)) {
    if (!pods.has(t.key) || t.atMs > nowMs) continue;
    const at = timeMs(t.detail?.finishedAt) ?? t.atMs;
    exits.set(t.key, [...(exits.get(t.key) ?? []), Math.min(at, t.atMs)]);
  }
  const out = new Map<string, number>();
  for (const [key, times] of exits) {
    const sorted = times.sort((a, b) => b - a);
    if (nowMs - sorted[0] > loopGapMs) continue;
    let start = sorted[0];
    for (const t of sorted.slice(1)) {
      if (start - t > loopGapMs) break;
      start = t;
    }
    out.set(key, start);
  }
  return out;
}

/** The replicas the Deployment(s) running the DNS pods want; undefined when none is known. */
function desiredReplicas(view: ClusterView, pods: readonly KubeObject[]): number | undefined {
  const resolve = workloadResolver(view);
  const keys = new Set(
    pods
      .map(resolve)
      .filter((w) => w.kind === 'Deployment')
      .map((w) => `${w.namespace}/${w.name}`),
  );
  let sum: number | undefined;
  for (const key of keys) {
    const replicas = (view.get('deployments', key) as { spec?: { replicas?: number } } | undefined)?.spec
      ?.replicas;
    if (replicas !== undefined) sum = (sum ?? 0) + replicas;
  }
  return sum;
}

/** Ready addresses in the kube-dns EndpointSlices; undefined when there is no slice to read. */
function kubeDnsReadyEndpoints(view: ClusterView): number | undefined {
  const slices = view
    .list('endpointslices')
    .filter(
      (s) =>
        s.metadata.namespace === 'kube-system' &&
        s.metadata.labels?.['kubernetes.io/service-name'] === 'kube-dns',
    ) as (KubeObject & EndpointSliceView)[];
  if (slices.length === 0) return undefined;
  const ready = new Set<string>();
  // An absent `ready` means ready (discovery/v1 semantics).
  for (const s of slices)
    for (const e of s.endpoints ?? [])
      if (e.conditions?.ready !== false) for (const a of e.addresses ?? []) ready.add(a);
  return ready.size;
}

interface Hint {
  hint: string;
  pod: string;
  atMs: number;
  text: string;
}

/**
 * What the DNS pods' own logs say: `api-unreachable` (list/watch to the API failing on the
 * transport), `waiting-for-kubernetes` (the ready plugin), `unsynced-start` (serving before
 * the API synced: SERVFAIL for cluster names), `upstream-errors` (plugin/errors, forwarding
 * failures), `loop-detected`, `fatal`.
 */
function logHints(view: ClusterView, nowMs: number, podNames: Set<string>): Hint[] {
  const out: Hint[] = [];
  for (const o of recentLogs(view.logs, nowMs, logWindowMs)) {
    if (o.namespace !== 'kube-system' || !podNames.has(o.pod)) continue;
    const atMs = logTimeMs(o);
    const add = (hint: string) => out.push({ hint, pod: o.pod, atMs, text: logText(o) });
    const e = o.entry;
    if (e.format === 'coredns') {
      const r = e.record;
      if (apiUnreachable(r)) add('api-unreachable');
      else if (pluginsNotReady(r)?.includes('kubernetes')) add('waiting-for-kubernetes');
      else if (r.message.includes('starting server with unsynced Kubernetes API')) add('unsynced-start');
      else if (r.plugin === 'loop' && r.level === 'fatal') add('loop-detected');
      else if (r.level === 'fatal') add('fatal');
      else if (r.plugin === 'errors' && r.level === 'error') add('upstream-errors');
    } else if (e.format === 'klog') {
      const f = klogClientGoFailure(e.record);
      if (f && f.kind !== 'other') add('api-unreachable');
    }
  }
  return out;
}

function lookupsSignal(nodes: readonly KubeObject[], nowMs: number): Signal | undefined {
  const cluster = agentConditions(nodes, 'ClusterDNSUnhealthy', nowMs).filter((c) => !c.stale);
  const resolver = agentConditions(nodes, 'NodeResolverUnhealthy', nowMs).filter((c) => !c.stale);
  const clusterFailing = cluster.filter((c) => c.status === 'True');
  const resolverFailing = resolver.filter((c) => c.status === 'True');
  if (clusterFailing.length === 0 && resolverFailing.length === 0) return undefined;
  const failing = [...clusterFailing, ...resolverFailing];
  const failingNodes = uniqueSorted(failing.map((c) => c.node));
  const reporting = new Set([...cluster, ...resolver].map((c) => c.node)).size;
  const sinceMs = Math.min(...failing.map((c) => agentSinceMs(c) ?? c.heartbeatMs ?? nowMs));
  const critical = failingNodes.length >= 2 && failingNodes.length * 2 >= reporting;
  const clusterDnsNodes = uniqueSorted(clusterFailing.map((c) => c.node));
  const nodeResolverNodes = uniqueSorted(resolverFailing.map((c) => c.node));
  return {
    detector,
    kind: 'dns-lookups-failing',
    subject: 'cluster',
    severity: critical ? 'critical' : 'warning',
    sinceMs,
    summary:
      `DNS lookups failing on ${failingNodes.length} of ${reporting} node(s) since ${clock(sinceMs)}: ` +
      `cluster DNS on ${clusterDnsNodes.length}, node resolver on ${nodeResolverNodes.length}`,
    scope: { nodes: failingNodes },
    facts: {
      nodes: failingNodes,
      clusterDnsNodes,
      nodeResolverNodes,
      reasons: uniqueSorted(failing.map((c) => c.reason)),
      servers: uniqueSorted(failing.map((c) => c.fields['server']).filter((s): s is string => !!s)),
      reportingNodes: reporting,
    },
    evidence: failing.slice(0, 6).map((c: AgentCondition) => ({
      source: 'agent',
      ref: `node/${c.node}`,
      atMs: agentSinceMs(c),
      text: `${c.type}=True ${c.reason}: ${c.message}`,
    })),
  };
}

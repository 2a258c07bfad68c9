/**
 * The first screen in an outage, as data: is the control plane reachable and how fast,
 * which nodes are not Ready (and since when, and why), what in kube-system is unhealthy,
 * which workloads lack replicas, and which sources have gone dark. A pure function of the
 * view and "now"; `kubetriage status` renders it as a table, JSON or YAML.
 */
import type { KubeObject } from '../kube/observations.ts';
import { type ClusterView, objectKey, type SourceStatus } from './cluster-view.ts';
import { componentTargets } from './component-targets.ts';
import { kubeProxyNodes } from './kube-proxy-nodes.ts';

export interface ControlPlaneStatus {
  reachable: boolean;
  checks: { check: string; ok: boolean; latencyMs: number; status?: number; error?: string; atMs: number }[];
  version?: string;
}

export interface NodeProblem {
  name: string;
  ready: string;
  reason?: string;
  message?: string;
  sinceMs?: number;
  unschedulable: boolean;
}

export interface PodProblem {
  key: string;
  node?: string;
  phase?: string;
  reason: string;
  restarts: number;
  /**
   * Created within the start-up grace and never restarted: scheduled, pulling, starting (a
   * DaemonSet's pod on a node that just joined). Listed, not held against the cluster.
   */
  starting?: boolean;
}

/**
 * How long a new pod may take to become Ready before it counts: kubeadm's CoreDNS liveness
 * probe waits 60 s (initialDelaySeconds), and a kube-proxy or CNI pod on a node that just
 * joined is Pending for seconds while it is scheduled and pulled.
 */
export const startupGraceMs = 60_000;

export interface WorkloadProblem {
  kind: 'Deployment' | 'DaemonSet';
  key: string;
  desired: number;
  ready: number;
}

export interface StatusReport {
  atMs: number;
  controlPlane: ControlPlaneStatus;
  nodes: {
    total: number;
    ready: number;
    notReady: number;
    unknown: number;
    unschedulable: number;
    problems: NodeProblem[];
  };
  kubeSystem: { pods: number; ready: number; problems: PodProblem[] };
  workloads: { problems: WorkloadProblem[] };
  /**
   * `forbidden`: sources kubetriage's role may not read (opt-in grants), not dark ones.
   * `notApplicable`: kinds of source the cluster has nothing to serve (no kube-proxy where
   * Cilium replaces it), named with the reason rather than counted as fresh or stale.
   */
  sources: {
    fresh: number;
    stale: SourceStatus[];
    forbidden: SourceStatus[];
    notApplicable: NotApplicableSource[];
  };
  /**
   * The cluster's own parts: the control plane answers, nodes are Ready, kube-system pods
   * are Ready and every source is fresh. Workloads short of replicas are left out: an app
   * that crash-loops for its own reasons does not make the cluster unhealthy (when the
   * cluster is the cause, the pipeline opens an incident and says so).
   */
  clusterHealthy: boolean;
  /** The cluster and every workload: what `kubetriage status` exits on. */
  healthy: boolean;
}

export interface NotApplicableSource {
  /** The kind of source, as the stale ones are grouped: `metrics/kube-proxy`, `metrics/ingress`. */
  source: string;
  reason: string;
}

/** Source kinds the cluster has nothing to serve, read from the pods it runs. */
function notApplicableSources(view: ClusterView): NotApplicableSource[] {
  const nodes = view.list('nodes').map((n) => n.metadata.name);
  if (!view.synced('pods') || nodes.length === 0) return [];
  const out: NotApplicableSource[] = [];
  const proxied = kubeProxyNodes(view.list('pods'));
  // Where only some nodes lack one (a node that joined a moment ago), nothing is said: no
  // source is expected there, and the rest are read.
  if (proxied.size === 0)
    out.push({
      source: 'metrics/kube-proxy',
      reason: `no kube-proxy pod (kube-system, k8s-app=kube-proxy) runs on any of the ${nodes.length} nodes: something else proxies Services (Cilium's kube-proxy replacement, kube-router, Calico's eBPF data plane), so there are no kube-proxy metrics to read`,
    });
  if (componentTargets(view).ingress.length === 0)
    out.push({
      source: 'metrics/ingress',
      reason:
        'no ingress controller pod (ingress-nginx, or Envoy-based: Contour, Emissary, Envoy Gateway) runs, so there are no request counts to read at the ingress',
    });
  return out;
}

interface NodeView {
  spec?: { unschedulable?: boolean };
  status?: {
    conditions?: {
      type: string;
      status: string;
      reason?: string;
      message?: string;
      lastTransitionTime?: string;
    }[];
  };
}

interface ContainerStatusView {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: { waiting?: { reason?: string }; terminated?: { reason?: string } };
}

interface PodView {
  spec?: { nodeName?: string };
  status?: {
    phase?: string;
    reason?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: ContainerStatusView[];
  };
}

function nodeProblem(n: KubeObject): NodeProblem | undefined {
  const v = n as KubeObject & NodeView;
  const ready = v.status?.conditions?.find((c) => c.type === 'Ready');
  const unschedulable = Boolean(v.spec?.unschedulable);
  if (ready?.status === 'True' && !unschedulable) return undefined;
  return {
    name: n.metadata.name,
    ready: ready?.status ?? 'Unknown',
    reason: ready?.reason,
    message: ready?.message,
    sinceMs: ready?.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : undefined,
    unschedulable,
  };
}

function podProblem(p: KubeObject, nowMs: number): PodProblem | undefined {
  const v = p as KubeObject & PodView;
  const phase = v.status?.phase;
  if (phase === 'Succeeded') return undefined;
  const ready = v.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  const restarts = (v.status?.containerStatuses ?? []).reduce((s, c) => s + (c.restartCount ?? 0), 0);
  if (ready && phase === 'Running') return undefined;
  const waiting = (v.status?.containerStatuses ?? [])
    .map((c) => c.state?.waiting?.reason ?? c.state?.terminated?.reason)
    .find(Boolean);
  return {
    key: objectKey(p),
    node: v.spec?.nodeName,
    phase,
    reason: p.metadata.deletionTimestamp
      ? 'Terminating'
      : (waiting ?? v.status?.reason ?? (phase === 'Running' ? 'NotReady' : (phase ?? 'Unknown'))),
    restarts,
    ...(restarts === 0 &&
    !p.metadata.deletionTimestamp &&
    nowMs - Date.parse(p.metadata.creationTimestamp ?? '') < startupGraceMs
      ? { starting: true }
      : {}),
  };
}

interface DeploymentView {
  spec?: { replicas?: number };
  status?: {
    readyReplicas?: number;
    availableReplicas?: number;
    desiredNumberScheduled?: number;
    numberReady?: number;
  };
}

export function buildStatusReport(
  view: ClusterView,
  nowMs: number,
  o: { staleAfterMs?: number } = {},
): StatusReport {
  const latest = new Map<string, ControlPlaneStatus['checks'][number]>();
  for (const p of view.probes.latest(30)) if (!latest.has(p.check)) latest.set(p.check, p);
  const checks = [...latest.values()].sort((a, b) => a.check.localeCompare(b.check));
  const versionProbe = latest.get('version');
  let version: string | undefined;
  if (versionProbe?.ok) {
    const body = view.probes.latest(30).find((p) => p.check === 'version' && p.ok)?.body;
    try {
      version = (JSON.parse(body ?? '{}') as { gitVersion?: string }).gitVersion;
    } catch {
      version = undefined;
    }
  }
  const controlPlane: ControlPlaneStatus = {
    reachable: checks.length > 0 && checks.some((c) => c.ok),
    checks,
    version,
  };

  const nodes = view.list('nodes');
  const nodeProblems = nodes.map(nodeProblem).filter((p): p is NodeProblem => p !== undefined);
  const kubeSystem = view.list('pods').filter((p) => p.metadata.namespace === 'kube-system');
  const podProblems = kubeSystem
    .map((p) => podProblem(p, nowMs))
    .filter((p): p is PodProblem => p !== undefined);

  const workloadProblems: WorkloadProblem[] = [];
  for (const d of view.list('deployments')) {
    const v = d as KubeObject & DeploymentView;
    const desired = v.spec?.replicas ?? 1;
    const ready = v.status?.readyReplicas ?? 0;
    if (ready < desired) workloadProblems.push({ kind: 'Deployment', key: objectKey(d), desired, ready });
  }
  for (const d of view.list('daemonsets')) {
    const v = d as KubeObject & DeploymentView;
    const desired = v.status?.desiredNumberScheduled ?? 0;
    const ready = v.status?.numberReady ?? 0;
    if (ready < desired) workloadProblems.push({ kind: 'DaemonSet', key: objectKey(d), desired, ready });
  }

  const freshness = view.freshness(nowMs, o.staleAfterMs ?? 120_000);
  const stale = freshness.filter((s) => s.state !== 'fresh' && s.state !== 'forbidden');
  const forbidden = freshness.filter((s) => s.state === 'forbidden');
  const readyCount = (status: string) =>
    nodes.filter(
      (n) =>
        (n as KubeObject & NodeView).status?.conditions?.find((c) => c.type === 'Ready')?.status === status,
    ).length;
  const ready = readyCount('True');
  const notReady = readyCount('False');
  const report: StatusReport = {
    atMs: nowMs,
    controlPlane,
    nodes: {
      total: nodes.length,
      ready,
      notReady,
      unknown: nodes.length - ready - notReady,
      unschedulable: nodes.filter((n) => (n as KubeObject & NodeView).spec?.unschedulable).length,
      problems: nodeProblems.sort((a, b) => a.name.localeCompare(b.name)),
    },
    kubeSystem: {
      pods: kubeSystem.length,
      ready: kubeSystem.length - podProblems.length,
      problems: podProblems.sort((a, b) => a.key.localeCompare(b.key)),
    },
    workloads: { problems: workloadProblems.sort((a, b) => a.key.localeCompare(b.key)) },
    sources: {
      fresh: freshness.length - stale.length - forbidden.length,
      stale,
      forbidden,
      notApplicable: notApplicableSources(view),
    },
    clusterHealthy: false,
    healthy: false,
  };
  report.clusterHealthy =
    controlPlane.reachable &&
    checks.every((c) => c.ok) &&
    nodeProblems.every((n) => n.ready === 'True') &&
    podProblems.every((p) => p.starting) &&
    stale.length === 0;
  report.healthy = report.clusterHealthy && workloadProblems.length === 0;
  return report;
}

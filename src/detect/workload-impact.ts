/**
 * What users feel: Deployments and DaemonSets with fewer Ready replicas than they want,
 * and Services with no Ready endpoint behind them (every request to them fails).
 * Reads workload status and EndpointSlices; when the shortfall began comes from the
 * view's `allReady` transitions, else the Deployment's Available condition.
 *
 * Emits:
 * - `workload-unavailable` per workload (subject `workload/<ns>/<Kind>/<name>`).
 *   Facts: namespace, workloadKind (Deployment|DaemonSet), workloadName, desired (replicas,
 *   or nodes the DaemonSet should run on), ready, missing, available, updated,
 *   rollingOut (a rollout is under way, so some shortfall is by design), sinceMs (when it
 *   fell short, epoch ms), sinceKnown (false when only "now" is known),
 *   unavailableInNamespace (workloads short in the same namespace). Critical when none is
 *   Ready, else warning.
 * - `service-no-endpoints` per Service (subject `service/<ns>/<name>`) whose
 *   EndpointSlices hold no Ready endpoint. Facts: namespace, service, endpoints (all of
 *   them, none Ready), readyEndpoints (0), slices, nodes (of the not-Ready endpoints), pods
 *   (their pods, at most 20), hasSelector. Critical in kube-system and for
 *   default/kubernetes, else warning.
 */
import type { KubeObject } from '../kube/observations.ts';
import type { ClusterView } from '../observe/cluster-view.ts';
import { workloadReadyKinds } from '../observe/transition-log.ts';
import { type Detector, type Signal, uniqueSorted } from './signal.ts';
import { durationText, isoSeconds, timeMs } from './timestamps.ts';

interface WorkloadCondition {
  type: string;
  status: string;
  reason?: string;
  lastTransitionTime?: string;
}

interface WorkloadObject extends KubeObject {
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    updatedReplicas?: number;
    desiredNumberScheduled?: number;
    numberReady?: number;
    numberAvailable?: number;
    updatedNumberScheduled?: number;
    conditions?: WorkloadCondition[];
  };
}

interface Shortfall {
  kind: 'Deployment' | 'DaemonSet';
  o: WorkloadObject;
  desired: number;
  ready: number;
  available: number;
  updated: number;
}

function shortfall(kind: Shortfall['kind'], o: WorkloadObject): Shortfall | undefined {
  const s = o.status ?? {};
  const desired = kind === 'Deployment' ? (o.spec?.replicas ?? 1) : (s.desiredNumberScheduled ?? 0);
  const ready = (kind === 'Deployment' ? s.readyReplicas : s.numberReady) ?? 0;
  if (desired <= 0 || ready >= desired) return undefined;
  return {
    kind,
    o,
    desired,
    ready,
    available: (kind === 'Deployment' ? s.availableReplicas : s.numberAvailable) ?? 0,
    updated: (kind === 'Deployment' ? s.updatedReplicas : s.updatedNumberScheduled) ?? 0,
  };
}

/** When each workload last stopped being fully Ready, as the view saw it. */
function shortSince(view: ClusterView): ReadonlyMap<string, number> {
  return view.transitions.derive('workload-impact/short-since', workloadReadyKinds, (changes) => {
    const since = new Map<string, number>();
    for (const t of changes) {
      const key = `${t.resource}/${t.key}`;
      if (t.to === 'false') since.set(key, t.atMs);
      else since.delete(key);
    }
    return since;
  });
}

function workloadSignals(view: ClusterView, nowMs: number): Signal[] {
  const short: Shortfall[] = [];
  for (const d of view.list('deployments') as WorkloadObject[]) {
    const s = shortfall('Deployment', d);
    if (s) short.push(s);
  }
  for (const d of view.list('daemonsets') as WorkloadObject[]) {
    const s = shortfall('DaemonSet', d);
    if (s) short.push(s);
  }
  if (short.length === 0) return [];
  const since = shortSince(view);
  const perNamespace = new Map<string, number>();
  for (const s of short) {
    const ns = s.o.metadata.namespace ?? '';
    perNamespace.set(ns, (perNamespace.get(ns) ?? 0) + 1);
  }
  return short
    .map((s): Signal => {
      const ns = s.o.metadata.namespace ?? '';
      const name = s.o.metadata.name;
      const resource = s.kind === 'Deployment' ? 'deployments' : 'daemonsets';
      const available = s.o.status?.conditions?.find((c) => c.type === 'Available' && c.status === 'False');
      const seen = since.get(`${resource}/${ns}/${name}`) ?? timeMs(available?.lastTransitionTime);
      const sinceMs = seen ?? nowMs;
      const generation = s.o.metadata.generation;
      const rollingOut =
        s.updated < s.desired ||
        (generation !== undefined && (s.o.status?.observedGeneration ?? generation) < generation);
      const key = `${ns}/${s.kind}/${name}`;
      return {
        detector: 'workload-impact',
        kind: 'workload-unavailable',
        subject: `workload/${key}`,
        severity: s.ready === 0 ? 'critical' : 'warning',
        sinceMs,
        summary:
          `${s.kind} ${ns}/${name} has ${s.ready} of ${s.desired} replicas Ready` +
          `${seen !== undefined ? ` for ${durationText(nowMs - seen)}` : ''}${rollingOut ? ' (rolling out)' : ''}` +
          `; see kubectl describe ${s.kind.toLowerCase()} ${name} -n ${ns}`,
        scope: { namespaces: [ns], workloads: [key] },
        facts: {
          namespace: ns,
          workloadKind: s.kind,
          workloadName: name,
          desired: s.desired,
          ready: s.ready,
          missing: s.desired - s.ready,
          available: s.available,
          updated: s.updated,
          rollingOut,
          sinceMs,
          sinceKnown: seen !== undefined,
          unavailableInNamespace: perNamespace.get(ns) ?? 1,
        },
        evidence: [
          {
            source: 'object',
            ref: `${s.kind.toLowerCase()}/${ns}/${name}`,
            atMs: seen,
            text: `desired ${s.desired}, ready ${s.ready}, available ${s.available}, updated ${s.updated}${seen !== undefined ? `, short since ${isoSeconds(seen)}` : ''}`,
          },
        ],
      };
    })
    .sort((a, b) => a.subject.localeCompare(b.subject));
}

interface SliceObject extends KubeObject {
  endpoints?: {
    conditions?: { ready?: boolean };
    nodeName?: string;
    targetRef?: { kind?: string; name?: string };
  }[];
}

interface ServiceObject extends KubeObject {
  spec?: { type?: string; selector?: Record<string, string> };
}

interface Backends {
  slices: number;
  endpoints: number;
  ready: number;
  nodes: Set<string>;
  pods: Set<string>;
}

interface PodObject extends KubeObject {
  status?: { conditions?: { type: string; status: string; lastTransitionTime?: string }[] };
}

/** The API server's own Service: selectorless, its slice kept by the API server itself. */
const apiService = 'default/kubernetes';

function serviceSignals(view: ClusterView, nowMs: number): Signal[] {
  const backends = new Map<string, Backends>();
  for (const s of view.list('endpointslices') as SliceObject[]) {
    const svc = s.metadata.labels?.['kubernetes.io/service-name'];
    if (!svc) continue;
    const key = `${s.metadata.namespace}/${svc}`;
    const b = backends.get(key) ?? { slices: 0, endpoints: 0, ready: 0, nodes: new Set(), pods: new Set() };
    b.slices++;
    for (const e of s.endpoints ?? []) {
      b.endpoints++;
      // An unset ready condition means ready (discovery.k8s.io/v1).
      if (e.conditions?.ready !== false) {
        b.ready++;
        continue;
      }
      if (e.nodeName) b.nodes.add(e.nodeName);
      if (e.targetRef?.kind === 'Pod' && e.targetRef.name) b.pods.add(e.targetRef.name);
    }
    backends.set(key, b);
  }
  const out: Signal[] = [];
  for (const svc of view.list('services') as ServiceObject[]) {
    if (svc.spec?.type === 'ExternalName') continue;
    const ns = svc.metadata.namespace ?? '';
    const key = `${ns}/${svc.metadata.name}`;
    const b = backends.get(key);
    const hasSelector = Object.keys(svc.spec?.selector ?? {}).length > 0;
    // Selectorless Services have hand-kept endpoints; without slices there is nothing to judge.
    if (!hasSelector && !b) continue;
    if (b && b.ready > 0) continue;
    const pods = uniqueSorted(b?.pods ?? []);
    // Since the last backing pod stopped being Ready, when the pods say so.
    let since: number | undefined;
    for (const p of pods) {
      const pod = view.get('pods', `${ns}/${p}`) as PodObject | undefined;
      const t = timeMs(pod?.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime);
      if (t !== undefined) since = Math.max(since ?? t, t);
    }
    const critical = ns === 'kube-system' || key === apiService;
    out.push({
      detector: 'workload-impact',
      kind: 'service-no-endpoints',
      subject: `service/${key}`,
      severity: critical ? 'critical' : 'warning',
      sinceMs: since ?? nowMs,
      summary:
        `Service ${key} has no Ready endpoint (${b?.endpoints ?? 0} not Ready)` +
        `; see kubectl get endpointslices -n ${ns} -l kubernetes.io/service-name=${svc.metadata.name}`,
      scope: { namespaces: [ns], services: [key], nodes: uniqueSorted(b?.nodes ?? []) },
      facts: {
        namespace: ns,
        service: svc.metadata.name,
        endpoints: b?.endpoints ?? 0,
        readyEndpoints: 0,
        slices: b?.slices ?? 0,
        nodes: uniqueSorted(b?.nodes ?? []),
        pods: pods.slice(0, 20),
        hasSelector,
      },
      evidence: [
        {
          source: 'object',
          ref: `service/${key}`,
          atMs: since,
          text: b
            ? `${b.slices} EndpointSlice(s), ${b.endpoints} endpoint(s), none Ready${pods.length ? `: ${pods.slice(0, 5).join(', ')}` : ''}`
            : 'no EndpointSlice for this Service',
        },
      ],
    });
  }
  return out.sort((a, b) => a.subject.localeCompare(b.subject));
}

export const workloadImpact: Detector = (view, nowMs) => [
  ...workloadSignals(view, nowMs),
  ...serviceSignals(view, nowMs),
];

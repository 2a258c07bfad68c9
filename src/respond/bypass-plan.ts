/**
 * The API bypass, planned (Runway's workaround): when pods cannot reach the API server
 * through the `kubernetes` service VIP but the server itself is fine, point chosen
 * workloads straight at its endpoint with KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT
 * (client-go and every official client read them). The original containers are kept in
 * an annotation on the workload, so `--revert` puts the spec back exactly. Pure.
 */
import { numbered, type PlanStep, type RunbookPlan, shellWord } from './plan.ts';

export const bypassAnnotation = 'kubetriage.io/bypass-service-host';

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: unknown;
}

export interface ContainerSpec {
  name: string;
  env?: EnvVar[];
  [k: string]: unknown;
}

/** A Deployment as the bypass reads it. */
export interface WorkloadFact {
  namespace: string;
  name: string;
  containers: ContainerSpec[];
  /** The bypass annotation, when a bypass is in place. */
  bypassed?: string;
}

/** A Deployment as the API (or serve's trimmed view) has it, as far as the bypass reads it. */
export interface DeploymentObject {
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> };
  spec?: { template?: { spec?: { containers?: ContainerSpec[] } } };
}

export function workloadFact(d: DeploymentObject): WorkloadFact {
  const bypassed = d.metadata?.annotations?.[bypassAnnotation];
  return {
    namespace: d.metadata?.namespace ?? '',
    name: d.metadata?.name ?? '',
    containers: d.spec?.template?.spec?.containers ?? [],
    ...(bypassed ? { bypassed } : {}),
  };
}

/** An EndpointSlice of the `kubernetes` service, as far as its addresses go. */
export interface EndpointSliceObject {
  endpoints?: { addresses?: string[] }[];
  ports?: { port?: number }[];
}

/** The API server's addresses behind the slices, `ip:port`. */
export function endpointsOf(slices: readonly EndpointSliceObject[]): string[] {
  return slices.flatMap((s) =>
    (s.endpoints ?? []).flatMap((e) => (e.addresses ?? []).map((a) => `${a}:${s.ports?.[0]?.port ?? 443}`)),
  );
}

export interface BypassOptions {
  /** `namespace/name` of Deployments. */
  deployments: string[];
  /** The API server's address as pods can reach it directly (default: the `kubernetes` EndpointSlice). */
  host?: string;
  port?: number;
  revert: boolean;
}

export interface BypassFacts {
  workloads: readonly WorkloadFact[];
  /** The `kubernetes` service's endpoints, `ip:port`. */
  endpoints: readonly string[];
}

export function bypassCommandLine(o: BypassOptions): string {
  const parts = [
    'kubetriage',
    'remediate',
    'bypass-service-host',
    '--deployment',
    shellWord(o.deployments.join(',')),
  ];
  if (o.revert) parts.push('--revert');
  else {
    if (o.host) parts.push('--host', shellWord(o.host));
    if (o.port) parts.push('--port', String(o.port));
  }
  return parts.join(' ');
}

/** The endpoint to point at: the flags, else the first published endpoint. */
export function bypassTarget(f: BypassFacts, o: BypassOptions): { host: string; port: number } | undefined {
  if (o.host) return { host: o.host, port: o.port ?? 443 };
  const first = f.endpoints[0];
  if (!first) return undefined;
  const i = first.lastIndexOf(':');
  return { host: first.slice(0, i), port: o.port ?? Number(first.slice(i + 1)) };
}

/** The containers with the bypass env set (replacing any earlier value of the two variables). */
export function bypassedContainers(
  containers: readonly ContainerSpec[],
  host: string,
  port: number,
): ContainerSpec[] {
  const set = { KUBERNETES_SERVICE_HOST: host, KUBERNETES_SERVICE_PORT: String(port) };
  return containers.map((c) => ({
    ...c,
    env: [
      ...(c.env ?? []).filter((e) => !(e.name in set)),
      ...Object.entries(set).map(([name, value]) => ({ name, value })),
    ],
  }));
}

/** What a bypass in place saved: the target it set and the containers from before it. */
function savedBypass(
  w: WorkloadFact,
): { host?: string; port?: number; containers: ContainerSpec[] } | undefined {
  if (!w.bypassed) return undefined;
  try {
    const saved = JSON.parse(w.bypassed) as { host?: string; port?: number; containers?: ContainerSpec[] };
    return Array.isArray(saved.containers) ? { ...saved, containers: saved.containers } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The merge patch that applies the bypass, keeping the original containers to revert to.
 * On a Deployment already bypassed, the original is the one saved then, never the
 * bypassed spec it has now (reverting would otherwise restore the bypass).
 */
export function bypassPatch(w: WorkloadFact, host: string, port: number): Record<string, unknown> {
  const original = savedBypass(w)?.containers ?? w.containers;
  return {
    metadata: {
      annotations: { [bypassAnnotation]: JSON.stringify({ host, port, containers: original }) },
    },
    spec: { template: { spec: { containers: bypassedContainers(original, host, port) } } },
  };
}

/** The merge patch that undoes it: the original containers, and the annotation removed. */
export function revertPatch(w: WorkloadFact): Record<string, unknown> | undefined {
  if (!w.bypassed) return undefined;
  const saved = JSON.parse(w.bypassed) as { containers: ContainerSpec[] };
  return {
    metadata: { annotations: { [bypassAnnotation]: null } },
    spec: { template: { spec: { containers: saved.containers } } },
  };
}

export function planBypass(f: BypassFacts, o: BypassOptions): RunbookPlan {
  const warnings: string[] = [];
  const steps: Omit<PlanStep, 'n'>[] = [];
  const found = o.deployments.map((ref) => ({
    ref,
    w: f.workloads.find((x) => `${x.namespace}/${x.name}` === ref),
  }));
  const missing = found.filter((x) => !x.w).map((x) => x.ref);
  if (missing.length) warnings.push(`no such Deployment: ${missing.join(', ')} (left out)`);
  const present = found.flatMap((x) => (x.w ? [x.w] : []));
  const target = bypassTarget(f, o);
  let refusal: string | undefined;
  const manifests: unknown[] = [];
  if (!present.length)
    refusal = `none of ${o.deployments.join(', ')} exists; list them with: kubectl get deployments -A`;
  if (o.revert) {
    for (const w of present) {
      const p = revertPatch(w);
      if (!p) {
        warnings.push(`deployment ${w.namespace}/${w.name} has no bypass to revert`);
        continue;
      }
      manifests.push({ deployment: `${w.namespace}/${w.name}`, patch: p });
      steps.push({
        action: 'revert',
        target: `deployment/${w.namespace}/${w.name}`,
        detail:
          'put the containers back as they were before the bypass and drop the annotation (a rollout follows)',
      });
      steps.push({
        action: 'verify',
        target: `deployment/${w.namespace}/${w.name}`,
        detail: 'wait until the Deployment has taken the original spec',
      });
    }
  } else {
    if (!target)
      refusal ??=
        'the kubernetes service publishes no endpoint (kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes); pass --host and --port with the API server address the nodes can reach';
    warnings.push(
      'pods patched this way bypass the VIP until reverted: if the API server moves, they lose it; revert once service routing works (kubetriage remediate bypass-service-host --revert …)',
    );
    for (const w of present) {
      const t = target ?? { host: '<endpoint>', port: 443 };
      const saved = savedBypass(w);
      if (saved && saved.host === t.host && saved.port === t.port) {
        // Patching it again would change nothing: say so rather than plan a no-op.
        warnings.push(
          `deployment ${w.namespace}/${w.name} is already bypassed to ${t.host}:${t.port}; nothing to do`,
        );
        continue;
      }
      if (saved)
        warnings.push(
          `deployment ${w.namespace}/${w.name} is already bypassed (to ${saved.host}:${saved.port}); it moves to ${t.host}:${t.port} and its original spec, saved then, is kept`,
        );
      manifests.push({ deployment: `${w.namespace}/${w.name}`, patch: bypassPatch(w, t.host, t.port) });
      steps.push({
        action: 'patch',
        target: `deployment/${w.namespace}/${w.name}`,
        detail: `set KUBERNETES_SERVICE_HOST=${t.host} KUBERNETES_SERVICE_PORT=${t.port} on ${w.containers.map((c) => c.name).join(', ')} (a rollout follows)`,
      });
      steps.push({
        action: 'verify',
        target: `deployment/${w.namespace}/${w.name}`,
        detail: 'wait until the rollout is done and its pods are Ready',
      });
    }
  }
  return {
    runbook: 'bypass-service-host',
    title: o.revert
      ? `Revert the API bypass on ${present.length} Deployment(s)`
      : `Point ${present.length} Deployment(s) straight at the API server${target ? ` (${target.host}:${target.port})` : ''}`,
    command: bypassCommandLine(o),
    targets: present.map((w) => `${w.namespace}/${w.name}`),
    steps: numbered(steps),
    warnings,
    manifests,
    ...(refusal ? { refusal } : {}),
  };
}

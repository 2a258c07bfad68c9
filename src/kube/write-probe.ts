/**
 * The write path, tried without writing: a server-side dry-run create (`?dryRun=All`) of a
 * small object. kubetriage otherwise only reads, and some failures hit writes alone: an
 * admission webhook that times out or serves a bad certificate with `failurePolicy: Fail`,
 * etcd under its NOSPACE alarm, a used-up ResourceQuota, etcd timing out. A dry run passes
 * through authorization, defaulting, validation, every admission plugin and webhook (those
 * with `sideEffects: None`/`NoneOnDryRun`) and the storage layer's checks, and stores nothing
 * (kubernetes.io/docs/reference/using-api/api-concepts/#dry-run).
 *
 * By default a ConfigMap in kubetriage's own namespace; `--write-probe KIND/NAMESPACE` adds
 * the kinds workloads write (an Ingress, a Deployment) where they write them, so a webhook
 * that matches only those is tried too. Every attempt is a `write-probe` observation with its
 * latency, status and the refusal read into a cause (write-refusal.ts).
 */
import { ApiRequestError } from './api-client.ts';
import type { Observation } from './observations.ts';
import type { ProbeContext } from './probes.ts';
import { notClusterFailures, parseWriteRefusal } from './write-refusal.ts';

export type WriteProbeKind = 'configmap' | 'ingress' | 'deployment';

export interface WriteProbeTarget {
  kind: WriteProbeKind;
  namespace: string;
}

/** Names and labels every probe object carries, so an audit log or a webhook's log can tell them. */
const metadata = {
  generateName: 'kubetriage-write-probe-',
  labels: { 'app.kubernetes.io/name': 'kubetriage', 'app.kubernetes.io/component': 'write-probe' },
};

/** The object each kind creates: the smallest one its API accepts. */
export const writeProbeObjects: Record<WriteProbeKind, { resource: string; body: () => object }> = {
  configmap: {
    resource: 'configmaps',
    body: () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { probe: 'dry-run' } }),
  },
  ingress: {
    resource: 'ingresses',
    body: () => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata,
      spec: { defaultBackend: { service: { name: 'kubetriage-write-probe', port: { number: 80 } } } },
    }),
  },
  deployment: {
    resource: 'deployments',
    body: () => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata,
      spec: {
        replicas: 0,
        selector: { matchLabels: metadata.labels },
        template: {
          metadata: { labels: metadata.labels },
          spec: { containers: [{ name: 'probe', image: 'registry.k8s.io/pause:3.10' }] },
        },
      },
    }),
  },
};

const kindNames = Object.keys(writeProbeObjects) as WriteProbeKind[];

/** `--write-probe ingress/shop` → { kind: 'ingress', namespace: 'shop' }. */
export function parseWriteProbeTarget(raw: string): WriteProbeTarget {
  const m = /^([a-z]+)\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)$/.exec(raw.trim().toLowerCase());
  const kind = m?.[1] as WriteProbeKind | undefined;
  if (!m || !kind || !kindNames.includes(kind))
    throw new Error(
      `--write-probe "${raw}" is not KIND/NAMESPACE with KIND one of ${kindNames.join(', ')}, e.g. --write-probe ingress/shop`,
    );
  return { kind, namespace: m[2] };
}

/** How a target is named in observations and signals: `configmaps/kubetriage`. */
export function writeProbeTargetName(t: WriteProbeTarget): string {
  return `${writeProbeObjects[t.kind].resource}/${t.namespace}`;
}

/** One attempt's answer as an observation, the refusal read; shared with the replay's probe. */
export function writeProbeObservation(
  t: WriteProbeTarget,
  answer: { latencyMs: number; status?: number; error?: string },
  atMs: number,
): Extract<Observation, { type: 'write-probe' }> {
  const target = writeProbeTargetName(t);
  if (answer.error === undefined)
    return {
      type: 'write-probe',
      target,
      ok: true,
      latencyMs: answer.latencyMs,
      status: answer.status,
      atMs,
    };
  const refusal = parseWriteRefusal(answer.status, answer.error);
  return {
    type: 'write-probe',
    target,
    ok: false,
    latencyMs: answer.latencyMs,
    ...(answer.status ? { status: answer.status } : {}),
    error: answer.error.slice(0, 1_000),
    refusal,
    atMs,
  };
}

/** Whether a refusal says something of the cluster (not of kubetriage's grants or the probe's reach). */
export function refusalIsClusterFailure(o: Extract<Observation, { type: 'write-probe' }>): boolean {
  return !o.ok && o.refusal !== undefined && !notClusterFailures.has(o.refusal.kind);
}

/**
 * A webhook may take up to 30 s (timeoutSeconds' maximum) before the API server gives its own
 * answer; waiting a little longer lets that answer, which names the webhook, arrive.
 */
export const writeProbeTimeoutMs = 35_000;

/** One dry-run create; the answer, or the refusal, is reported either way. */
export async function probeWrite(ctx: ProbeContext, t: WriteProbeTarget): Promise<void> {
  const started = ctx.clock.now();
  const ns = encodeURIComponent(t.namespace);
  const body = writeProbeObjects[t.kind].body();
  const o = { query: { dryRun: 'All' }, timeoutMs: writeProbeTimeoutMs };
  try {
    const res =
      t.kind === 'ingress'
        ? await ctx.client.send('POST', `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses`, body, o)
        : t.kind === 'deployment'
          ? await ctx.client.send('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, body, o)
          : await ctx.client.send('POST', `/api/v1/namespaces/${ns}/configmaps`, body, o);
    ctx.sink(writeProbeObservation(t, { latencyMs: res.latencyMs, status: res.status }, ctx.clock.now()));
  } catch (err) {
    const status = err instanceof ApiRequestError ? err.status : 0;
    const error = err instanceof Error ? err.message : String(err);
    ctx.sink(
      writeProbeObservation(t, { latencyMs: ctx.clock.now() - started, status, error }, ctx.clock.now()),
    );
  }
}

/** One round over every target, in parallel. */
export async function probeWrites(ctx: ProbeContext, targets: readonly WriteProbeTarget[]): Promise<void> {
  await Promise.all(targets.map((t) => probeWrite(ctx, t)));
}

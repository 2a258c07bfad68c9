/**
 * The admission inventory: every webhook of every ValidatingWebhookConfiguration and
 * MutatingWebhookConfiguration, read for what makes it dangerous to the cluster before (or
 * while) it fails. The fields, as https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/
 * defines them for admissionregistration.k8s.io/v1:
 *
 * - `failurePolicy` (default `Fail`): with Fail, a call that errors or times out refuses the
 *   write; with Ignore the write goes on after the call.
 * - `timeoutSeconds` (default 10, 1 to 30): how long each call may take. A webhook called
 *   for node heartbeats with 10 s or more can outlast the kubelet's own 10 s client timeout.
 * - `clientConfig.service` and `caBundle`: the API server calls the Service's ready endpoints
 *   over TLS and trusts only the CAs in caBundle. No ready endpoint: every call fails at once
 *   (`no endpoints available for service`); a CA out of its validity: every handshake fails.
 * - `rules`, `namespaceSelector`, `objectSelector`: which writes it is called for; the docs
 *   advise keeping webhooks off kube-system and the control plane's own requests
 *   (webhook-scope.ts reads which of those it matches).
 * - `metadata.generation` moves with every change of its webhooks: a configuration created or
 *   changed shortly before trouble is the first suspect.
 *
 * The API server's own counts of calls to each webhook are webhook-calls.ts (metrics); both
 * name the webhook the same way (`webhook/<name>`), so a pattern joins a failing webhook's
 * calls with what this inventory says of it. This detector says nothing of calls.
 *
 * Emits `admission-webhook` per webhook: warning when it fails closed and its backend has no
 * ready endpoint or its CA is not valid (writes it matches are being refused), else info.
 * Context, never trouble by itself.
 */
import type { KubeObject } from '../kube/observations.ts';
import type { ClusterView } from '../observe/cluster-view.ts';
import { readCaBundle, validityAt } from './certificates.ts';
import type { Detector, Evidence, Signal } from './signal.ts';
import type { AdmissionWebhookFacts } from './signal-kinds.ts';
import { isoSeconds, timeMs } from './timestamps.ts';
import {
  type LabelSelector,
  type ObjectLabels,
  systemWritesMatched,
  type WebhookRule,
} from './webhook-scope.ts';

/** A configuration created or changed within this is a recent change. */
export const recentChangeMs = 60 * 60_000;
/** The v1 default for timeoutSeconds. */
const defaultTimeoutSeconds = 10;

export interface WebhookView {
  name?: string;
  failurePolicy?: string;
  timeoutSeconds?: number;
  rules?: WebhookRule[];
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  clientConfig?: {
    service?: { namespace?: string; name?: string; path?: string; port?: number };
    url?: string;
    caBundle?: string;
  };
}

export interface WebhookConfigurationView extends KubeObject {
  webhooks?: WebhookView[];
}

export const webhookResources = [
  ['validating', 'validatingwebhookconfigurations'],
  ['mutating', 'mutatingwebhookconfigurations'],
] as const;

interface SliceView extends KubeObject {
  endpoints?: { addresses?: string[]; conditions?: { ready?: boolean } }[];
}

/** Ready endpoints per `namespace/service`: EndpointSlice `ready` unset counts as ready (discovery.k8s.io/v1). */
function readyEndpointsByService(view: ClusterView): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of view.list('endpointslices') as SliceView[]) {
    const svc = s.metadata.labels?.['kubernetes.io/service-name'];
    if (!svc) continue;
    const key = `${s.metadata.namespace}/${svc}`;
    const ready = (s.endpoints ?? []).filter(
      (e) => e.conditions?.ready !== false && e.addresses?.length,
    ).length;
    out.set(key, (out.get(key) ?? 0) + ready);
  }
  return out;
}

/** Nodes and kube-system pods, listed only if some webhook's objectSelector asks (150,000 pods are costly to copy every round). */
function lazyObjectLabels(view: ClusterView): ObjectLabels {
  let nodes: KubeObject[] | undefined;
  let pods: KubeObject[] | undefined;
  return {
    get nodes() {
      nodes ??= view.list('nodes');
      return nodes;
    },
    get kubeSystemPods() {
      pods ??= view.list('pods').filter((p) => p.metadata.namespace === 'kube-system');
      return pods;
    },
  };
}

/** When each configuration's webhooks last changed while watched, by `resource/name`. */
function lastChanges(view: ClusterView): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of view.transitions.toArray())
    if (t.field === 'generation' && t.resource.endsWith('webhookconfigurations'))
      out.set(`${t.resource}/${t.key}`, t.atMs);
  return out;
}

/** When the configuration was created or last changed, within `recentChangeMs` of now. */
function recentChange(
  updatedMs: number | undefined,
  c: KubeObject,
  nowMs: number,
): { changed: AdmissionWebhookFacts['changed']; atMs?: number } {
  if (updatedMs !== undefined && nowMs - updatedMs <= recentChangeMs)
    return { changed: 'updated', atMs: updatedMs };
  const created = timeMs(c.metadata.creationTimestamp);
  if (created !== undefined && nowMs - created <= recentChangeMs)
    return { changed: 'created', atMs: created };
  return { changed: '' };
}

export const admissionInventory: Detector = (view: ClusterView, nowMs: number): Signal[] => {
  // Most rounds of most clusters: a handful of webhooks or none; read the rest only then.
  if (webhookResources.every(([, r]) => view.count(r) === 0)) return [];
  const ready = readyEndpointsByService(view);
  const slicesKnown = view.synced('endpointslices');
  const objects = lazyObjectLabels(view);
  const changes = lastChanges(view);
  const out: Signal[] = [];
  for (const [type, resource] of webhookResources)
    for (const c of view.list(resource) as WebhookConfigurationView[]) {
      const change = recentChange(changes.get(`${resource}/${c.metadata.name}`), c, nowMs);
      const kind = type === 'validating' ? 'validatingwebhookconfiguration' : 'mutatingwebhookconfiguration';
      const ref = `${kind}/${c.metadata.name}`;
      for (const w of c.webhooks ?? []) {
        if (!w.name) continue;
        const failurePolicy = w.failurePolicy === 'Ignore' ? 'Ignore' : 'Fail';
        const timeoutSeconds = w.timeoutSeconds ?? defaultTimeoutSeconds;
        const svc = w.clientConfig?.service;
        const svcKey = svc ? `${svc.namespace}/${svc.name}` : '';
        const readyEndpoints = ready.get(svcKey) ?? 0;
        const backendState: AdmissionWebhookFacts['backendState'] =
          !svc || !slicesKnown
            ? 'not-checked'
            : readyEndpoints > 0
              ? 'ready'
              : view.synced('services') && !view.get('services', svcKey)
                ? 'no-service'
                : 'no-ready-endpoints';
        const bundle = w.clientConfig?.caBundle ? readCaBundle(w.clientConfig.caBundle) : undefined;
        // The API server trusts any CA in the bundle: the one that lasts longest decides.
        const ca = Array.isArray(bundle) ? bundle.sort((a, b) => b.notAfterMs - a.notAfterMs)[0] : undefined;
        const caValidity = ca ? validityAt(ca, nowMs) : undefined;
        const caBundle: AdmissionWebhookFacts['caBundle'] = !w.clientConfig?.caBundle
          ? 'absent'
          : caValidity
            ? caValidity.state
            : 'unparsable';
        const systemWrites = systemWritesMatched(w, objects);
        const failsClosed = failurePolicy === 'Fail';
        const risks = [
          backendState === 'no-ready-endpoints' || backendState === 'no-service' ? backendState : '',
          caBundle === 'expired' || caBundle === 'not-yet-valid' ? `ca-${caBundle}` : '',
          caBundle === 'unparsable' ? 'ca-unparsable' : '',
          caBundle === 'renewal-overdue' ? 'ca-renewal-overdue' : '',
          failsClosed && systemWrites.length ? 'fails-closed-on-system-writes' : '',
          timeoutSeconds >= defaultTimeoutSeconds && systemWrites.some((x) => x.startsWith('node heartbeats'))
            ? 'can-outlast-heartbeats'
            : '',
        ].filter(Boolean);
        const broken = risks.some((r) => r.startsWith('no-') || /^ca-(expired|not-yet|unparsable)/.test(r));
        const evidence: Evidence[] = [
          {
            source: 'object',
            ref,
            text: `${ref} webhook ${w.name}: failurePolicy ${failurePolicy}, timeoutSeconds ${timeoutSeconds}${systemWrites.length ? `, called for ${systemWrites.join('; ')}` : ''}`,
            raw: {
              kind: 'field',
              path: `webhooks[name=${w.name}].failurePolicy`,
              value: w.failurePolicy ?? '(unset: Fail)',
            },
          },
        ];
        if (svc)
          evidence.push({
            source: 'object',
            ref: `service/${svcKey}`,
            text:
              backendState === 'not-checked'
                ? `Service ${svcKey}: its EndpointSlices are not listed yet`
                : backendState === 'no-service'
                  ? `Service ${svcKey} does not exist`
                  : `Service ${svcKey}: ${readyEndpoints} ready endpoint(s) in its EndpointSlices`,
            raw: { kind: 'field', path: 'endpoints[].conditions.ready', value: String(readyEndpoints) },
          });
        if (w.clientConfig?.caBundle)
          evidence.push({
            source: 'object',
            ref,
            text: ca
              ? `caBundle of ${w.name}: ${ca.subject}, notAfter ${isoSeconds(ca.notAfterMs)}`
              : `caBundle of ${w.name} does not parse: ${(bundle as Error).message}`,
            raw: {
              kind: 'field',
              path: `webhooks[name=${w.name}].clientConfig.caBundle`,
              value: ca
                ? `${ca.subject}; notBefore=${isoSeconds(ca.notBeforeMs)}; notAfter=${isoSeconds(ca.notAfterMs)}`
                : 'unparsable',
            },
          });
        if (change.atMs !== undefined)
          evidence.push({
            source: 'object',
            ref,
            atMs: change.atMs,
            text: `${ref} ${change.changed} at ${isoSeconds(change.atMs)} (generation ${c.metadata.generation ?? 1})`,
            raw: { kind: 'field', path: 'metadata.generation', value: String(c.metadata.generation ?? 1) },
          });
        out.push({
          detector: 'admission-inventory',
          kind: 'admission-webhook',
          subject: `webhook/${w.name}`,
          severity: failsClosed && broken ? 'warning' : 'info',
          sinceMs: change.atMs ?? timeMs(c.metadata.creationTimestamp) ?? nowMs,
          summary: `${type} webhook ${w.name} (${ref}): failurePolicy ${failurePolicy}, timeout ${timeoutSeconds} s${risks.length ? `; ${risks.join(', ')}` : ''}; see kubectl get ${kind} ${c.metadata.name} -o yaml`,
          scope: svc ? { services: [svcKey], namespaces: [svc.namespace ?? ''] } : {},
          facts: {
            webhook: w.name,
            configuration: c.metadata.name,
            type,
            failurePolicy,
            timeoutSeconds,
            backend: svc ? `service/${svcKey}` : (w.clientConfig?.url ?? ''),
            backendState,
            readyEndpoints,
            caBundle,
            caSubject: ca?.subject ?? '',
            caNotAfter: ca ? isoSeconds(ca.notAfterMs) : '',
            ...(caValidity ? { caDaysLeft: caValidity.daysLeft } : {}),
            caError: bundle instanceof Error ? bundle.message : '',
            systemWrites,
            failsClosedOnSystemWrites: failsClosed && systemWrites.length > 0,
            changed: change.changed,
            changedAt: change.atMs === undefined ? '' : isoSeconds(change.atMs),
            generation: c.metadata.generation ?? 1,
            risks,
          },
          evidence,
        });
      }
    }
  return out.sort((a, b) => a.subject.localeCompare(b.subject));
};

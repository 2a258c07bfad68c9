/**
 * Dynamic admission: the ValidatingWebhookConfiguration and MutatingWebhookConfiguration
 * objects in the store decide which writes are sent to which webhook, and calling a
 * webhook means reaching its Service's endpoints over TLS as the apiserver does. Whether
 * that works comes from the cluster (the Service, its ready endpoints, the node they run
 * on) and from what only the simulator knows of the webhook's server (how fast it answers,
 * whether it listens, the certificate it serves).
 *
 * Failures read as the apiserver words them (apiserver `admission/plugin/webhook/errors`,
 * `util/webhook` ErrCallingWebhook, `validating/dispatcher.go`):
 *
 *   Internal error occurred: failed calling webhook "validate.policy.example.com": failed to
 *   call webhook: Post "https://policy.policy-system.svc:443/validate?timeout=10s": <reason>
 *
 * with the reason Go's client gives (`context deadline exceeded`, `no endpoints available
 * for service "policy"`, `dial tcp 10.244.1.5:8443: connect: connection refused`, `tls:
 * failed to verify certificate: x509: certificate is valid for a, b, not c`). With
 * `failurePolicy: Ignore` the request passes and the webhook's fail-open counter moves.
 * Requests on webhook configurations themselves are never sent to webhooks.
 */
import type { Clock } from '../../time/clock.ts';
import type { ObjectStore, WriteAttributes } from '../store/object-store.ts';
import type { ApiServerMetrics } from './apiserver-metrics.ts';
import type { KubeObject } from './k8s-types.ts';
import { resourceForKind } from './resources.ts';
import { ApiError, internalError } from './status.ts';
import { x509Time } from './x509.ts';

const validatingType = resourceForKind('ValidatingWebhookConfiguration', 'admissionregistration.k8s.io')!;
const mutatingType = resourceForKind('MutatingWebhookConfiguration', 'admissionregistration.k8s.io')!;
const serviceType = resourceForKind('Service')!;
const sliceType = resourceForKind('EndpointSlice', 'discovery.k8s.io')!;
const nsType = resourceForKind('Namespace')!;

export type Operation = WriteAttributes['operation'];

/** What a write is, as admission sees it. */
export type AdmissionAttributes = WriteAttributes;

/** What only the simulator knows about a webhook's server. */
export interface WebhookServer {
  /** How long it takes to answer. */
  latencyMs: number;
  /** Nothing listens on its port (a bad rollout, a wrong targetPort). */
  refusing?: boolean;
  /** The certificate it serves. */
  certificate?: { dnsNames?: string[]; notAfterMs?: number; notBeforeMs?: number; selfSigned?: boolean };
}

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

interface Rule {
  operations?: string[];
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  scope?: string;
}

interface Webhook {
  name: string;
  configuration: string;
  kind: 'validating' | 'mutating';
  service?: { namespace: string; name: string; path?: string; port?: number };
  url?: string;
  rules: Rule[];
  namespaceSelector?: Selector;
  objectSelector?: Selector;
  failurePolicy: 'Fail' | 'Ignore';
  timeoutSeconds: number;
}

/** The outcome of one webhook call. */
interface Call {
  webhook: Webhook;
  /** How long the call took. */
  ms: number;
  /** Why it failed to call, when it did. */
  error?: string;
}

export function selectorMatches(
  sel: Selector | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!sel) return true;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(l, e.key);
    const values = e.values ?? [];
    if (e.operator === 'In' && !(has && values.includes(l[e.key]))) return false;
    if (e.operator === 'NotIn' && has && values.includes(l[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

function listHas(list: string[] | undefined, v: string): boolean {
  return (list ?? []).some((x) => x === '*' || x === v);
}

function resourceMatches(rules: string[] | undefined, resource: string, sub: string | undefined): boolean {
  const full = sub ? `${resource}/${sub}` : resource;
  return (rules ?? []).some((r) => {
    if (r === '*/*') return true;
    if (r === '*') return !sub;
    if (r === full) return true;
    const [res, subRule] = r.split('/');
    if (!sub || subRule === undefined) return false;
    return (res === '*' || res === resource) && (subRule === '*' || subRule === sub);
  });
}

function ruleMatches(r: Rule, a: AdmissionAttributes): boolean {
  const scope = r.scope ?? '*';
  const scopeOk = scope === '*' || (scope === 'Namespaced') === (a.namespaced && a.resource !== 'namespaces');
  return (
    scopeOk &&
    listHas(r.operations, a.operation) &&
    listHas(r.apiGroups, a.group) &&
    listHas(r.apiVersions, a.version) &&
    resourceMatches(r.resources, a.resource, a.subresource)
  );
}

export class AdmissionWebhooks {
  private readonly store: ObjectStore;
  private readonly clock: Clock;
  private readonly metrics?: ApiServerMetrics;
  private readonly nodeReachable: (node: string) => boolean;
  private readonly podIpReachable: (ip: string, node: string) => boolean;
  /** Ground truth about each webhook's server, by configuration name. */
  readonly servers = new Map<string, WebhookServer>();
  private hooks: Webhook[] | undefined;
  private readonly offs: (() => void)[];

  constructor(o: {
    store: ObjectStore;
    clock: Clock;
    metrics?: ApiServerMetrics;
    nodeReachable?: (node: string) => boolean;
    /** Whether the API server can connect to this endpoint address on that node (pod network reach). */
    podIpReachable?: (ip: string, node: string) => boolean;
  }) {
    this.store = o.store;
    this.clock = o.clock;
    this.metrics = o.metrics;
    this.nodeReachable = o.nodeReachable ?? (() => true);
    this.podIpReachable = o.podIpReachable ?? (() => true);
    const stale = () => {
      this.hooks = undefined;
    };
    this.offs = [
      o.store.subscribe(validatingType.storage, stale),
      o.store.subscribe(mutatingType.storage, stale),
    ];
  }

  stop(): void {
    for (const off of this.offs) off();
  }

  /** Every webhook of every configuration, mutating first (they run before validation). */
  private webhooks(): Webhook[] {
    if (this.hooks) return this.hooks;
    const read = (kind: 'validating' | 'mutating') =>
      this.store.listObjects(kind === 'validating' ? validatingType : mutatingType).flatMap((c) =>
        ((c as { webhooks?: Record<string, unknown>[] }).webhooks ?? []).map(
          (w): Webhook => ({
            name: String(w.name ?? ''),
            configuration: c.metadata.name ?? '',
            kind,
            service: (w.clientConfig as { service?: Webhook['service'] } | undefined)?.service,
            url: (w.clientConfig as { url?: string } | undefined)?.url,
            rules: (w.rules as Rule[] | undefined) ?? [],
            namespaceSelector: w.namespaceSelector as Selector | undefined,
            objectSelector: w.objectSelector as Selector | undefined,
            failurePolicy: w.failurePolicy === 'Ignore' ? 'Ignore' : 'Fail',
            timeoutSeconds: typeof w.timeoutSeconds === 'number' ? w.timeoutSeconds : 10,
          }),
        ),
      );
    this.hooks = [...read('mutating'), ...read('validating')];
    return this.hooks;
  }

  private matching(a: AdmissionAttributes): Webhook[] {
    const hooks = this.webhooks();
    if (hooks.length === 0) return hooks;
    // Webhooks never see their own configurations (apiserver IsExemptAdmissionConfigurationResource).
    if (a.group === 'admissionregistration.k8s.io') return [];
    let nsLabels: Record<string, string> | undefined;
    const namespaceLabels = () => {
      if (nsLabels) return nsLabels;
      nsLabels =
        a.resource === 'namespaces'
          ? (a.labels ?? {})
          : (this.store.find(nsType, '', a.namespace ?? '')?.metadata.labels ?? {});
      return nsLabels;
    };
    return hooks.filter(
      (w) =>
        w.rules.some((r) => ruleMatches(r, a)) &&
        (!(a.namespace || a.resource === 'namespaces') ||
          selectorMatches(w.namespaceSelector, namespaceLabels())) &&
        selectorMatches(w.objectSelector, a.labels),
    );
  }

  /** Calls one webhook, as far as the cluster lets the call get. */
  private call(w: Webhook): Call {
    const timeoutMs = w.timeoutSeconds * 1000;
    const svc = w.service;
    const target = svc
      ? `https://${svc.name}.${svc.namespace}.svc:${svc.port ?? 443}${svc.path ?? ''}?timeout=${w.timeoutSeconds}s`
      : `${w.url}?timeout=${w.timeoutSeconds}s`;
    const fail = (reason: string, ms: number): Call => ({
      webhook: w,
      ms,
      error: `failed to call webhook: Post "${target}": ${reason}`,
    });
    const server = this.servers.get(w.configuration) ?? { latencyMs: 20 };
    if (svc) {
      const service = this.store.find(serviceType, svc.namespace, svc.name) as
        | (KubeObject & { spec?: { ports?: { port?: number; targetPort?: number | string }[] } })
        | undefined;
      if (!service) return fail(`service "${svc.name}" not found`, 1);
      const endpoint = this.readyEndpoint(svc.namespace, svc.name);
      if (!endpoint) return fail(`no endpoints available for service "${svc.name}"`, 1);
      if (
        endpoint.node &&
        !(this.nodeReachable(endpoint.node) && this.podIpReachable(endpoint.ip, endpoint.node))
      )
        return fail('context deadline exceeded', timeoutMs);
      const port = service.spec?.ports?.find((p) => (p.port ?? 443) === (svc.port ?? 443));
      const targetPort = typeof port?.targetPort === 'number' ? port.targetPort : (svc.port ?? 443);
      if (server.refusing)
        return fail(`dial tcp ${endpoint.ip}:${targetPort}: connect: connection refused`, 1);
    }
    const cert = server.certificate;
    if (cert) {
      const now = this.clock.now();
      const host = svc ? `${svc.name}.${svc.namespace}.svc` : new URL(w.url ?? 'https://invalid').hostname;
      const verify = (why: string) => fail(`tls: failed to verify certificate: x509: ${why}`, 2);
      if (cert.selfSigned) return verify('certificate signed by unknown authority');
      if (cert.notAfterMs !== undefined && now > cert.notAfterMs)
        return verify(
          `certificate has expired or is not yet valid: current time ${x509Time(now)} is after ${x509Time(cert.notAfterMs)}`,
        );
      if (cert.notBeforeMs !== undefined && now < cert.notBeforeMs)
        return verify(
          `certificate has expired or is not yet valid: current time ${x509Time(now)} is before ${x509Time(cert.notBeforeMs)}`,
        );
      if (cert.dnsNames && !cert.dnsNames.includes(host))
        return verify(
          cert.dnsNames.length === 1
            ? `certificate is valid for ${cert.dnsNames[0]}, not ${host}`
            : `certificate is valid for ${cert.dnsNames.join(', ')}, not ${host}`,
        );
    }
    if (server.latencyMs >= timeoutMs) return fail('context deadline exceeded', timeoutMs);
    return { webhook: w, ms: server.latencyMs };
  }

  private readyEndpoint(namespace: string, service: string): { ip: string; node?: string } | undefined {
    const slices = this.store.list(sliceType, {
      namespace,
      filter: (e) => e.labels?.['kubernetes.io/service-name'] === service,
    }).entries;
    for (const e of slices) {
      const s = JSON.parse(e.json) as {
        endpoints?: { addresses?: string[]; nodeName?: string; conditions?: { ready?: boolean } }[];
      };
      const ep = s.endpoints?.find((x) => x.conditions?.ready !== false && x.addresses?.length);
      if (ep) return { ip: ep.addresses![0], node: ep.nodeName };
    }
    return undefined;
  }

  /** Calls every matching webhook; returns how long that took and the error that fails the request. */
  private evaluate(a: AdmissionAttributes): { ms: number; error?: ApiError } {
    const hooks = this.matching(a);
    if (hooks.length === 0) return { ms: 0 };
    let mutatingMs = 0;
    let validatingMs = 0;
    let error: ApiError | undefined;
    for (const w of hooks) {
      const c = this.call(w);
      // Mutating webhooks run one after another; validating ones in parallel.
      if (w.kind === 'mutating') mutatingMs += c.ms;
      else validatingMs = Math.max(validatingMs, c.ms);
      this.record(c, a.operation);
      if (c.error && w.failurePolicy === 'Fail' && !error) {
        error = internalError(`failed calling webhook "${w.name}": ${c.error}`);
        if (w.kind === 'mutating') break;
      }
    }
    return { ms: mutatingMs + validatingMs, error };
  }

  private record(c: Call, operation: Operation): void {
    const m = this.metrics;
    if (!m) return;
    const type = c.webhook.kind === 'validating' ? 'validating' : 'admit';
    const rejected = c.error && c.webhook.failurePolicy === 'Fail' ? 'true' : 'false';
    const name = c.webhook.name;
    m.observe(
      'apiserver_admission_webhook_admission_duration_seconds',
      { name, operation, rejected, type },
      c.ms / 1000,
    );
    m.inc('apiserver_admission_webhook_request_total', {
      code: c.error ? '0' : '200',
      name,
      operation,
      rejected,
      type,
    });
    if (!c.error) return;
    if (c.webhook.failurePolicy === 'Ignore')
      m.inc('apiserver_admission_webhook_fail_open_count', { name, type });
    else
      m.inc('apiserver_admission_webhook_rejection_count', {
        error_type: 'calling_webhook_error',
        name,
        operation,
        rejection_code: '0',
        type,
      });
  }

  /** For a request being served: waits as long as the calls take, then throws when admission fails it. */
  async review(a: AdmissionAttributes): Promise<void> {
    const { ms, error } = this.evaluate(a);
    if (ms > 0) await this.clock.sleep(ms);
    if (error) throw error;
  }

  /**
   * For the cluster's own writers (kubelets, controllers): the error that refuses the write,
   * if any. A writer whose client gives up after `clientTimeoutMs` also fails when admission
   * takes that long, even where the webhook fails open (failurePolicy Ignore, its timeout
   * longer than the client's).
   */
  reviewNow(a: AdmissionAttributes, clientTimeoutMs?: number): ApiError | undefined {
    const { ms, error } = this.evaluate(a);
    if (error) return error;
    if (clientTimeoutMs !== undefined && ms >= clientTimeoutMs)
      return new ApiError(
        504,
        'Timeout',
        'context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
      );
    return undefined;
  }

  /** Whether any webhook is configured (a fast path for writers). */
  get configured(): boolean {
    return this.webhooks().length > 0;
  }
}

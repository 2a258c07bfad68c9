/**
 * A scenario's admission webhooks: their configuration objects in the API (as `kubectl
 * apply` would leave them, defaults filled), what their servers are like (how fast they
 * answer, the certificate they serve), the faults that change a server, and the actions
 * that install or delete a configuration. The API server's admission reads the objects,
 * so a configuration someone deletes with kubectl stops being called, as in a real cluster.
 */
import type { Clock } from '../../time/clock.ts';
import type { AdmissionWebhooks, WebhookServer } from '../api/admission-webhooks.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { parseLabelSelector } from '../api/label-selector.ts';
import { resourceForKind } from '../api/resources.ts';
import { issueCertificate } from '../api/x509.ts';
import type {
  AdmissionWebhook,
  AdmissionWebhookAction,
  AdmissionWebhookFault,
} from '../scenario/admission-webhooks-shape.ts';
import { parseDuration, resolveInstant } from '../scenario/time-spec.ts';
import type { ObjectStore } from '../store/object-store.ts';

const sliceType = resourceForKind('EndpointSlice', 'discovery.k8s.io')!;
const typeOf = {
  validating: resourceForKind('ValidatingWebhookConfiguration', 'admissionregistration.k8s.io')!,
  mutating: resourceForKind('MutatingWebhookConfiguration', 'admissionregistration.k8s.io')!,
};

/** A label selector as a scenario writes it, as the LabelSelector object the API holds. */
export function selectorObject(text: string | undefined): Record<string, unknown> {
  if (!text) return {};
  const ops: Record<string, string> = {
    '=': 'In',
    '==': 'In',
    in: 'In',
    '!=': 'NotIn',
    notin: 'NotIn',
    exists: 'Exists',
    '!': 'DoesNotExist',
  };
  const matchExpressions = parseLabelSelector(text).requirements.map((r) => ({
    key: r.key,
    operator: ops[r.operator] ?? 'In',
    ...(r.operator === 'exists' || r.operator === '!' ? {} : { values: [...r.values] }),
  }));
  return matchExpressions.length ? { matchExpressions } : {};
}

const dayMs = 86_400_000;

/**
 * The caBundle an installer writes: base64 of the PEM of the CA that signs the webhook's
 * serving certificate. Installers that make their own CA (Kyverno, the ingress-nginx
 * admission job, cert-manager's CA issuer) issue it for a year or more; here it was made a
 * month before the scenario starts and lasts a year.
 */
export function webhookCaBundle(w: AdmissionWebhook, startMs: number): string {
  const [namespace, service] = w.service.split('/');
  const pem = issueCertificate({
    commonName: `${service}.${namespace}.svc-ca`,
    organization: namespace,
    ca: true,
    notBeforeMs: startMs - 30 * dayMs,
    notAfterMs: startMs + 335 * dayMs,
  });
  return Buffer.from(pem).toString('base64');
}

export function webhookConfiguration(w: AdmissionWebhook, caBundle: string): KubeObject {
  const [namespace, service] = w.service.split('/');
  return {
    metadata: { name: w.name },
    webhooks: [
      {
        name: w.webhook,
        admissionReviewVersions: ['v1'],
        clientConfig: { service: { namespace, name: service, path: w.path, port: w.port }, caBundle },
        failurePolicy: w.failurePolicy,
        matchPolicy: 'Equivalent',
        namespaceSelector: selectorObject(w.namespaceSelector),
        objectSelector: selectorObject(w.objectSelector),
        ...(w.type === 'mutating' ? { reinvocationPolicy: 'Never' } : {}),
        rules: w.rules,
        sideEffects: w.sideEffects,
        timeoutSeconds: w.timeoutSeconds,
      },
    ],
  } as KubeObject;
}

export class AdmissionWebhookWorld {
  private readonly store: ObjectStore;
  private readonly clock: Clock;
  private readonly admission: AdmissionWebhooks;
  private readonly startMs: number;
  private readonly installed = new Map<string, AdmissionWebhook>();
  /** Each server's own state, by configuration name, before faults. */
  private readonly base = new Map<string, WebhookServer>();
  private readonly offs: (() => void)[] = [];

  constructor(o: {
    store: ObjectStore;
    clock: Clock;
    admission: AdmissionWebhooks;
    startMs: number;
    webhooks: readonly AdmissionWebhook[];
  }) {
    this.store = o.store;
    this.clock = o.clock;
    this.admission = o.admission;
    this.startMs = o.startMs;
    // Installed once its server serves, as an installer waits for it (a webhook registered
    // before its server is up refuses everything it matches, the cluster's bootstrap included).
    for (const w of o.webhooks) this.whenServing(w, () => this.apply(w));
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
  }

  private whenServing(w: AdmissionWebhook, install: () => void): void {
    const [namespace, name] = w.service.split('/');
    const serving = () =>
      this.store
        .list(sliceType, { namespace, filter: (e) => e.labels?.['kubernetes.io/service-name'] === name })
        .entries.some((e) =>
          (JSON.parse(e.json) as { endpoints?: { conditions?: { ready?: boolean } }[] }).endpoints?.some(
            (x) => x.conditions?.ready,
          ),
        );
    if (serving()) {
      install();
      return;
    }
    const off = this.store.subscribe(sliceType.storage, (ev) => {
      if (ev.entry.namespace !== namespace || !serving()) return;
      off();
      this.clock.after(0, install);
    });
    this.offs.push(off);
  }

  private server(w: AdmissionWebhook): WebhookServer {
    const c = w.certificate;
    return {
      latencyMs: parseDuration(w.latency) ?? 20,
      ...(c
        ? {
            certificate: {
              dnsNames: c.dnsNames,
              notAfterMs: c.notAfter ? resolveInstant(c.notAfter, this.startMs) : undefined,
              selfSigned: c.unknownAuthority,
            },
          }
        : {}),
    };
  }

  /** Installs or replaces a configuration. */
  apply(w: AdmissionWebhook): void {
    const r = typeOf[w.type];
    const previous = this.installed.get(w.name);
    if (previous && previous.type !== w.type) this.delete(w.name);
    this.installed.set(w.name, w);
    const server = this.server(w);
    this.base.set(w.name, server);
    this.admission.servers.set(w.name, { ...server });
    const obj = webhookConfiguration(w, webhookCaBundle(w, this.startMs));
    const current = this.store.find(r, '', w.name);
    if (current) this.store.update(r, { ...obj, metadata: { ...current.metadata } });
    else this.store.create(r, obj);
  }

  delete(name: string): void {
    const w = this.installed.get(name);
    if (!w) return;
    this.installed.delete(name);
    if (this.store.find(typeOf[w.type], '', name)) this.store.delete(typeOf[w.type], '', name);
  }

  perform(a: AdmissionWebhookAction): void {
    if (a.type === 'apply-webhook') this.apply(a.webhook);
    else this.delete(a.webhook);
  }

  /** Changes what the webhook's server does; returns the heal. */
  inject(f: AdmissionWebhookFault): () => void {
    const servers = this.admission.servers;
    const current = servers.get(f.webhook);
    if (!current)
      throw new Error(
        `${f.type} names webhook "${f.webhook}", which cluster.admissionWebhooks does not declare`,
      );
    if (f.type === 'webhook-server') {
      if (f.effect === 'slow') current.latencyMs = parseDuration(f.latency ?? '30s') ?? 30_000;
      else current.refusing = true;
    } else {
      const c = f.certificate;
      current.certificate = {
        dnsNames: c.dnsNames,
        notAfterMs: c.notAfter ? resolveInstant(c.notAfter, this.startMs) : undefined,
        selfSigned: c.unknownAuthority,
      };
    }
    return () => {
      const base = this.base.get(f.webhook);
      if (!base) return;
      if (f.type === 'webhook-server') {
        current.latencyMs = base.latencyMs;
        current.refusing = base.refusing;
      } else current.certificate = base.certificate;
    };
  }
}

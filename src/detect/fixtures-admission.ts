/**
 * Builders for admission tests: webhook configurations shaped as the feed hands them to the
 * view (trimmed by `kube/trim.ts`), with the API's defaults left unset where a real object
 * may leave them. Tests make their caBundles themselves (sim/api/x509.ts).
 */
import type { KubeObject } from '../kube/observations.ts';
import { trimObject } from '../kube/trim.ts';
import { iso, t0 } from './fixtures.ts';
import type { LabelSelector, WebhookRule } from './webhook-scope.ts';

export interface WebhookInput {
  name: string;
  /** `namespace/name` of the backend Service. */
  service?: string;
  url?: string;
  failurePolicy?: 'Fail' | 'Ignore';
  timeoutSeconds?: number;
  rules?: WebhookRule[];
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  /** base64 of PEM, as the API holds it. */
  caBundle?: string;
}

/** Pods, CREATE and UPDATE: what most policy engines register for. */
export const podRules: WebhookRule[] = [
  { operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] },
];

export function webhookConfiguration(c: {
  name: string;
  type?: 'validating' | 'mutating';
  createdMs?: number;
  generation?: number;
  webhooks: WebhookInput[];
}): KubeObject {
  const resource =
    c.type === 'mutating' ? 'mutatingwebhookconfigurations' : 'validatingwebhookconfigurations';
  return trimObject(resource, {
    metadata: {
      name: c.name,
      creationTimestamp: iso(c.createdMs ?? t0 - 30 * 86_400_000),
      generation: c.generation ?? 1,
      managedFields: [{ manager: 'kubectl' }],
    },
    webhooks: c.webhooks.map((w) => {
      const [namespace, name] = (w.service ?? '').split('/');
      return {
        name: w.name,
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        clientConfig: {
          ...(w.service ? { service: { namespace, name, path: '/validate', port: 443 } } : { url: w.url }),
          ...(w.caBundle ? { caBundle: w.caBundle } : {}),
        },
        failurePolicy: w.failurePolicy,
        timeoutSeconds: w.timeoutSeconds,
        rules: w.rules ?? podRules,
        namespaceSelector: w.namespaceSelector,
        objectSelector: w.objectSelector,
      };
    }),
  });
}

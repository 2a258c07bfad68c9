/**
 * Admission webhooks a scenario's cluster has (`cluster.admissionWebhooks`), the faults of
 * their servers, and the actions that install or remove one. A webhook's server is an
 * ordinary workload of the scenario behind the Service it names; whether a call reaches it
 * then follows from that workload (scaled to zero, crash-looping, on a lost node), and the
 * faults here set what only the server knows: how slowly it answers, whether it listens,
 * which certificate it serves. The certificate's expiry is a time, so it expires on its own.
 */
import { z } from 'zod';
import { duration, instant, labelSelector, name, objectRef, oneLine } from './scalars.ts';

const ruleSchema = z.strictObject({
  operations: z.array(z.enum(['CREATE', 'UPDATE', 'DELETE', 'CONNECT', '*'])).min(1),
  apiGroups: z.array(z.string()).min(1).default(['*']),
  apiVersions: z.array(z.string()).min(1).default(['*']),
  // `pods`, `pods/status`, `*` (every resource, no subresources), `*/*` (every resource and subresource).
  resources: z.array(z.string().min(1)).min(1),
  scope: z.enum(['*', 'Cluster', 'Namespaced']).default('*'),
});

export const certificateSchema = z.strictObject({
  /** The names it is valid for; default the Service's own (`<svc>.<ns>.svc`, …). */
  dnsNames: z.array(z.string().min(1)).min(1).optional(),
  /** When it expires. */
  notAfter: instant.optional(),
  /** Signed by a CA the configuration's caBundle does not hold (a self-signed or rotated CA). */
  unknownAuthority: z.boolean().default(false),
});

export const admissionWebhookSchema = z.strictObject({
  /** The configuration object's name. */
  name,
  type: z.enum(['validating', 'mutating']).default('validating'),
  /** The webhook's own name, fully qualified: `validate.policy.example.com`. */
  webhook: z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, {
    error: 'expected a fully qualified webhook name such as validate.policy.example.com',
  }),
  /** `<namespace>/<name>` of the Service in front of its server. */
  service: objectRef,
  port: z.number().int().min(1).max(65535).default(443),
  path: z.string().startsWith('/').default('/validate'),
  rules: z.array(ruleSchema).min(1),
  namespaceSelector: labelSelector.optional(),
  objectSelector: labelSelector.optional(),
  failurePolicy: z.enum(['Fail', 'Ignore']).default('Fail'),
  timeoutSeconds: z.number().int().min(1).max(30).default(10),
  sideEffects: z.enum(['None', 'NoneOnDryRun']).default('None'),
  /** How long its server takes to answer when nothing is wrong. */
  latency: duration.default('20ms'),
  certificate: certificateSchema.optional(),
});

export type AdmissionWebhook = z.infer<typeof admissionWebhookSchema>;

const common = { id: name.optional(), duration: duration.optional(), cause: oneLine.optional() };

export const admissionWebhookFaultSchemas = [
  /** The webhook's server misbehaves: answers slowly, or stops listening on its port. */
  z.strictObject({
    type: z.literal('webhook-server'),
    ...common,
    /** The configuration's `name`. */
    webhook: name,
    effect: z.enum(['slow', 'refuse']),
    /** For `slow`: how long each answer takes (past timeoutSeconds the call times out). */
    latency: duration.optional(),
  }),
  /** The webhook's server now serves another certificate (a botched rotation). */
  z.strictObject({
    type: z.literal('webhook-certificate'),
    ...common,
    webhook: name,
    certificate: certificateSchema,
  }),
] as const;

export type AdmissionWebhookFault = z.infer<(typeof admissionWebhookFaultSchemas)[number]>;

export const admissionWebhookActionSchemas = [
  /** Someone installs (or replaces) a webhook configuration. */
  z.strictObject({
    type: z.literal('apply-webhook'),
    id: name.optional(),
    by: z.enum(['operator', 'provider']).default('operator'),
    webhook: admissionWebhookSchema,
  }),
  /** Someone deletes a webhook configuration (`kubectl delete validatingwebhookconfiguration …`). */
  z.strictObject({
    type: z.literal('delete-webhook'),
    id: name.optional(),
    by: z.enum(['operator', 'provider']).default('operator'),
    /** The configuration's `name`. */
    webhook: name,
  }),
] as const;

export type AdmissionWebhookAction = z.infer<(typeof admissionWebhookActionSchemas)[number]>;

export function isAdmissionWebhookAction(a: { type: string }): a is AdmissionWebhookAction {
  return a.type === 'apply-webhook' || a.type === 'delete-webhook';
}

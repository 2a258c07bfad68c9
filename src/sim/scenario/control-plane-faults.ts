/**
 * Faults inside the control plane, injected low: an etcd member that crashes or stops
 * answering, etcd's disk slowing down, its database filling up, a kube-apiserver replica
 * that crashes. What clients then meet (the request that times out, `/readyz` listing
 * `[-]etcd failed`, the controller-manager losing its lease and restarting, a share of
 * requests dropped by a dead replica) is left to the control-plane model.
 */
import { z } from 'zod';
import { type AdmissionWebhookFault, admissionWebhookFaultSchemas } from './admission-webhooks-shape.ts';
import { type ApiClientFault, apiClientFaultSchemas } from './api-clients-shape.ts';

export type { AdmissionWebhookFault, ApiClientFault };

import { duration, name, oneLine, positiveInt } from './scalars.ts';

/**
 * Which members of the control plane (the nodes of its control-plane pool, or a managed
 * control plane's hidden replicas, in order): the first `count`, or those named.
 */
export const controlPlaneMembersSchema = z
  .strictObject({
    count: positiveInt.optional(),
    names: z.array(z.string().min(1)).min(1).optional(),
  })
  .refine((m) => m.count === undefined || m.names === undefined, {
    error: 'name the members or count them, not both',
  });

const common = {
  id: name.optional(),
  duration: duration.optional(),
  cause: oneLine.optional(),
  /** Default: every member. */
  members: controlPlaneMembersSchema.optional(),
};

const controlPlaneOwnFaults = [
  /**
   * etcd on these members stops serving: `crash` exits on every start (CrashLoopBackOff,
   * with `log` as its last line), `hang` keeps running but answers nothing (a stuck disk).
   */
  z.strictObject({
    type: z.literal('etcd-member-down'),
    ...common,
    mode: z.enum(['crash', 'hang']).default('crash'),
    log: oneLine.optional(),
  }),
  /** etcd's disk is slow: every write's fdatasync takes `latency`; past 7 s requests time out. */
  z.strictObject({
    type: z.literal('etcd-slow-disk'),
    ...common,
    latency: duration,
  }),
  /** The database reached its quota (NOSPACE alarm): writes are refused, reads and deletes work. */
  z.strictObject({
    type: z.literal('etcd-database-full'),
    ...common,
    /** The quota it hit, for etcd's log line (etcd's default is 2 GiB). */
    quotaBytes: positiveInt.default(2 * 1024 * 1024 * 1024),
  }),
  /**
   * A certificate runs out now (what `cluster.certificates` says for a known date): the
   * apiserver's serving certificate, or the kubelets' client certificates (of `pools`).
   */
  z.strictObject({
    type: z.literal('certificate-expires'),
    id: name.optional(),
    duration: duration.optional(),
    cause: oneLine.optional(),
    certificate: z.enum(['apiServer', 'kubelets']),
    pools: z.array(name).min(1).optional(),
  }),
  /** kube-apiserver on these members exits on every start (its own bug, bad flags, a bad config). */
  z.strictObject({
    type: z.literal('apiserver-crash'),
    ...common,
    log: oneLine.optional(),
  }),
] as const;

/** Every fault the control-plane model applies: its own and the API clients'. */
export const controlPlaneFaultSchemas = [
  ...controlPlaneOwnFaults,
  ...apiClientFaultSchemas,
  ...admissionWebhookFaultSchemas,
] as const;

export type ControlPlaneFault = z.infer<(typeof controlPlaneFaultSchemas)[number]>;
export const controlPlaneFaultTypes: ReadonlySet<string> = new Set(
  controlPlaneFaultSchemas.map((s) => s.shape.type.value),
);

export function isControlPlaneFault(f: { type: string }): f is ControlPlaneFault {
  return controlPlaneFaultTypes.has(f.type);
}

export function isApiClientFault(f: ControlPlaneFault): f is ApiClientFault {
  return f.type === 'api-client' || f.type === 'api-client-surge';
}

export function isAdmissionWebhookFault(f: ControlPlaneFault): f is AdmissionWebhookFault {
  return f.type === 'webhook-server' || f.type === 'webhook-certificate';
}

export type CertificateFault = Extract<ControlPlaneFault, { type: 'certificate-expires' }>;

/** The faults the control-plane world applies itself (etcd, apiserver replicas). */
export type ControlPlaneOwnFault = Exclude<
  ControlPlaneFault,
  ApiClientFault | AdmissionWebhookFault | CertificateFault
>;

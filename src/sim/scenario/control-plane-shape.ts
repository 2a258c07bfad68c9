/**
 * What a scenario may say about its control plane's shape, beyond its endpoint: how many
 * kube-apiserver replicas (and etcd members) stand behind the endpoint when no
 * control-plane pool shows them as nodes (a managed control plane), and etcd's version.
 * Spread into `cluster.controlPlane` in schema.ts; `controlPlaneClusterShape` into `cluster`.
 */
import { z } from 'zod';
import { parseBytes } from '../behaviour/memory.ts';
import { admissionWebhookSchema } from './admission-webhooks-shape.ts';
import { apiClientSchema } from './api-clients-shape.ts';
import { duration, instant, name, objectRef, positiveInt } from './scalars.ts';

export const controlPlaneShape = {
  /**
   * Replicas of a control plane the cluster has no nodes for (managed, or run outside);
   * with a control-plane pool, each of its nodes is one replica. Default 1.
   */
  replicas: positiveInt.optional(),
  /**
   * Memory each kube-apiserver replica has for serving requests (beyond its caches) before
   * the kernel OOM-kills it; LISTs executing at once hold their responses in it
   * (world/apiserver-memory.ts). Unset: never runs out.
   */
  apiserverMemory: z
    .string({ error: 'expected a memory quantity such as 8Gi' })
    .refine((q) => parseBytes(q) !== undefined, { error: 'expected a memory quantity such as 8Gi' })
    .optional(),
  etcd: z
    .strictObject({
      /** Shown in the etcd static pods' image (`registry.k8s.io/etcd:<version>`). */
      version: z
        .string()
        .regex(/^\d+\.\d+\.\d+(-\d+)?$/, { error: 'expected an etcd version such as 3.5.16-0' }),
    })
    .optional(),
};

/**
 * A writer of the cluster besides its core controllers: a CronJob creating Jobs, a
 * controller updating the ConfigMap or Ingress it owns. Its writes need the control plane
 * and pass admission; failures show as the CronJob's FailedCreate events or in the logs of
 * the workload `logsTo` names.
 */
export const writerSchema = z.strictObject({
  name,
  kind: z.enum(['ConfigMap', 'Ingress', 'Job']),
  namespace: name,
  /** The ConfigMap or Ingress it updates (created if missing); default its own name. */
  object: name.optional(),
  /** How often it writes (for Jobs: the CronJob's schedule). */
  every: duration,
  /** For Jobs: the image the CronJob runs. */
  image: z.string().min(1).default('busybox:1.36'),
  /** `<namespace>/<workload>` whose pods log its failed writes. */
  logsTo: objectRef.optional(),
});
export type Writer = z.infer<typeof writerSchema>;

/** Spread into `cluster`: what runs against the control plane. */
export const controlPlaneClusterShape = {
  /** Clients of the API server beyond the cluster's own components (see api-clients-shape.ts). */
  apiClients: z.array(apiClientSchema).default([]),
  /** Writers besides the core controllers (CronJobs, controllers that update what they own). */
  writers: z.array(writerSchema).default([]),
  /** Validating and mutating webhooks (see admission-webhooks-shape.ts). */
  admissionWebhooks: z.array(admissionWebhookSchema).default([]),
  /**
   * When the cluster's certificates expire (kubeadm issues them for a year and renews them
   * only on upgrade or `kubeadm certs renew`): expiry then happens on its own.
   */
  certificates: z
    .strictObject({
      /** kube-apiserver's serving certificate: every client's TLS handshake fails after it. */
      apiServer: z.strictObject({ notAfter: instant }).optional(),
      /** The kubelets' client certificates (rotation broken): they cannot authenticate after it. */
      kubelets: z
        .strictObject({
          notAfter: instant,
          /** Only these pools' kubelets; every pool when unset. */
          pools: z.array(name).min(1).optional(),
        })
        .optional(),
    })
    .optional(),
};

/** Renewing certificates (`kubeadm certs renew all` and restarting, or fixed rotation). */
export const renewCertificatesActionSchema = z.strictObject({
  type: z.literal('renew-certificates'),
  id: name.optional(),
  by: z.enum(['operator', 'provider']).default('operator'),
  which: z.array(z.enum(['apiServer', 'kubelets'])).min(1),
  /** How long the new ones are valid. */
  validFor: duration.default('365d'),
});
export type RenewCertificatesAction = z.infer<typeof renewCertificatesActionSchema>;

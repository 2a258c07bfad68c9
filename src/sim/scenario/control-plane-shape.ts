/**
 * What a scenario may say about its control plane's shape, beyond its endpoint: how many
 * kube-apiserver replicas (and etcd members) stand behind the endpoint when no
 * control-plane pool shows them as nodes (a managed control plane), and etcd's version.
 * Spread into `cluster.controlPlane` in schema.ts.
 */
import { z } from 'zod';
import { positiveInt } from './scalars.ts';

export const controlPlaneShape = {
  /**
   * Replicas of a control plane the cluster has no nodes for (managed, or run outside);
   * with a control-plane pool, each of its nodes is one replica. Default 1.
   */
  replicas: positiveInt.optional(),
  etcd: z
    .strictObject({
      /** Shown in the etcd static pods' image (`registry.k8s.io/etcd:<version>`). */
      version: z
        .string()
        .regex(/^\d+\.\d+\.\d+(-\d+)?$/, { error: 'expected an etcd version such as 3.5.16-0' }),
    })
    .optional(),
};

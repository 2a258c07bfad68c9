/**
 * The API server's clients beyond the cluster's own components: monitoring agents,
 * operators, CI systems, each a steady flow of one kind of request, so a scenario can say
 * what load its API server carries (`cluster.apiClients`) and a fault can add a client or
 * multiply one (a controller stuck in a relist loop, an agent rolled out to every node).
 * Which FlowSchema serves a client follows from who it is: a service account lands in
 * `service-accounts` (workload-low) or, in kube-system, `kube-system-service-accounts`; a
 * user in `global-default`, beside kubectl.
 */
import { z } from 'zod';
import { duration, name, objectRef, oneLine, positiveInt } from './scalars.ts';

export const apiClientSchema = z
  .strictObject({
    name,
    /** Sent as User-Agent; default `<name>/v1.0.0`. */
    userAgent: oneLine.optional(),
    /** Runs as this service account (`<namespace>/<name>`)… */
    serviceAccount: objectRef.optional(),
    /** …or as this user (`alice`, `system:kube-controller-manager`). */
    user: oneLine.optional(),
    verb: z.enum(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']),
    /** The plural resource, with its group after a dot for named groups: `pods`, `deployments.apps`. */
    resource: z.string().regex(/^[a-z0-9]+(\.[a-z0-9.-]+)?$/, {
      error: 'expected a resource such as pods or deployments.apps',
    }),
    /** Requests name this namespace; a list without one reads the whole cluster. */
    namespace: name.optional(),
    /** Page size of its lists; unpaginated when unset. */
    limit: positiveInt.optional(),
    /** How often one instance sends its request. */
    every: duration,
    /** One instance per node (a DaemonSet agent): its load grows with the cluster. */
    perNode: z.boolean().default(false),
    /**
     * One instance per ready pod of this DaemonSet (`<namespace>/<name>`): the load starts as
     * its pods start, follows the nodes it runs on and stops when it is deleted.
     */
    daemonSet: objectRef.optional(),
  })
  .refine((c) => !(c.serviceAccount && c.user), {
    error: 'a client runs as a service account or a user, not both',
  })
  .refine((c) => !(c.perNode && c.daemonSet), {
    error: 'a client runs per node or per pod of a DaemonSet, not both',
  });

export type ApiClient = z.infer<typeof apiClientSchema>;

export const apiClientFaultSchemas = [
  /** A new client starts (and stops when healed). */
  z.strictObject({
    type: z.literal('api-client'),
    id: name.optional(),
    duration: duration.optional(),
    cause: oneLine.optional(),
    client: apiClientSchema,
  }),
  /** A declared client sends `factor` times as many requests. */
  z.strictObject({
    type: z.literal('api-client-surge'),
    id: name.optional(),
    duration: duration.optional(),
    cause: oneLine.optional(),
    /** The `name` of a client in `cluster.apiClients`. */
    client: name,
    factor: z.number({ error: 'expected a number above 1' }).gt(1, { error: 'expected a number above 1' }),
  }),
] as const;

export type ApiClientFault = z.infer<(typeof apiClientFaultSchemas)[number]>;

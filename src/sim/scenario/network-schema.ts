/**
 * What a scenario may say about the network between pods and in front of the cluster:
 * the CNI plugin's routing mode and configuration (BGP peers selected by node labels, IP
 * pools, MTU, conntrack table size), the ingress controller and the cloud load balancer in
 * front of it, and the faults and actions that act there. Faults stay low (a blocked BGP
 * port, a leaking IPAM, a connection flood, a smaller path MTU, a load balancer's target
 * group); the pod-network model makes the symptoms.
 *
 * The pieces are built from schema.ts's own scalars (passed in) so the two files share one
 * vocabulary without importing each other in a cycle.
 */
import { z } from 'zod';
import { parseCalicoSelector } from '../behaviour/calico-selector.ts';

/** A Calico selector (`has(node-role.kubernetes.io/master)`, `route-reflector == 'true'`, `all()`). */
const calicoSelector = z
  .string({ error: "expected a Calico selector such as has(route-reflector) or rack == 'a'" })
  .superRefine((t, ctx) => {
    try {
      parseCalicoSelector(t);
    } catch (e) {
      ctx.addIssue({
        code: 'custom',
        message: `not a valid Calico selector: ${e instanceof Error ? e.message : String(e)}`,
      });
    }
  });

/** The scalars schema.ts already defines. */
export interface ScalarParts {
  name: z.ZodType<string>;
  text: z.ZodType<string>;
  oneLine: z.ZodType<string>;
  version: z.ZodType<string>;
  positiveInt: z.ZodType<number>;
  count: z.ZodType<number>;
  probability: z.ZodType<number>;
  duration: z.ZodType<string>;
  labelSelector: z.ZodType<string>;
}

/** The scalars and the node target faults and actions take. */
export interface TargetParts<T extends z.ZodType> extends ScalarParts {
  nodeTarget: T;
}

/**
 * The CNI plugin. Without `mode` the simulator keeps its old flat pod network (every pod
 * reaches every other); with it, a CNI agent DaemonSet runs on every node and cross-node
 * pod traffic depends on the routes that mode maintains.
 */
export function cniSchema(p: ScalarParts) {
  const bgpPeer = z.strictObject({
    name: p.name,
    /** Nodes this peering applies to (Calico `nodeSelector`); every node when unset. */
    nodeSelector: calicoSelector.optional(),
    /** The nodes they peer with (Calico `peerSelector`). */
    peerSelector: calicoSelector,
  });
  return z.strictObject({
    kind: p.text,
    version: p.version.optional(),
    /**
     * overlay: VXLAN/IPIP tunnels between nodes (flannel, Calico VXLAN, Cilium tunnel);
     * bgp: routes to each node's pod CIDR learnt over BGP (Calico BGP, kube-router);
     * vpc: pods get cloud subnet addresses, routed by the cloud (AWS VPC CNI, Azure CNI).
     */
    mode: z.enum(['overlay', 'bgp', 'vpc']).optional(),
    /** The MTU the plugin gives pod interfaces; defaults to what the mode needs on a 1500-byte network. */
    mtu: p.positiveInt.optional(),
    /** The nodes' own interface MTU (the underlay). */
    nodeMtu: p.positiveInt.default(1500),
    bgp: z
      .strictObject({
        /** Calico's `BGPConfiguration.spec.nodeToNodeMeshEnabled`. */
        nodeToNodeMesh: z.boolean().default(true),
        asNumber: p.positiveInt.default(64512),
        /** Nodes that reflect routes: they get a `routeReflectorClusterID` when they join. */
        routeReflectors: calicoSelector.optional(),
        peers: z.array(bgpPeer).default([]),
      })
      .optional(),
    ipam: z
      .strictObject({
        /** Pod addresses one node can hold (ENI slots, or the node's CIDR size). */
        perNode: p.positiveInt,
        /** Addresses in the whole pool (the VPC subnets, the IPPool); unlimited when unset. */
        poolSize: p.positiveInt.optional(),
      })
      .optional(),
    /** `net.netfilter.nf_conntrack_max` on the nodes. */
    conntrackMax: p.positiveInt.default(131072),
    /**
     * Whether the API server can open connections to pod IPs (admission webhooks, aggregated
     * APIs). False for a managed control plane outside the pod network, e.g. EKS with an
     * overlay CNI: Calico's EKS guide says its networking "cannot currently be installed on
     * the EKS control plane nodes", so only hostNetwork pods are reachable from there.
     */
    controlPlaneReachesPods: z.boolean().default(true),
  });
}

/** The ingress controller that turns Ingress objects into proxying (its metrics differ by kind). */
export function ingressSchema(p: ScalarParts) {
  return z.strictObject({
    kind: z.enum(['ingress-nginx', 'contour', 'emissary', 'envoy-gateway']).default('ingress-nginx'),
    /** The apiVersion the cluster's Ingress objects were written in. */
    apiVersion: z
      .enum(['networking.k8s.io/v1', 'networking.k8s.io/v1beta1', 'extensions/v1beta1'])
      .default('networking.k8s.io/v1'),
    /**
     * How the Ingress objects name their controller: `spec.ingressClassName` (the default
     * for networking.k8s.io/v1), the `kubernetes.io/ingress.class` annotation (the default
     * for the beta versions), or not at all, as manifests for a cluster with one controller
     * were often written: ingress-nginx 0.x took those as its own, 1.0.0 on ignores them.
     */
    classBy: z.enum(['field', 'annotation', 'none']).optional(),
    /** A cloud load balancer in front of the controller's Service, with nodes as targets. */
    loadBalancer: z
      .strictObject({
        kind: z.enum(['aws-alb', 'aws-nlb', 'aws-elb', 'gcp', 'azure', 'generic']).default('aws-nlb'),
        /** The load balancer's DNS name, what users resolve. */
        hostname: p.text,
        /** Node pools whose nodes are registered as targets. */
        targetPools: z.array(p.name).min(1),
        healthCheck: z
          .strictObject({
            path: z.string().startsWith('/').default('/healthz'),
            interval: p.duration.default('10s'),
            unhealthyThreshold: p.positiveInt.default(3),
          })
          .default({ path: '/healthz', interval: '10s', unhealthyThreshold: 3 }),
      })
      .optional(),
  });
}

/**
 * Each network fault's own fields, by type; schema.ts adds the common ones (`faultCommon`,
 * or `nodeFaultCommon` for the node faults, whose `nodes` says where they act).
 */
export function networkFaultFields<T extends z.ZodType>(p: TargetParts<T>) {
  return {
    /** BGP (TCP 179) between these nodes and every other is blocked: sessions drop, routes are withdrawn. */
    bgpSessionBlocked: { type: z.literal('bgp-session-blocked') },
    /** The overlay's encapsulated traffic (VXLAN UDP 4789, IPIP protocol 4) to and from these nodes is dropped. */
    overlayTunnelBlocked: { type: z.literal('overlay-tunnel-blocked') },
    /** The CNI's IPAM loses track of addresses on these nodes: they stay allocated with no pod. */
    podIpLeak: { type: z.literal('pod-ip-leak'), addresses: p.positiveInt },
    /** Something outside the cluster takes the pool's (the subnets') free addresses, leaving this many. */
    ipPoolExhausted: { type: z.literal('ip-pool-exhausted'), freeAddresses: p.count.default(0) },
    /** Connections through these nodes' conntrack table grow by this many (a flood, a leaking client). */
    conntrackFlood: {
      type: z.literal('conntrack-flood'),
      connections: p.positiveInt,
      /** A lowered `nf_conntrack_max` on the nodes, when the change was to the limit. */
      conntrackMax: p.positiveInt.optional(),
    },
    /** The path between these nodes and the rest carries at most this many bytes (ICMP frag-needed lost). */
    pathMtuDrop: {
      type: z.literal('path-mtu-drop'),
      pathMtu: p.positiveInt,
      /** Only the paths to these nodes shrink (one bad link between two hosts); to every node when unset. */
      peers: p.nodeTarget.optional(),
    },
    /** The load balancer's target group loses these nodes (every target when unset). */
    lbTargetsDeregistered: { type: z.literal('lb-targets-deregistered'), nodes: p.nodeTarget.optional() },
    /** The load balancer's health checks to these nodes fail (a security group, a wrong port). */
    lbHealthChecksFailing: { type: z.literal('lb-health-checks-failing'), nodes: p.nodeTarget.optional() },
  };
}

/** Each network action's own fields, by type; schema.ts adds `actionCommon`. */
export function networkActionFields<T extends z.ZodType>(p: TargetParts<T>) {
  return {
    /**
     * `kubectl label nodes`: sets labels (a null value removes one), the way an operator
     * restores a label an upgrade took away.
     */
    labelNodes: {
      type: z.literal('label-nodes'),
      nodes: p.nodeTarget,
      labels: z.record(z.string(), z.string().nullable()),
    },
    /** The operator (or a controller) registers the target pools' nodes with the load balancer again. */
    registerLbTargets: { type: z.literal('register-lb-targets') },
  };
}

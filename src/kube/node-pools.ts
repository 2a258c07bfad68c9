/**
 * Which pool a node belongs to, by the labels the common providers (and the simulator) put
 * on their nodes. One ordered list, so grouping failures by pool (detect) and waiting for a
 * deleted node's replacement from the same pool (respond) agree on what a pool is.
 */

/**
 * First match wins: AKS (the old label first: older clusters set both, and it is the one
 * `az aks nodepool` names), DOKS, GKE, EKS managed node groups and eksctl's, Karpenter, the
 * generic `node-pool` many self-managed clusters use, and the simulator's last so a provider
 * label on a simulated node still wins. `node.kubernetes.io/instance-type` is hardware, not
 * a pool.
 */
export const poolLabels = [
  'agentpool',
  'kubernetes.azure.com/agentpool',
  'doks.digitalocean.com/node-pool',
  'cloud.google.com/gke-nodepool',
  'eks.amazonaws.com/nodegroup',
  'alpha.eksctl.io/nodegroup-name',
  'karpenter.sh/nodepool',
  'node-pool',
  'kubetriage.io/pool',
] as const;

/** The first pool label a node has with a value, as `[label, value]`. */
export function poolLabelOf(labels: Record<string, string> | undefined): [string, string] | undefined {
  if (!labels) return undefined;
  for (const k of poolLabels) if (labels[k]) return [k, labels[k]];
  return undefined;
}

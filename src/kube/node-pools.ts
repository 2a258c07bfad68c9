/**
 * Which pool a node belongs to, by the labels the common providers put on their nodes. One
 * ordered list, so grouping failures by pool (detect) and waiting for a deleted node's
 * replacement from the same pool (respond) agree on what a pool is.
 */

/**
 * First match wins: AKS (the old label first: older clusters set both, and it is the one
 * `az aks nodepool` names), DOKS, GKE, EKS managed node groups and eksctl's, Karpenter,
 * kops instance groups, and the generic `node-pool` many self-managed clusters use.
 * `node.kubernetes.io/instance-type` is hardware, not a pool.
 */
export const providerPoolLabels = [
  'agentpool',
  'kubernetes.azure.com/agentpool',
  'doks.digitalocean.com/node-pool',
  'cloud.google.com/gke-nodepool',
  'eks.amazonaws.com/nodegroup',
  'alpha.eksctl.io/nodegroup-name',
  'karpenter.sh/nodepool',
  'kops.k8s.io/instancegroup',
  'node-pool',
] as const;

/** A label key as the API accepts one: an optional DNS-subdomain prefix and a name. */
const labelKey = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

let configured: string | undefined;

/**
 * `--pool-label`: the label this cluster's own tooling puts on nodes to say which pool they
 * belong to (Cluster API's, Rancher's, a team's own), read before the providers' labels.
 * Set once per process, before the first round, by the command that starts watching.
 */
export function setPoolLabel(label: string | undefined): void {
  if (label !== undefined && !labelKey.test(label))
    throw new Error(`"${label}" is not a label key (e.g. node-pool or example.com/pool)`);
  configured = label;
}

/** The labels read, in order: the configured one first, then the providers'. */
export function poolLabels(): readonly string[] {
  return configured ? [configured, ...providerPoolLabels] : providerPoolLabels;
}

/** The first pool label a node has with a value, as `[label, value]`. */
export function poolLabelOf(labels: Record<string, string> | undefined): [string, string] | undefined {
  if (!labels) return undefined;
  for (const k of poolLabels()) if (labels[k]) return [k, labels[k]];
  return undefined;
}

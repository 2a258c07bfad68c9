/**
 * The label a distribution's own tooling puts on each node to say which pool it belongs to,
 * so simulated nodes carry what real ones do and nothing only kubetriage would set:
 * - EKS managed node groups: `eks.amazonaws.com/nodegroup`
 *   (docs.aws.amazon.com/eks/latest/userguide/managed-node-groups.html);
 * - GKE: `cloud.google.com/gke-nodepool` (cloud.google.com/kubernetes-engine/docs/concepts/node-pools);
 * - AKS: `agentpool` and `kubernetes.azure.com/agentpool`, the same value on both
 *   (learn.microsoft.com/azure/aks/use-labels, "Reserved system labels");
 * - DOKS: `doks.digitalocean.com/node-pool` (docs.digitalocean.com, "Automatic labels");
 * - kops: `kops.k8s.io/instancegroup` (kops docs, "Instance groups");
 * - everything else (kubeadm, kubespray, RKE, Talos, …) sets none by itself; the generic
 *   `node-pool` stands for the label such teams add in their own node bootstrap.
 * A scenario that declares a pool label of its own (eksctl's unmanaged groups, a team's
 * label) keeps exactly what it declares.
 */
const byDistribution: Record<string, readonly string[]> = {
  eks: ['eks.amazonaws.com/nodegroup'],
  gke: ['cloud.google.com/gke-nodepool'],
  aks: ['agentpool', 'kubernetes.azure.com/agentpool'],
  doks: ['doks.digitalocean.com/node-pool'],
  kops: ['kops.k8s.io/instancegroup'],
};

/** Keys that name a node's pool, from any installer: a scenario setting one keeps it. */
const anyPoolKey = new Set([
  ...Object.values(byDistribution).flat(),
  'alpha.eksctl.io/nodegroup-name',
  'karpenter.sh/nodepool',
  'node-pool',
]);

/** The pool labels a node of `pool` gets on a `distribution` cluster, besides the pool's own labels. */
export function distributionPoolLabels(
  distribution: string | undefined,
  pool: string,
  declared: Record<string, string> = {},
): Record<string, string> {
  if (Object.keys(declared).some((k) => anyPoolKey.has(k))) return {};
  const keys = byDistribution[distribution ?? ''] ?? ['node-pool'];
  return Object.fromEntries(keys.map((k) => [k, pool]));
}

/**
 * The node-role label and taint kubeadm puts on control-plane nodes, by minor version, and
 * what `kubeadm upgrade apply` changes on the way (KEP-2067, "Rename the kubeadm master
 * label and taint"):
 *
 * - before 1.20: label and taint `node-role.kubernetes.io/master`;
 * - 1.20 to 1.23: both labels, the `master` taint;
 * - 1.24: only the `control-plane` label; upgrading to 1.24 removes the `master` label from
 *   every node that has it (kubernetes/kubernetes#107533); both taints;
 * - 1.25 on: only the `control-plane` taint; upgrading removes the `master` taint
 *   (kubernetes/kubernetes#110095).
 *
 * Configuration that selected nodes by the old label (a Calico BGPPeer, a nodeSelector, a
 * toleration) keeps pointing at it after the upgrade and matches nothing.
 */
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import type { ObjectStore } from '../store/object-store.ts';

const nodeType = resourceForKind('Node')!;

export const masterRole = 'node-role.kubernetes.io/master';
export const controlPlaneRole = 'node-role.kubernetes.io/control-plane';

interface Taint {
  key: string;
  effect: string;
}

/** The labels and taints kubeadm at `minor` gives a control-plane node it sets up. */
export function kubeadmControlPlaneRole(minor: number): { labels: Record<string, string>; taints: Taint[] } {
  const labels: Record<string, string> = {};
  if (minor < 24) labels[masterRole] = '';
  if (minor >= 20) labels[controlPlaneRole] = '';
  const taints: Taint[] = [];
  if (minor < 25) taints.push({ key: masterRole, effect: 'NoSchedule' });
  if (minor >= 24) taints.push({ key: controlPlaneRole, effect: 'NoSchedule' });
  return { labels, taints };
}

/** The minor of `v1.24.3`, `1.24`, `v1.23.5-eks-1`. */
export function minorOf(version: string): number {
  return Number(/^v?\d+\.(\d+)/.exec(version)?.[1] ?? Number.NaN);
}

interface NodeSpecView {
  spec?: { taints?: Taint[] };
}

/**
 * What `kubeadm upgrade apply` from `from` to `to` does to the nodes' role labels and
 * taints. Returns the names of the nodes it changed.
 */
export function kubeadmUpgradeRoles(store: ObjectStore, from: number, to: number): string[] {
  if (!(to > from)) return [];
  const changed: string[] = [];
  for (const n of store.listObjects(nodeType) as (KubeObject & NodeSpecView)[]) {
    const labels = { ...n.metadata.labels };
    const isControlPlane = masterRole in labels || controlPlaneRole in labels;
    if (!isControlPlane) continue;
    let taints = [...(n.spec?.taints ?? [])];
    // 1.20 on: existing control-plane nodes get the new label beside the old one.
    if (to >= 20) labels[controlPlaneRole] = '';
    if (from < 24 && to >= 24) {
      delete labels[masterRole];
      if (!taints.some((t) => t.key === controlPlaneRole))
        taints.push({ key: controlPlaneRole, effect: 'NoSchedule' });
    }
    if (from < 25 && to >= 25) taints = taints.filter((t) => t.key !== masterRole);
    const sameLabels = JSON.stringify(labels) === JSON.stringify(n.metadata.labels ?? {});
    const sameTaints = JSON.stringify(taints) === JSON.stringify(n.spec?.taints ?? []);
    if (sameLabels && sameTaints) continue;
    store.update(nodeType, {
      ...n,
      metadata: { ...n.metadata, labels },
      spec: { ...n.spec, taints },
    });
    changed.push(n.metadata.name ?? '');
  }
  return changed;
}

/**
 * Whether a workload is part of the cluster itself or an application, and which part: the
 * control plane (kubeadm's static pods, managed offerings' mirrors), DNS, the CNI agent,
 * the service proxy, the ingress controller, metrics, storage (CSI), kubetriage's own
 * agent. Known by the workload's name and image, as their upstream manifests name them;
 * anything in kube-system that matches none is still a system component (`other-system`).
 */
import { componentOf } from './change-events.ts';

export type ComponentClass =
  | 'control-plane'
  | 'dns'
  | 'cni'
  | 'service-proxy'
  | 'ingress'
  | 'metrics'
  | 'storage'
  | 'agent'
  | 'other-system'
  | 'application';

const patterns: [RegExp, ComponentClass][] = [
  [
    /^(kube-apiserver|etcd|kube-controller-manager|kube-scheduler|cloud-controller-manager|konnectivity)/,
    'control-plane',
  ],
  [
    /(ingress-nginx|nginx-ingress|contour|envoy|emissary|ambassador|traefik|haproxy-ingress|istio-ingressgateway|kong|ingress)/,
    'ingress',
  ],
  [/(metrics-server|kube-state-metrics|prometheus|node-exporter)/, 'metrics'],
  [/(csi|ebs-|efs-|azuredisk|azurefile|pd-csi|longhorn|rook|ceph|openebs)/, 'storage'],
  [/(kubetriage-agent|node-problem-detector)/, 'agent'],
];

export interface ComponentIdentity {
  component: ComponentClass;
  /** Part of the cluster rather than an application. */
  system: boolean;
}

/** What a workload is, by its namespace, name and (optionally) its images. */
export function componentIdentity(
  namespace: string,
  name: string,
  images: readonly string[] = [],
): ComponentIdentity {
  const texts = [name, ...images];
  const narrow = componentOf(name);
  if (narrow) return { component: narrow, system: true };
  for (const [re, component] of patterns)
    if (texts.some((t) => re.test(t))) return { component, system: true };
  for (const image of images) {
    const fromImage = componentOf(image.split('/').at(-1) ?? image);
    if (fromImage) return { component: fromImage, system: true };
  }
  if (namespace === 'kube-system') return { component: 'other-system', system: true };
  return { component: 'application', system: false };
}

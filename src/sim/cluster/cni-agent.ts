/**
 * The CNI plugin's per-node agent, as each plugin's own manifests name it: the DaemonSet in
 * kube-system, its pod label, container and image. Calico's `calico-node`
 * (calico.yaml), the AWS VPC CNI's `aws-node` (amazon-vpc-cni-k8s config/master/aws-k8s-cni.yaml),
 * Cilium's `cilium` (its Helm chart), flannel's `kube-flannel-ds`, kube-router's `kube-router`.
 */
import type { Scenario } from '../scenario/schema.ts';

export interface CniAgent {
  name: string;
  labels: Record<string, string>;
  container: string;
  image: string;
}

type Cni = NonNullable<Scenario['cluster']['cni']>;

function tag(version: string | undefined, fallback: string): string {
  const v = version ?? fallback;
  return v.startsWith('v') ? v : `v${v}`;
}

/** The agent of the cluster's CNI plugin; `region` picks the AWS image registry. */
export function cniAgent(cni: Cni, region = 'us-west-2'): CniAgent {
  switch (cni.kind) {
    case 'calico':
      return {
        name: 'calico-node',
        labels: { 'k8s-app': 'calico-node' },
        container: 'calico-node',
        image: `docker.io/calico/node:${tag(cni.version, 'v3.27.3')}`,
      };
    case 'aws-vpc-cni':
      return {
        name: 'aws-node',
        labels: { 'k8s-app': 'aws-node' },
        container: 'aws-node',
        image: `602401143452.dkr.ecr.${region}.amazonaws.com/amazon-k8s-cni:${tag(cni.version, 'v1.16.2')}`,
      };
    case 'cilium':
      return {
        name: 'cilium',
        labels: { 'k8s-app': 'cilium' },
        container: 'cilium-agent',
        image: `quay.io/cilium/cilium:${tag(cni.version, 'v1.14.2')}`,
      };
    case 'flannel':
      return {
        name: 'kube-flannel-ds',
        labels: { app: 'flannel' },
        container: 'kube-flannel',
        image: `docker.io/flannel/flannel:${tag(cni.version, 'v0.24.2')}`,
      };
    default:
      return {
        name: cni.kind,
        labels: { 'k8s-app': cni.kind },
        container: cni.kind,
        image: `docker.io/${cni.kind}/${cni.kind}:${tag(cni.version, 'v1.0.0')}`,
      };
  }
}

/**
 * What the CNI plugin answers when it has no address left for a pod, after containerd's
 * `plugin type=… failed (add):` prefix (libcni names the plugin entry, and only the AWS
 * conflist names its entry). Sources: aws/amazon-vpc-cni-k8s#1791 and kubernetes#131071
 * (aws-cni); the Calico IPAM error as IBM Cloud's troubleshooting documents it; the
 * host-local IPAM plugin's range error (containernetworking/plugins) for the rest.
 */
export function ipamExhaustedError(kind: string, podCidr: string): string {
  switch (kind) {
    case 'aws-vpc-cni':
      return 'plugin type="aws-cni" name="aws-cni" failed (add): add cmd: failed to assign an IP address to container';
    case 'calico':
      return 'plugin type="calico" failed (add): failed to request 1 IPv4 addresses. IPAM allocated only 0';
    case 'cilium':
      return 'plugin type="cilium-cni" failed (add): unable to allocate IP via local cilium agent: [POST /ipam][502] postIpamFailure  range is full';
    default:
      return `plugin type="${kind}" failed (add): failed to allocate for range 0: no IP addresses available in range set: ${podCidr}`;
  }
}

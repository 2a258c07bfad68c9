/**
 * The control plane's static pods as kubeadm writes them into /etc/kubernetes/manifests and
 * the kubelet mirrors them into the API (`<component>-<node>` in kube-system): command
 * lines, host networking, the system-node-critical priority, and the probes kubeadm gives
 * each component (K: cmd/kubeadm/app/util/staticpod/utils.go LivenessProbe/ReadinessProbe/
 * StartupProbe: initialDelaySeconds 10, periodSeconds 10, timeoutSeconds 15,
 * failureThreshold 8; readiness every 1 s, 3 failures; startup 24 failures):
 *
 * - kube-apiserver: `/livez` (liveness, startup) and `/readyz` (readiness), HTTPS on the
 *   advertise address, port 6443.
 * - etcd: since kubeadm 1.31 `/livez` and `/readyz` on http://127.0.0.1:2381 (kubernetes
 *   PR #124465, etcd ≥ 3.5.11); from 1.25, `/health?exclude=NOSPACE&serializable=true`
 *   (liveness) and `/health?serializable=false` (startup) (PR #110744); before 1.25 plain
 *   `/health` for both, which answers 503 while any alarm is raised, NOSPACE included
 *   (etcd server/etcdserver/api/etcdhttp: `{"health":"false","reason":"ALARM NOSPACE"}`).
 * - kube-controller-manager: `/healthz`, HTTPS 127.0.0.1:10257.
 * - kube-scheduler: since kubeadm 1.32 `/livez` and `/readyz` (PR #126945), before
 *   `/healthz`, HTTPS 127.0.0.1:10259.
 *
 * The kubelet model runs them like any pod; a probe model can act on these specs.
 */
import type { KubeObject } from '../api/k8s-types.ts';
import { hexId } from './objects.ts';

export type ControlPlaneComponent = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler';
export const controlPlaneComponents: ControlPlaneComponent[] = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
];

export interface StaticPodInput {
  node: string;
  nodeUid?: string;
  ip: string;
  /** `v1.32.4`. */
  kubernetesVersion: string;
  /** `3.5.16-0`. */
  etcdVersion: string;
  /** Every etcd member, for `--initial-cluster`. */
  members: { name: string; ip: string }[];
  serviceCidr: string;
  seenAt: string;
}

/** The ports each component serves its health and metrics on (the probes' targets). */
export const componentPorts: Record<ControlPlaneComponent, number> = {
  etcd: 2381,
  'kube-apiserver': 6443,
  'kube-controller-manager': 10257,
  'kube-scheduler': 10259,
};

type Probe = Record<string, unknown>;

function httpProbe(
  kind: 'liveness' | 'readiness' | 'startup',
  host: string,
  path: string,
  port: number,
  scheme: 'HTTP' | 'HTTPS',
): Probe {
  const httpGet = { host, path, port, scheme };
  if (kind === 'readiness') return { failureThreshold: 3, httpGet, periodSeconds: 1, timeoutSeconds: 15 };
  return {
    failureThreshold: kind === 'liveness' ? 8 : 24,
    httpGet,
    initialDelaySeconds: 10,
    periodSeconds: 10,
    timeoutSeconds: 15,
  };
}

function minor(version: string): number {
  return Number(/^v?\d+\.(\d+)/.exec(version)?.[1] ?? 32);
}

/**
 * Whether kubeadm's etcd liveness and startup probes of this version fail under etcd's
 * NOSPACE alarm: before 1.25 they ask plain `/health`, so a full database gets every member
 * killed and restarted by its kubelet (kubeadm issue #2759, etcd issue #14497).
 */
export function etcdProbesFailOnNoSpace(kubernetesVersion: string): boolean {
  return minor(kubernetesVersion) < 25;
}

const pki = '/etc/kubernetes/pki';

function container(component: ControlPlaneComponent, o: StaticPodInput): Record<string, unknown> {
  const v = o.kubernetesVersion.startsWith('v') ? o.kubernetesVersion : `v${o.kubernetesVersion}`;
  switch (component) {
    case 'kube-apiserver':
      return {
        name: component,
        image: `registry.k8s.io/kube-apiserver:${v}`,
        command: [
          'kube-apiserver',
          `--advertise-address=${o.ip}`,
          '--allow-privileged=true',
          '--authorization-mode=Node,RBAC',
          `--client-ca-file=${pki}/ca.crt`,
          '--enable-admission-plugins=NodeRestriction',
          '--enable-bootstrap-token-auth=true',
          `--etcd-cafile=${pki}/etcd/ca.crt`,
          `--etcd-certfile=${pki}/apiserver-etcd-client.crt`,
          `--etcd-keyfile=${pki}/apiserver-etcd-client.key`,
          '--etcd-servers=https://127.0.0.1:2379',
          `--kubelet-client-certificate=${pki}/apiserver-kubelet-client.crt`,
          `--kubelet-client-key=${pki}/apiserver-kubelet-client.key`,
          '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
          `--proxy-client-cert-file=${pki}/front-proxy-client.crt`,
          `--proxy-client-key-file=${pki}/front-proxy-client.key`,
          '--requestheader-allowed-names=front-proxy-client',
          `--requestheader-client-ca-file=${pki}/front-proxy-ca.crt`,
          '--requestheader-extra-headers-prefix=X-Remote-Extra-',
          '--requestheader-group-headers=X-Remote-Group',
          '--requestheader-username-headers=X-Remote-User',
          '--secure-port=6443',
          '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
          `--service-account-key-file=${pki}/sa.pub`,
          `--service-account-signing-key-file=${pki}/sa.key`,
          `--service-cluster-ip-range=${o.serviceCidr}`,
          `--tls-cert-file=${pki}/apiserver.crt`,
          `--tls-private-key-file=${pki}/apiserver.key`,
        ],
        livenessProbe: httpProbe('liveness', o.ip, '/livez', 6443, 'HTTPS'),
        readinessProbe: httpProbe('readiness', o.ip, '/readyz', 6443, 'HTTPS'),
        startupProbe: httpProbe('startup', o.ip, '/livez', 6443, 'HTTPS'),
        resources: { requests: { cpu: '250m' } },
        volumeMounts: mounts(['ca-certs', '/etc/ssl/certs'], ['k8s-certs', pki]),
      };
    case 'etcd': {
      const current = minor(v) >= 31;
      const plain = etcdProbesFailOnNoSpace(v);
      return {
        name: component,
        image: `registry.k8s.io/etcd:${o.etcdVersion}`,
        command: [
          'etcd',
          `--advertise-client-urls=https://${o.ip}:2379`,
          `--cert-file=${pki}/etcd/server.crt`,
          '--client-cert-auth=true',
          '--data-dir=/var/lib/etcd',
          '--experimental-initial-corrupt-check=true',
          '--experimental-watch-progress-notify-interval=5s',
          `--initial-advertise-peer-urls=https://${o.ip}:2380`,
          `--initial-cluster=${o.members.map((m) => `${m.name}=https://${m.ip}:2380`).join(',')}`,
          `--key-file=${pki}/etcd/server.key`,
          `--listen-client-urls=https://127.0.0.1:2379,https://${o.ip}:2379`,
          '--listen-metrics-urls=http://127.0.0.1:2381',
          `--listen-peer-urls=https://${o.ip}:2380`,
          `--name=${o.node}`,
          `--peer-cert-file=${pki}/etcd/peer.crt`,
          '--peer-client-cert-auth=true',
          `--peer-key-file=${pki}/etcd/peer.key`,
          `--peer-trusted-ca-file=${pki}/etcd/ca.crt`,
          '--snapshot-count=10000',
          `--trusted-ca-file=${pki}/etcd/ca.crt`,
        ],
        livenessProbe: httpProbe(
          'liveness',
          '127.0.0.1',
          current ? '/livez' : plain ? '/health' : '/health?exclude=NOSPACE&serializable=true',
          2381,
          'HTTP',
        ),
        ...(current ? { readinessProbe: httpProbe('readiness', '127.0.0.1', '/readyz', 2381, 'HTTP') } : {}),
        startupProbe: httpProbe(
          'startup',
          '127.0.0.1',
          current ? '/readyz' : plain ? '/health' : '/health?serializable=false',
          2381,
          'HTTP',
        ),
        resources: { requests: { cpu: '100m', memory: '100Mi' } },
        volumeMounts: mounts(['etcd-data', '/var/lib/etcd'], ['etcd-certs', `${pki}/etcd`]),
      };
    }
    case 'kube-controller-manager':
      return {
        name: component,
        image: `registry.k8s.io/kube-controller-manager:${v}`,
        command: [
          'kube-controller-manager',
          '--allocate-node-cidrs=true',
          '--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf',
          '--authorization-kubeconfig=/etc/kubernetes/controller-manager.conf',
          '--bind-address=127.0.0.1',
          `--client-ca-file=${pki}/ca.crt`,
          '--cluster-cidr=10.244.0.0/16',
          '--cluster-name=kubernetes',
          `--cluster-signing-cert-file=${pki}/ca.crt`,
          `--cluster-signing-key-file=${pki}/ca.key`,
          '--controllers=*,bootstrapsigner,tokencleaner',
          '--kubeconfig=/etc/kubernetes/controller-manager.conf',
          '--leader-elect=true',
          `--requestheader-client-ca-file=${pki}/front-proxy-ca.crt`,
          `--root-ca-file=${pki}/ca.crt`,
          `--service-account-private-key-file=${pki}/sa.key`,
          `--service-cluster-ip-range=${o.serviceCidr}`,
          '--use-service-account-credentials=true',
        ],
        livenessProbe: httpProbe('liveness', '127.0.0.1', '/healthz', 10257, 'HTTPS'),
        startupProbe: httpProbe('startup', '127.0.0.1', '/healthz', 10257, 'HTTPS'),
        resources: { requests: { cpu: '200m' } },
        volumeMounts: mounts(['k8s-certs', pki], ['kubeconfig', '/etc/kubernetes/controller-manager.conf']),
      };
    case 'kube-scheduler': {
      const current = minor(v) >= 32;
      return {
        name: component,
        image: `registry.k8s.io/kube-scheduler:${v}`,
        command: [
          'kube-scheduler',
          '--authentication-kubeconfig=/etc/kubernetes/scheduler.conf',
          '--authorization-kubeconfig=/etc/kubernetes/scheduler.conf',
          '--bind-address=127.0.0.1',
          '--kubeconfig=/etc/kubernetes/scheduler.conf',
          '--leader-elect=true',
        ],
        livenessProbe: httpProbe('liveness', '127.0.0.1', current ? '/livez' : '/healthz', 10259, 'HTTPS'),
        ...(current
          ? { readinessProbe: httpProbe('readiness', '127.0.0.1', '/readyz', 10259, 'HTTPS') }
          : {}),
        startupProbe: httpProbe('startup', '127.0.0.1', current ? '/livez' : '/healthz', 10259, 'HTTPS'),
        resources: { requests: { cpu: '100m' } },
        volumeMounts: mounts(['kubeconfig', '/etc/kubernetes/scheduler.conf']),
      };
    }
  }
}

function mounts(...pairs: [string, string][]): { name: string; mountPath: string; readOnly?: boolean }[] {
  return pairs.map(([name, mountPath]) => ({
    mountPath,
    name,
    ...(name === 'etcd-data' || name === 'etcd-certs' ? {} : { readOnly: true }),
  }));
}

/** The mirror pod the kubelet creates for `component`'s manifest on `o.node`. */
export function staticPod(component: ControlPlaneComponent, o: StaticPodInput): KubeObject {
  const c = container(component, o);
  const hash = hexId(`${component}/${o.node}/${JSON.stringify(c)}`, 32);
  const annotations: Record<string, string> = {
    'kubernetes.io/config.hash': hash,
    'kubernetes.io/config.mirror': hash,
    'kubernetes.io/config.seen': o.seenAt,
    'kubernetes.io/config.source': 'file',
  };
  if (component === 'kube-apiserver')
    annotations['kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint'] = `${o.ip}:6443`;
  if (component === 'etcd')
    annotations['kubeadm.kubernetes.io/etcd.advertise-client-urls'] = `https://${o.ip}:2379`;
  return {
    metadata: {
      name: `${component}-${o.node}`,
      namespace: 'kube-system',
      labels: { component, tier: 'control-plane' },
      annotations,
      // Mirror pods are owned by their node (kubelet pod/mirror_client.go).
      ...(o.nodeUid
        ? {
            ownerReferences: [
              { apiVersion: 'v1', kind: 'Node', name: o.node, uid: o.nodeUid, controller: true },
            ],
          }
        : {}),
    },
    spec: {
      containers: [{ ...c, imagePullPolicy: 'IfNotPresent' }],
      hostNetwork: true,
      nodeName: o.node,
      priority: 2000001000,
      priorityClassName: 'system-node-critical',
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      tolerations: [{ effect: 'NoExecute', operator: 'Exists' }],
      volumes: ((c.volumeMounts as { name: string; mountPath: string }[]) ?? []).map((m) => ({
        hostPath: {
          path: m.mountPath,
          type: m.mountPath.endsWith('.conf') ? 'FileOrCreate' : 'DirectoryOrCreate',
        },
        name: m.name,
      })),
    },
  };
}

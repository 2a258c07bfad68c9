/**
 * The Event message readers on real messages, each copied from the public issue or
 * document named beside it, so the readers follow what clusters really write.
 */
import { describe, expect, it } from 'vitest';
import {
  parseCreateFailureMessage,
  parseEvictionMessage,
  parseImagePullMessage,
  parseNodePressureEvent,
  parseProbeEvent,
  parseSandboxMessage,
  parseSchedulingMessage,
  parseVolumeMessage,
  registryOf,
} from './event-messages.ts';

describe('FailedScheduling messages', () => {
  it.each([
    {
      // https://github.com/hystax/optscale/issues/568
      message:
        '0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.',
      nodesTotal: 1,
      reasons: [{ reason: 'node(s) had untolerated taint {node.kubernetes.io/unreachable: }', nodes: 1 }],
      causes: ['taints'],
      taints: ['node.kubernetes.io/unreachable'],
    },
    {
      // https://github.com/microsoft/pai/issues/5577
      message:
        "0/2 nodes are available: 1 Insufficient memory, 1 Pod is waiting for preemptible or free resource to appear: have to use at least one bad node 1/xx.xx.xx.xx when scheduling in VC default, 1 node(s) didn't match node selector.",
      nodesTotal: 2,
      reasons: [
        { reason: 'Insufficient memory', nodes: 1 },
        {
          reason:
            'Pod is waiting for preemptible or free resource to appear: have to use at least one bad node 1/xx.xx.xx.xx when scheduling in VC default',
          nodes: 1,
        },
        { reason: "node(s) didn't match node selector", nodes: 1 },
      ],
      causes: ['insufficient-resources', 'other', 'placement'],
      taints: [],
    },
    {
      // https://github.com/argoproj/argo-workflows/issues/190 (before Kubernetes 1.20)
      message:
        'No nodes are available that match all of the following predicates:: Insufficient cpu (9), Insufficient memory (15), MatchNodeSelector (18).',
      nodesTotal: undefined,
      reasons: [
        { reason: 'Insufficient cpu', nodes: 9 },
        { reason: 'Insufficient memory', nodes: 15 },
        { reason: 'MatchNodeSelector', nodes: 18 },
      ],
      causes: ['insufficient-resources', 'placement'],
      taints: [],
    },
    {
      // https://github.com/kubernetes/kubernetes/issues/85625
      message: "0/1 nodes are available: 1 node(s) had taints that the pod didn't tolerate.",
      nodesTotal: 1,
      reasons: [{ reason: "node(s) had taints that the pod didn't tolerate", nodes: 1 }],
      causes: ['taints'],
      taints: [],
    },
    {
      // The issue's own example, in the scheduler's FitError format (K:pkg/scheduler/framework/types.go).
      message:
        '0/12 nodes are available: 3 Insufficient memory, 9 node(s) had untolerated taint {node.kubernetes.io/not-ready: }.',
      nodesTotal: 12,
      reasons: [
        { reason: 'Insufficient memory', nodes: 3 },
        { reason: 'node(s) had untolerated taint {node.kubernetes.io/not-ready: }', nodes: 9 },
      ],
      causes: ['insufficient-resources', 'taints'],
      taints: ['node.kubernetes.io/not-ready'],
    },
  ])('$message', ({ message, nodesTotal, reasons, causes, taints }) => {
    const m = parseSchedulingMessage(message);
    expect(m.nodesTotal).toBe(nodesTotal);
    expect(m.reasons).toEqual(reasons);
    expect(m.causes).toEqual(causes);
    expect(m.untoleratedTaints).toEqual(taints);
  });
});

describe('image pull messages', () => {
  it.each([
    {
      // https://github.com/substratusai/runbooks/issues/42
      message:
        'Failed to pull image "docker.io/substratusai/controller-manager:v0.0.2-alpha": rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/substratusai/controller-manager:v0.0.2-alpha": failed to resolve reference "docker.io/substratusai/controller-manager:v0.0.2-alpha": docker.io/substratusai/controller-manager:v0.0.2-alpha: not found',
      image: 'docker.io/substratusai/controller-manager:v0.0.2-alpha',
      registry: 'docker.io',
      cause: 'not-found',
    },
    {
      // https://github.com/kubevela/kubevela/pull/981
      message:
        'Failed to pull image "oamdev/vela-core:0.3.1": rpc error: code = Unknown desc = Error response from daemon: manifest for oamdev/vela-core:0.3.1 not found: manifest unknown: manifest unknown',
      image: 'oamdev/vela-core:0.3.1',
      registry: 'docker.io',
      cause: 'not-found',
    },
    {
      // https://github.com/pfnet/image-pull-secrets-provisioner/issues/31
      message:
        'Failed to pull image "controller:latest": rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/library/controller:latest": failed to resolve reference "docker.io/library/controller:latest": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed',
      image: 'controller:latest',
      registry: 'docker.io',
      cause: 'unauthorized',
    },
    {
      // https://github.com/docker/docs/issues/21908
      message:
        'failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/bitnamicharts/drupal/manifests/sha256:9538e0c4fd55aa75d75f6846bc99b1ecddad3a4ffbb7cbf8d0fc8578a5c2b02f: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit',
      image: '',
      registry: '',
      cause: 'rate-limited',
    },
    {
      // https://github.com/tableau/tableau-server-in-kubernetes/issues/14
      message:
        'Failed to pull image "CENSORED": rpc error: code = Unknown desc = failed to register layer: Error processing tar file(exit status 1): write /tableau-server-CENSORED.rpm: no space left on device',
      image: 'CENSORED',
      registry: 'docker.io',
      cause: 'no-space',
    },
    {
      // https://github.com/kubernetes/kube-state-metrics/issues/1588
      message:
        'Failed to pull image "k8s.gcr.io/kube-state-metrics/kube-state-metrics:v2.2.0": rpc error: code = Unknown desc = failed to pull and unpack image "k8s.gcr.io/kube-state-metrics/kube-state-metrics:v2.2.0": failed to resolve reference "k8s.gcr.io/kube-state-metrics/kube-state-metrics:v2.2.0": failed to do request: Head https://k8s.gcr.io/v2/kube-state-metrics/kube-state-metrics/manifests/v2.2.0: dial tcp 172.217.192.82:443: connect: no route to host',
      image: 'k8s.gcr.io/kube-state-metrics/kube-state-metrics:v2.2.0',
      registry: 'k8s.gcr.io',
      cause: 'unreachable',
    },
    {
      // https://github.com/kubernetes/kubeadm/issues/2936
      message:
        'rpc error: code = Unknown desc = failed to pull and unpack image "registry.k8s.io/kube-proxy:v1.28.2": failed to resolve reference "registry.k8s.io/kube-proxy:v1.28.2": failed to do request: Head "https://registry.k8s.io/v2/kube-proxy/manifests/v1.28.2": dial tcp 34.96.108.209:443: connect: connection timed out',
      image: 'registry.k8s.io/kube-proxy:v1.28.2',
      registry: 'registry.k8s.io',
      cause: 'timeout',
    },
    {
      // https://github.com/substratusai/runbooks/issues/42
      message: 'Back-off pulling image "docker.io/substratusai/controller-manager:v0.0.2-alpha"',
      image: 'docker.io/substratusai/controller-manager:v0.0.2-alpha',
      registry: 'docker.io',
      cause: 'back-off',
    },
  ])('$cause: $message', ({ message, image, registry, cause }) => {
    expect(parseImagePullMessage(message)).toEqual({ image, registry, cause });
  });

  it.each([
    ['nginx:1.25', 'docker.io'],
    ['library/nginx', 'docker.io'],
    ['quay.io/prometheus/node-exporter:v1.8.0', 'quay.io'],
    ['localhost/app:1', 'localhost'],
    ['registry:5000/app:1', 'registry:5000'],
  ])('the registry of %s is %s', (image, registry) => {
    expect(registryOf(image)).toBe(registry);
  });
});

describe('eviction messages', () => {
  it.each([
    {
      // https://github.com/sentry-kubernetes/charts/issues/1470
      message:
        'The node was low on resource: memory. Threshold quantity: 100Mi, available: 26444Ki. Container sentry-worker was using 373428Ki, request is 0, has larger consumption of memory.',
      expected: {
        cause: 'node-pressure',
        resource: 'memory',
        threshold: '100Mi',
        available: '26444Ki',
        consumers: ['sentry-worker=373428Ki'],
      },
    },
    {
      // https://github.com/kubernetes/kubernetes/issues/91600
      message:
        'The node was low on resource: ephemeral-storage. Container calico-node was using 92Ki, which exceeds its request of 0.',
      expected: {
        cause: 'node-pressure',
        resource: 'ephemeral-storage',
        threshold: '',
        available: '',
        consumers: ['calico-node=92Ki'],
      },
    },
    {
      // https://github.com/cloud-ark/kubeplus/issues/1382
      message:
        'The node was low on resource: ephemeral-storage. Threshold quantity: 2146223340, available: 1883424Ki. Container helmer was using 10304Ki, request is 10Mi, has larger consumption of ephemeral-storage. Container consumerui was using 52676Ki, request is 10Mi, has larger consumption of ephemeral-storage.',
      expected: {
        cause: 'node-pressure',
        resource: 'ephemeral-storage',
        threshold: '2146223340',
        available: '1883424Ki',
        consumers: ['helmer=10304Ki', 'consumerui=52676Ki'],
      },
    },
  ])('$message', ({ message, expected }) => {
    expect(parseEvictionMessage(message)).toEqual(expected);
  });
});

describe('node pressure events', () => {
  it.each([
    {
      // https://github.com/kubesphere/kubeye (README, kubeye diags)
      reason: 'FreeDiskSpaceFailed',
      message:
        'failed to garbage collect required amount of images. Wanted to free 5399374233 bytes, but freed 416077545 bytes',
      expected: {
        cause: 'image-gc-failed',
        resource: '',
        process: '',
        wantedBytes: 5399374233,
        freedBytes: 416077545,
      },
    },
    {
      // https://github.com/kubesphere/kubeye (README)
      reason: 'SystemOOM',
      message: 'System OOM encountered, victim process: stress, pid: 16713',
      expected: { cause: 'system-oom', resource: '', process: 'stress' },
    },
    {
      // https://github.com/kubesphere/kubeye (README): node-problem-detector's kernel monitor
      reason: 'OOMKilling',
      message:
        'Out of memory: Kill process 16711 (stress) score 205 or sacrifice child Killed process 16711 (stress), UID 0, total-vm:826516kB, anon-rss:819296kB, file-rss:0kB, shmem-rss:0kB',
      expected: { cause: 'oom-kill', resource: '', process: 'stress' },
    },
    {
      // https://github.com/kubernetes/kubernetes/blob/master/pkg/kubelet/eviction/eviction_manager.go
      reason: 'EvictionThresholdMet',
      message: 'Attempting to reclaim memory',
      expected: { cause: 'threshold-met', resource: 'memory', process: '' },
    },
  ])('$reason', ({ reason, message, expected }) => {
    expect(parseNodePressureEvent(reason, message)).toEqual(expected);
  });
});

describe('sandbox messages', () => {
  it.each([
    {
      // https://github.com/kubernetes/kubernetes/issues/131071
      message:
        'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "40d7bc158517c6954d0e8f1ba2bbc04e376e3123ab38227d6a601b7b1bb48ccf": plugin type="aws-cni" name="aws-cni" failed (add): add cmd: failed to assign an IP address to container',
      expected: { cause: 'ip-exhausted', plugin: 'aws-cni' },
    },
    {
      // https://github.com/kubernetes-sigs/aws-load-balancer-controller/issues/803
      message:
        'Failed create pod sandbox: rpc error: code = Unknown desc = failed to set up sandbox container "9e592f5d69b3b4128f846d5975a0b34b01eb59d81bed622900d7067fb045dd79" network for pod "xxxx-74768c849b-vqv8p": NetworkPlugin cni failed to set up pod "xxxx-74768c849b-vqv8p_default" network: add cmd: failed to assign an IP address to container',
      expected: { cause: 'ip-exhausted', plugin: '' },
    },
    {
      // https://github.com/cisco-open/martian-bank-demo/issues/50 (FailedKillPod)
      message:
        'error killing pod: failed to "KillPodSandbox" for "a33e88fb-a2a9-4dbb-9996-466ca7ca5bd9" with KillPodSandboxError: "rpc error: code = Unknown desc = networkPlugin cni failed to teardown pod \\" nginx-5f47c5c8f4-hvctg_default\\" network: error getting ClusterInformation: Get \\"https://10.96.0.1:443/apis/crd.projectcalico.org/v1/clusterinformations/default\\": dial tcp 10.96.0.1:443: i/o timeout"',
      expected: { cause: 'cni-api-unreachable', plugin: '' },
    },
    {
      // https://github.com/kubernetes/kubeadm/issues/587
      message:
        'failed to "KillPodSandbox" for "9a5ea476-d946-11e7-a964-02b983f0a4db" with KillPodSandboxError: "rpc error: code = Unknown desc = NetworkPlugin cni failed to teardown pod \\"kube-dns-545bc4bfd4-djsm4_kube-system\\" network: failed to find plugin \\"portmap\\" in path [/opt/flannel/bin /opt/cni/bin]"',
      expected: { cause: 'cni-plugin-missing', plugin: '' },
    },
    {
      // https://github.com/coredns/coredns/issues/6091
      message:
        'failed to setup network for sandbox "f1f5708a3613e62a4d38161c36417538dbc3b1e46020bea2a4a7c4cca87603a0": plugin type="calico" failed (add): netplugin failed with no error message: signal: killed',
      expected: { cause: 'cni-error', plugin: 'calico' },
    },
  ])('$expected.cause: $message', ({ message, expected }) => {
    expect(parseSandboxMessage(message)).toEqual(expected);
  });
});

describe('probe events', () => {
  it.each([
    {
      // https://github.com/kubernetes/k8s.io/issues/3843
      reason: 'Unhealthy',
      message: 'Liveness probe failed: HTTP probe failed with statuscode: 500',
      expected: { probe: 'liveness', result: 'http-status', status: 500, container: '' },
    },
    {
      // https://github.com/kubernetes/k8s.io/issues/3843
      reason: 'Killing',
      message: 'Container liveness failed liveness probe, will be restarted',
      expected: { probe: 'liveness', result: 'killed', container: 'liveness' },
    },
    {
      // https://github.com/kubernetes/kubernetes/issues/48798
      reason: 'Unhealthy',
      message:
        'Readiness probe failed: Get http://172.17.0.2:8081/readiness: dial tcp 172.17.0.2:8081: getsockopt: connection refused',
      expected: { probe: 'readiness', result: 'refused', container: '' },
    },
  ])('$message', ({ reason, message, expected }) => {
    expect(parseProbeEvent(reason, message)).toEqual(expected);
  });
});

describe('volume messages', () => {
  it.each([
    {
      // https://github.com/kubernetes/kubernetes/issues/96142
      message:
        'Multi-Attach error for volume "pvc-7a81d56f-1cf9-11eb-8295-b6961e0a47ed" Volume is already exclusively attached to one node and can\'t be attached to another',
      expected: { cause: 'multi-attach', volume: 'pvc-7a81d56f-1cf9-11eb-8295-b6961e0a47ed' },
    },
    {
      // https://github.com/openshift/openshift-docs/pull/24970
      message:
        'Unable to attach or mount volumes: unmounted volumes=[sso-mysql-pvol], unattached volumes=[sso-mysql-pvol default-token-x4rzc]: timed out waiting for the condition',
      expected: { cause: 'timeout', volume: 'sso-mysql-pvol' },
    },
  ])('$expected.cause', ({ message, expected }) => {
    expect(parseVolumeMessage(message)).toEqual(expected);
  });
});

describe('FailedCreate messages', () => {
  it.each([
    {
      // https://github.com/istio/istio/issues/13840
      message:
        'Error creating: Internal error occurred: failed calling admission webhook "sidecar-injector.istio.io": Post https://istio-sidecar-injector.istio-system.svc:443/inject?timeout=30s: context deadline exceeded',
      expected: {
        cause: 'webhook',
        webhook: 'sidecar-injector.istio.io',
        webhookError: 'timeout',
        quota: '',
        resources: [],
      },
    },
    {
      // https://github.com/istio/istio/issues/13840
      message:
        'Error creating: Internal error occurred: failed calling admission webhook "sidecar-injector.istio.io": Post https://istio-sidecar-injector.istio-system.svc:443/inject?timeout=30s: net/http: request canceled (Client.Timeout exceeded while awaiting headers)',
      expected: {
        cause: 'webhook',
        webhook: 'sidecar-injector.istio.io',
        webhookError: 'timeout',
        quota: '',
        resources: [],
      },
    },
    {
      // https://github.com/kubernetes-sigs/jobset/issues/891
      message:
        'Internal error occurred: failed calling webhook "mjobset.kb.io": failed to call webhook: Post "https://jobset-webhook-service.jobset-system.svc:443/mutate-jobset-x-k8s-io-v1alpha2-jobset?timeout=10s": context deadline exceeded',
      expected: {
        cause: 'webhook',
        webhook: 'mjobset.kb.io',
        webhookError: 'timeout',
        quota: '',
        resources: [],
      },
    },
    {
      // https://github.com/uoe-eidf-cluster-users/eidf-epcc-cluster/issues/26
      message:
        'admission webhook "validation.gatekeeper.sh" denied the request: [userpodlimits] container <cudasample> has no cpu limit, please see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/',
      expected: { cause: 'webhook-denied', webhook: 'validation.gatekeeper.sh', quota: '', resources: [] },
    },
    {
      // https://github.com/openshiftio/openshift.io/issues/4668
      message:
        'Error creating: pods "jenkins-1-dr8p8" is forbidden: exceeded quota: compute-resources, requested: limits.cpu=2,limits.memory=1Gi, used: limits.cpu=2,limits.memory=1Gi, limited: limits.cpu=2,limits.memory=1Gi',
      expected: {
        cause: 'quota',
        webhook: '',
        quota: 'compute-resources',
        resources: ['limits.cpu', 'limits.memory'],
      },
    },
    {
      // https://github.com/kubernetes/website/pull/641
      message:
        'Error creating: pods "nginx-3137573019-" is forbidden: Failed quota: compute-resources: must specify limits.cpu,limits.memory,requests.cpu,requests.memory',
      expected: {
        cause: 'quota',
        webhook: '',
        quota: 'compute-resources',
        resources: ['limits.cpu', 'limits.memory', 'requests.cpu', 'requests.memory'],
      },
    },
    {
      // https://github.com/kubernetes/kubernetes/issues/112765
      message:
        'Error creating: Timeout: request did not complete within requested timeout context deadline exceeded',
      expected: { cause: 'api-timeout', webhook: '', quota: '', resources: [] },
    },
    {
      // etcd under a NOSPACE alarm (blog.zwindler.fr, 2023-11-30); the Job controller's words.
      message: 'Error creating job: etcdserver: mvcc: database space exceeded',
      expected: { cause: 'etcd', webhook: '', quota: '', resources: [] },
    },
  ])('$expected.cause: $message', ({ message, expected }) => {
    expect(parseCreateFailureMessage(message)).toEqual(expected);
  });
});

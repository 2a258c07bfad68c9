/** The Ready condition's message read for causes, on messages copied from public issues. */
import { describe, expect, it } from 'vitest';
import { readyCauses } from './ready-causes.ts';

describe('readyCauses', () => {
  it.each([
    {
      // https://github.com/nds-org/jupyter-et/issues/13
      reason: 'KubeletNotReady',
      message: 'PLEG is not healthy: pleg was last seen active 16h17m50.791825508s ago; threshold is 3m0s',
      expected: { causes: ['pleg-unhealthy'], plegLastActiveSeconds: 58671 },
    },
    {
      // https://github.com/kubernetes/kubernetes/issues/72533 (title)
      reason: 'KubeletNotReady',
      message:
        'Container runtime is down,PLEG is not healthy: pleg was last seen active 3m5.30015447s ago; threshold is 3m0s',
      expected: { causes: ['pleg-unhealthy', 'runtime-down'], plegLastActiveSeconds: 185 },
    },
    {
      // https://github.com/kubernetes/kubeadm/issues/1031
      reason: 'KubeletNotReady',
      message:
        'runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:docker: network plugin is not ready: cni config uninitialized',
      expected: { causes: ['cni-not-initialized', 'runtime-network-not-ready'] },
    },
    {
      // https://github.com/kind-ci/examples/issues/33
      reason: 'KubeletNotReady',
      message:
        'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized',
      expected: { causes: ['cni-not-initialized', 'runtime-network-not-ready'] },
    },
    {
      // https://github.com/kubesphere/kubeye (README, kubeye diags)
      reason: 'KubeletNotReady',
      message:
        'Container runtime not ready: RuntimeReady=false reason:DockerDaemonNotReady message:docker: failed to get docker version: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
      expected: { causes: ['runtime-not-ready'] },
    },
    {
      // https://github.com/kubesphere/kubeye (README): the node lifecycle controller's words
      reason: 'NodeStatusUnknown',
      message: 'Kubelet stopped posting node status.',
      expected: { causes: ['kubelet-stopped-posting'] },
    },
    {
      // K:pkg/kubelet/nodestatus/setters.go ReadyCondition (with the AppArmor note some distributions add)
      reason: 'KubeletReady',
      message: 'kubelet is posting ready status. AppArmor enabled',
      expected: { causes: ['ready'] },
    },
    {
      reason: 'SomethingElse',
      message: 'a message nobody wrote a rule for',
      expected: { causes: ['other'] },
    },
  ])('$reason: $message', ({ reason, message, expected }) => {
    expect(readyCauses(reason, message)).toEqual(expected);
  });
});

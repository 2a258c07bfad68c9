/**
 * What a container's end means. Reasons and exit codes as runtimes and the kubelet write
 * them (kubernetes.md §4), with issues that show them in the wild.
 */
import { describe, expect, it } from 'vitest';
import { terminationMeaning } from './termination-meaning.ts';

describe('terminationMeaning', () => {
  it.each([
    ['OOMKilled', 137, 'oom-killed'],
    // https://github.com/kubernetes/kubernetes/issues/19825: an OOM kill once showed as Error/137.
    ['Error', 137, 'killed'],
    ['Error', 143, 'terminated'],
    ['Error', 139, 'segfault'],
    ['Error', 1, 'error'],
    ['Completed', 0, 'completed'],
    ['StartError', 128, 'start-error'],
    // containerd after the node rebooted: the old container is gone, its end unknown.
    ['Unknown', 255, 'runtime-lost'],
    // https://github.com/apecloud/kubeblocks/issues/8027: the kubelet lost track of the container.
    ['ContainerStatusUnknown', 137, 'status-unknown'],
    ['DeadlineExceeded', undefined, 'deadline'],
    [undefined, undefined, 'unknown'],
  ])('%s / %s means %s', (reason, exitCode, meaning) => {
    expect(terminationMeaning(reason, exitCode)).toBe(meaning);
  });
});

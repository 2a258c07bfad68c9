/**
 * What a container's end means, from the reason the runtime gave and its exit code: the
 * runtime reports `OOMKilled` (exit 137) when the kernel's OOM killer ended it, `Error` for
 * any other non-zero exit, `Completed` for 0, `StartError` (128) when it never started and
 * `Unknown` (255) when it lost the container, e.g. across a node or runtime restart
 * (CTD:internal/cri/server/helpers.go; kubernetes.md §4). The kubelet writes
 * `ContainerStatusUnknown` (137) when it cannot find the container any more
 * (K:pkg/kubelet/kubelet_pods.go convertToAPIContainerStatuses). Exit codes above 128 are
 * 128 + the signal: 137 SIGKILL, 143 SIGTERM, 139 SIGSEGV.
 */

export type TerminationMeaning =
  | 'oom-killed'
  | 'killed'
  | 'terminated'
  | 'segfault'
  | 'error'
  | 'completed'
  | 'start-error'
  | 'runtime-lost'
  | 'status-unknown'
  | 'evicted'
  | 'deadline'
  | 'unknown';

export function terminationMeaning(
  reason: string | undefined,
  exitCode: number | undefined,
): TerminationMeaning {
  switch (reason) {
    case 'OOMKilled':
      return 'oom-killed';
    case 'ContainerStatusUnknown':
      return 'status-unknown';
    case 'Unknown':
      return 'runtime-lost';
    case 'Completed':
      return 'completed';
    case 'StartError':
    case 'ContainerCannotRun':
      return 'start-error';
    case 'Evicted':
      return 'evicted';
    case 'DeadlineExceeded':
      return 'deadline';
  }
  if (exitCode === undefined) return 'unknown';
  if (exitCode === 0) return 'completed';
  if (exitCode === 137) return 'killed';
  if (exitCode === 143) return 'terminated';
  if (exitCode === 139) return 'segfault';
  if (exitCode === 128) return 'start-error';
  if (exitCode === 255 && !reason) return 'runtime-lost';
  return 'error';
}

/**
 * Which family of cluster trouble an Event reason belongs to: the taxonomy the event
 * detectors read by. Kubernetes components record hundreds of reasons; the ones that say
 * something about cluster health are named here (kubelet `pkg/kubelet/events/event.go`,
 * the eviction manager, the scheduler, the node lifecycle and workload controllers, the
 * attach/detach controller, node-problem-detector), everything routine is named too so
 * that what is left is truly unknown: counted, never dropped.
 *
 * A few reasons mean different things by their message (`Failed` and `BackOff` are image
 * pulls or container starts, `Killing` is a routine stop or a liveness kill); the message's
 * first words decide, as `kubectl describe` readers do.
 */

export const eventFamilies = [
  'scheduling',
  'eviction',
  'node-pressure',
  'sandbox',
  'image',
  'container',
  'probe',
  'volume',
  'node-lifecycle',
  'controller',
  'node-problem',
  'agent',
] as const;
export type EventFamily = (typeof eventFamilies)[number];

/** A reason's place: a family worth keeping, routine (counted only), or unknown (counted only). */
export type EventClass = EventFamily | 'routine' | 'unknown';

const byReason: Record<string, EventFamily> = {
  // kube-scheduler (`FitError`), cluster-autoscaler
  FailedScheduling: 'scheduling',
  NotTriggerScaleUp: 'scheduling',
  // kubelet eviction manager; taint-eviction controller
  Evicted: 'eviction',
  TaintManagerEviction: 'eviction',
  Preempting: 'eviction',
  // kubelet node status, eviction manager, image and container GC, OOM watcher; NPD kernel monitor
  EvictionThresholdMet: 'node-pressure',
  NodeHasDiskPressure: 'node-pressure',
  NodeHasInsufficientMemory: 'node-pressure',
  NodeHasInsufficientPID: 'node-pressure',
  FreeDiskSpaceFailed: 'node-pressure',
  ImageGCFailed: 'node-pressure',
  ContainerGCFailed: 'node-pressure',
  SystemOOM: 'node-pressure',
  OOMKilling: 'node-pressure',
  // kubelet pod sandbox
  FailedCreatePodSandBox: 'sandbox',
  FailedKillPod: 'sandbox',
  FailedPodSandBoxStatus: 'sandbox',
  SandboxChanged: 'sandbox',
  NetworkNotReady: 'sandbox',
  // kubelet image manager
  ErrImagePull: 'image',
  ImagePullBackOff: 'image',
  InspectFailed: 'image',
  ErrImageNeverPull: 'image',
  InvalidImageName: 'image',
  // kubelet prober
  Unhealthy: 'probe',
  ProbeWarning: 'probe',
  // kubelet volume manager, attach/detach controller, PV controller
  FailedMount: 'volume',
  FailedAttachVolume: 'volume',
  FailedMapVolume: 'volume',
  FailedUnMount: 'volume',
  VolumeResizeFailed: 'volume',
  FailedBinding: 'volume',
  ProvisioningFailed: 'volume',
  // kubelet and node lifecycle controller
  NodeNotReady: 'node-lifecycle',
  // Kept with NodeNotReady: together they tell a Ready history to a reader who was not watching.
  NodeReady: 'node-lifecycle',
  Rebooted: 'node-lifecycle',
  RegisteredNode: 'node-lifecycle',
  RemovingNode: 'node-lifecycle',
  DeletingNode: 'node-lifecycle',
  DeletingAllPods: 'node-lifecycle',
  NodeNotSchedulable: 'node-lifecycle',
  NodeShutdown: 'node-lifecycle',
  // workload controllers
  FailedCreate: 'controller',
  FailedDelete: 'controller',
  FailedCreatePodContainer: 'controller',
  // node-problem-detector's kernel and systemd monitors
  TaskHung: 'node-problem',
  KernelOops: 'node-problem',
  UnregisterNetDevice: 'node-problem',
  KernelDeadlock: 'node-problem',
  ReadonlyFilesystem: 'node-problem',
  DockerHung: 'node-problem',
  CorruptDockerOverlay2: 'node-problem',
  FilesystemIsReadOnly: 'node-problem',
  Ext4Error: 'node-problem',
  IOError: 'node-problem',
};

/** Reasons of a cluster at work: counted, not kept. */
const routine = new Set([
  'Scheduled',
  'Pulling',
  'Pulled',
  'Created',
  'Started',
  'SuccessfulCreate',
  'SuccessfulDelete',
  'ScalingReplicaSet',
  'NodeSchedulable',
  'NodeHasSufficientMemory',
  'NodeHasNoDiskPressure',
  'NodeHasSufficientPID',
  'NodeAllocatableEnforced',
  'SuccessfulAttachVolume',
  'SuccessfulMountVolume',
  'SuccessfulDetachVolume',
  'ExternalProvisioning',
  'Provisioning',
  'ProvisioningSucceeded',
  'LeaderElection',
  'Completed',
  'SawCompletedJob',
  'SuccessfulRescale',
  'EnsuringLoadBalancer',
  'EnsuredLoadBalancer',
  'UpdatedLoadBalancer',
  'Sync',
  'CREATE',
  'UPDATE',
  'DELETE',
  'AddedInterface',
  'TriggeredScaleUp',
  'ScaleDown',
  'RELOAD',
  'Preempted',
  'Starting',
  'Killing',
  'BackOff',
  'Failed',
  'NoPods',
  'Unknown',
]);

/**
 * The family of one event, or routine/unknown. `component` is the event's source component
 * (`kubelet`, `kubetriage-agent`, `kernel-monitor`…).
 */
export function eventClass(reason: string, message: string, component: string): EventClass {
  if (component === 'kubetriage-agent') return 'agent';
  // kubelet `Failed`/`BackOff` (pkg/kubelet/images: "Failed to pull image", "Back-off pulling image";
  // pkg/kubelet/kuberuntime: "Back-off restarting failed container", "Error: …").
  if (reason === 'Failed')
    return /^(Failed to pull image|Error: (ErrImagePull|ImagePullBackOff|ErrImageNeverPull|InvalidImageName))/.test(
      message,
    )
      ? 'image'
      : 'container';
  if (reason === 'BackOff') return message.startsWith('Back-off pulling image') ? 'image' : 'container';
  // "Container x failed liveness probe, will be restarted" (pkg/kubelet/prober); else a plain stop.
  if (reason === 'Killing') return /failed (liveness|startup) probe/.test(message) ? 'probe' : 'routine';
  // The kubelet's own start is node lifecycle (a restart); kube-proxy's "Starting" is routine.
  if (reason === 'Starting') return component === 'kubelet' ? 'node-lifecycle' : 'routine';
  const family = byReason[reason];
  if (family) return family;
  if (routine.has(reason)) return 'routine';
  // node-problem-detector's monitors name themselves `kernel-monitor`, `systemd-monitor`, …
  if (component.endsWith('-monitor')) return 'node-problem';
  return 'unknown';
}

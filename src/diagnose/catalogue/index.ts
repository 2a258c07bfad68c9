/**
 * The pattern catalogue: every failure pattern kubetriage knows, one file each. Adding a
 * pattern is a file here, its table of cases beside it, and a line in this list.
 */
import { checkedCatalogue } from '../catalogue-check.ts';
import type { AnyPattern } from '../pattern.ts';
import { admissionWebhook } from './admission-webhook.ts';
import { apiNeverReached } from './api-never-reached.ts';
import { apiServerOverload } from './api-server-overload.ts';
import { appBug } from './app-bug.ts';
import { badRollout } from './bad-rollout.ts';
import { certificateExpiry } from './certificate-expiry.ts';
import { changeInduced } from './change-induced.ts';
import { clusterDns } from './cluster-dns.ts';
import { conntrack } from './conntrack.ts';
import { containerRuntime } from './container-runtime.ts';
import { controlPlaneDegraded } from './control-plane-degraded.ts';
import { controlPlaneLoop } from './control-plane-loop.ts';
import { controlPlaneUnreachable } from './control-plane-unreachable.ts';
import { credentialsRejected } from './credentials-rejected.ts';
import { dnsOverload } from './dns-overload.ts';
import { edgeTraffic } from './edge-traffic.ts';
import { kubeletThrottled } from './kubelet-throttled.ts';
import { mtuMismatch } from './mtu-mismatch.ts';
import { nodeDisk } from './node-disk.ts';
import { nodeImageRegression } from './node-image-regression.ts';
import { nodeIoSaturation } from './node-io-saturation.ts';
import { nodeMemory } from './node-memory.ts';
import { nodeNetwork } from './node-network.ts';
import { nodePids } from './node-pids.ts';
import { podIpExhaustion } from './pod-ip-exhaustion.ts';
import { podNetwork } from './pod-network.ts';
import { proxySync } from './proxy-sync.ts';
import { registryPulls } from './registry-pulls.ts';
import { scheduledJob } from './scheduled-job.ts';
import { serviceRouting } from './service-routing.ts';
import { singleNode } from './single-node.ts';
import { systemComponentLimits } from './system-component-limits.ts';
import { upgradeRegression } from './upgrade-regression.ts';
import { workloadExhaustsNode } from './workload-exhausts-node.ts';

export const catalogue: readonly AnyPattern[] = checkedCatalogue([
  controlPlaneUnreachable,
  controlPlaneDegraded,
  controlPlaneLoop,
  certificateExpiry,
  apiServerOverload,
  credentialsRejected,
  apiNeverReached,
  serviceRouting,
  proxySync,
  scheduledJob,
  nodeImageRegression,
  nodeNetwork,
  singleNode,
  clusterDns,
  nodeMemory,
  nodeDisk,
  nodePids,
  nodeIoSaturation,
  workloadExhaustsNode,
  containerRuntime,
  kubeletThrottled,
  systemComponentLimits,
  dnsOverload,
  podNetwork,
  mtuMismatch,
  podIpExhaustion,
  conntrack,
  admissionWebhook,
  edgeTraffic,
  registryPulls,
  upgradeRegression,
  changeInduced,
  appBug,
  badRollout,
]);

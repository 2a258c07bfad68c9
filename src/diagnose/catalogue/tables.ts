/** Every pattern's table of cases, for the catalogue test and the mutation check. */
import type { PatternTable } from '../cases.ts';
import { admissionWebhookCases } from './admission-webhook.cases.ts';
import { apiNeverReachedCases } from './api-never-reached.cases.ts';
import { apiServerOverloadCases } from './api-server-overload.cases.ts';
import { appBugCases } from './app-bug.cases.ts';
import { badRolloutCases } from './bad-rollout.cases.ts';
import { certificateExpiryCases } from './certificate-expiry.cases.ts';
import { changeInducedCases } from './change-induced.cases.ts';
import { clusterDnsCases } from './cluster-dns.cases.ts';
import { conntrackCases } from './conntrack.cases.ts';
import { containerRuntimeCases } from './container-runtime.cases.ts';
import { controlPlaneDegradedCases } from './control-plane-degraded.cases.ts';
import { controlPlaneLoopCases } from './control-plane-loop.cases.ts';
import { controlPlaneUnreachableCases } from './control-plane-unreachable.cases.ts';
import { credentialsRejectedCases } from './credentials-rejected.cases.ts';
import { dnsOverloadCases } from './dns-overload.cases.ts';
import { edgeTrafficCases } from './edge-traffic.cases.ts';
import { kubeletThrottledCases } from './kubelet-throttled.cases.ts';
import { mtuMismatchCases } from './mtu-mismatch.cases.ts';
import { nodeDiskCases } from './node-disk.cases.ts';
import { nodeImageRegressionCases } from './node-image-regression.cases.ts';
import { nodeIoSaturationCases } from './node-io-saturation.cases.ts';
import { nodeMemoryCases } from './node-memory.cases.ts';
import { nodeNetworkCases } from './node-network.cases.ts';
import { nodePidsCases } from './node-pids.cases.ts';
import { podIpExhaustionCases } from './pod-ip-exhaustion.cases.ts';
import { podNetworkCases } from './pod-network.cases.ts';
import { proxySyncCases } from './proxy-sync.cases.ts';
import { registryPullsCases } from './registry-pulls.cases.ts';
import { scheduledJobCases } from './scheduled-job.cases.ts';
import { serviceRoutingCases } from './service-routing.cases.ts';
import { singleNodeCases } from './single-node.cases.ts';
import { systemComponentLimitsCases } from './system-component-limits.cases.ts';
import { upgradeRegressionCases } from './upgrade-regression.cases.ts';
import { workloadExhaustsNodeCases } from './workload-exhausts-node.cases.ts';

export const tables: readonly PatternTable[] = [
  controlPlaneUnreachableCases,
  controlPlaneDegradedCases,
  certificateExpiryCases,
  apiServerOverloadCases,
  credentialsRejectedCases,
  apiNeverReachedCases,
  serviceRoutingCases,
  proxySyncCases,
  scheduledJobCases,
  nodeImageRegressionCases,
  nodeNetworkCases,
  singleNodeCases,
  clusterDnsCases,
  changeInducedCases,
  appBugCases,
  badRolloutCases,
  nodeMemoryCases,
  nodeDiskCases,
  nodePidsCases,
  nodeIoSaturationCases,
  workloadExhaustsNodeCases,
  containerRuntimeCases,
  kubeletThrottledCases,
  systemComponentLimitsCases,
  dnsOverloadCases,
  podNetworkCases,
  mtuMismatchCases,
  controlPlaneLoopCases,
  podIpExhaustionCases,
  conntrackCases,
  admissionWebhookCases,
  edgeTrafficCases,
  registryPullsCases,
  upgradeRegressionCases,
];

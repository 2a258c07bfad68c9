/**
 * The pattern catalogue: every failure pattern kubetriage knows, one file each. Adding a
 * pattern is a file here, its table of cases beside it, and a line in this list.
 */
import { checkedCatalogue } from '../catalogue-check.ts';
import type { AnyPattern } from '../pattern.ts';
import { appBug } from './app-bug.ts';
import { badRollout } from './bad-rollout.ts';
import { changeInduced } from './change-induced.ts';
import { clusterDns } from './cluster-dns.ts';
import { controlPlaneDegraded } from './control-plane-degraded.ts';
import { controlPlaneUnreachable } from './control-plane-unreachable.ts';
import { nodeImageRegression } from './node-image-regression.ts';
import { nodeNetwork } from './node-network.ts';
import { proxySync } from './proxy-sync.ts';
import { scheduledJob } from './scheduled-job.ts';
import { serviceRouting } from './service-routing.ts';
import { singleNode } from './single-node.ts';

export const catalogue: readonly AnyPattern[] = checkedCatalogue([
  controlPlaneUnreachable,
  controlPlaneDegraded,
  serviceRouting,
  proxySync,
  scheduledJob,
  nodeImageRegression,
  nodeNetwork,
  singleNode,
  clusterDns,
  changeInduced,
  appBug,
  badRollout,
]);

/**
 * From signals to ranked hypotheses: every failure pattern looks at the same signals; the
 * cluster-level hypotheses are ranked by confidence (the top one is the diagnosis, the
 * runner-up is shown beside it), and each workload's own trouble comes out separately as
 * a lower-severity finding.
 */
import type { Signal } from '../detect/signal.ts';
import { type Hypothesis, SignalIndex } from './hypothesis.ts';
import type { FailurePattern } from './pattern.ts';
import { clusterDns } from './patterns/cluster-dns.ts';
import { controlPlaneDegraded } from './patterns/control-plane-degraded.ts';
import { controlPlaneUnreachable } from './patterns/control-plane-unreachable.ts';
import { nodeNetwork } from './patterns/node-network.ts';
import { proxySync } from './patterns/proxy-sync.ts';
import { scheduledJob } from './patterns/scheduled-job.ts';
import { serviceRouting } from './patterns/service-routing.ts';
import { singleNode } from './patterns/single-node.ts';
import { workloadFindings } from './patterns/workload.ts';

export const clusterPatterns: readonly FailurePattern[] = [
  controlPlaneUnreachable,
  controlPlaneDegraded,
  serviceRouting,
  proxySync,
  scheduledJob,
  nodeNetwork,
  singleNode,
  clusterDns,
];

export interface Diagnosis {
  /** Cluster-level hypotheses, most confident first. */
  hypotheses: Hypothesis[];
  /** Single-workload findings (an app's own crash loop, a bad rollout). */
  findings: Hypothesis[];
}

export function diagnose(signals: readonly Signal[], nowMs: number): Diagnosis {
  const idx = new SignalIndex(signals);
  const hypotheses = clusterPatterns
    .map((p) => p.evaluate(idx, nowMs))
    .filter((h): h is Hypothesis => h !== undefined && h.confidence > 0.2)
    .sort((a, b) => b.confidence - a.confidence || a.pattern.localeCompare(b.pattern));
  return { hypotheses, findings: workloadFindings(idx) };
}

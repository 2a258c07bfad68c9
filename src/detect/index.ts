/**
 * The node and workload detectors, in the order their signals read best: nodes first,
 * then what runs on them, then what changed. Adding a detector is a file and a line here.
 */
import { changeEvents } from './change-events.ts';
import { crashLoops } from './crash-loops.ts';
import { ingressErrors } from './ingress-errors.ts';
import { ingressUnrouted } from './ingress-unrouted.ts';
import { nodeAgent } from './node-agent.ts';
import { nodeHeartbeat } from './node-heartbeat.ts';
import { nodeReadiness } from './node-readiness.ts';
import { periodicOnset } from './periodic-onset.ts';
import type { Detector } from './signal.ts';
import { workloadImpact } from './workload-impact.ts';
import { writesStalled } from './writes-stalled.ts';

export const nodeAndWorkloadDetectors: Detector[] = [
  nodeHeartbeat,
  writesStalled,
  nodeReadiness,
  nodeAgent,
  periodicOnset,
  crashLoops,
  workloadImpact,
  ingressErrors,
  ingressUnrouted,
  changeEvents,
];

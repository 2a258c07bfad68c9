/**
 * The detectors built on what every cluster offers without add-ons: Events read as a
 * taxonomy (scheduling, image pulls, node pressure and OOMs, sandboxes, probes, volumes,
 * node lifecycle, pod creation refused by admission), container terminations with their
 * meaning, node conditions beyond Ready, pod status freshness, and the tool's own probes
 * of public URLs, node usage from the resource metrics API when served, and admission
 * webhook calls and requests turned away under load, as the API server's own /metrics count them,
 * the admission webhooks' configurations and the certificates on the cluster's call paths. Adding one is a file plus a line here.
 * and the tool's own dry-run creates (the write path). Adding one is a file plus a line here.
 */
import { admissionInventory } from './admission-inventory.ts';
import { apiFlowControl } from './api-flowcontrol.ts';
import { certificateValidity } from './certificate-validity.ts';
import { containerTerminations } from './container-terminations.ts';
import { controlPlaneRestarts } from './control-plane-restarts.ts';
import { edgeProbe } from './edge-probe.ts';
import { eventReasons } from './event-reasons.ts';
import { imagePulls } from './image-pulls.ts';
import { nodeLifecycleEvents } from './node-lifecycle-events.ts';
import { nodePressure } from './node-pressure.ts';
import { nodeProblems } from './node-problems.ts';
import { nodeUsage } from './node-usage.ts';
import { podCreationFailures } from './pod-creation-failures.ts';
import { podStatusLag } from './pod-status-lag.ts';
import { probeFailures } from './probe-failures.ts';
import { sandboxFailures } from './sandbox-failures.ts';
import { schedulingFailures } from './scheduling-failures.ts';
import type { Detector } from './signal.ts';
import { volumeFailures } from './volume-failures.ts';
import { webhookCalls } from './webhook-calls.ts';
import { writesRefused } from './writes-refused.ts';

export const coreSourceDetectors: Detector[] = [
  nodePressure,
  nodeProblems,
  nodeUsage,
  nodeLifecycleEvents,
  podStatusLag,
  sandboxFailures,
  schedulingFailures,
  imagePulls,
  containerTerminations,
  controlPlaneRestarts,
  probeFailures,
  volumeFailures,
  podCreationFailures,
  webhookCalls,
  admissionInventory,
  certificateValidity,
  writesRefused,
  apiFlowControl,
  edgeProbe,
  eventReasons,
];

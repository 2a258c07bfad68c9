/**
 * The Pod table, after printers.go `printPod`: the STATUS column is the one people triage by
 * (CrashLoopBackOff, Init:0/1, Terminating, OOMKilled, Evicted), so its precedence rules are
 * reproduced step by step, including sidecar (restartable init) containers and the
 * `5 (2m ago)` restart cell.
 */

import type { KubeObject } from '../k8s-types.ts';
import { docs } from './descriptions.ts';
import { humanDuration } from './duration.ts';
import {
  age,
  ageColumn,
  column,
  int,
  nameColumn,
  optRec,
  type PrintedRow,
  type Printer,
  parseTime,
  rec,
  recs,
  str,
  type TableRowCondition,
} from './format.ts';

/** k8s.io/kubernetes pkg/util/node NodeUnreachablePodReason. */
const NODE_LOST = 'NodeLost';

const succeededConditions: TableRowCondition[] = [
  { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
];
const failedConditions: TableRowCondition[] = [
  { type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' },
];

/** The later of two instants, where undefined is Go's zero time (before everything). */
function later(current: number | undefined, candidate: number | undefined): number | undefined {
  if (candidate === undefined) return current;
  return current === undefined || current < candidate ? candidate : current;
}

function lastTerminationFinishedAt(status: Record<string, unknown>): number | undefined {
  return parseTime(optRec(rec(status.lastState).terminated)?.finishedAt);
}

function hasCondition(conditions: Record<string, unknown>[], type: string): boolean {
  return conditions.some((c) => c.type === type && c.status === 'True');
}

/** printers.go `isPodInitializedConditionTrue`: only the first Initialized condition counts. */
function initializedConditionTrue(conditions: Record<string, unknown>[]): boolean {
  const c = conditions.find((x) => x.type === 'Initialized');
  return c !== undefined && c.status === 'True';
}

function readinessGatesCell(spec: Record<string, unknown>, conditions: Record<string, unknown>[]): string {
  const gates = recs(spec.readinessGates);
  if (gates.length === 0) return '<none>';
  let trueConditions = 0;
  for (const gate of gates) {
    const match = conditions.find((c) => c.type === gate.conditionType);
    if (match?.status === 'True') trueConditions++;
  }
  return `${trueConditions}/${gates.length}`;
}

function printPod(pod: KubeObject, nowMs: number): PrintedRow {
  const spec = rec(pod.spec);
  const status = rec(pod.status);
  const conditions = recs(status.conditions);
  const phase = str(status.phase);

  let reason = str(status.reason) || phase;
  for (const c of conditions) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  const initSpecs = recs(spec.initContainers);
  // Sidecars are init containers with restartPolicy Always; they count as app containers.
  const restartableByName = new Map<string, boolean>();
  let totalContainers = recs(spec.containers).length;
  for (const c of initSpecs) {
    const restartable = c.restartPolicy === 'Always';
    restartableByName.set(str(c.name), restartable);
    if (restartable) totalContainers++;
  }

  let readyContainers = 0;
  let restarts = 0;
  let lastRestart: number | undefined;
  let restartableRestarts = 0;
  let lastRestartableRestart: number | undefined;

  let initializing = false;
  const initStatuses = recs(status.initContainerStatuses);
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    const count = int(c.restartCount);
    const finishedAt = lastTerminationFinishedAt(c);
    restarts += count;
    lastRestart = later(lastRestart, finishedAt);
    const restartable = restartableByName.get(str(c.name)) === true;
    if (restartable) {
      restartableRestarts += count;
      lastRestartableRestart = later(lastRestartableRestart, finishedAt);
    }

    const state = rec(c.state);
    const terminated = optRec(state.terminated);
    const waiting = optRec(state.waiting);
    if (terminated && int(terminated.exitCode) === 0) continue;
    if (restartable && c.started === true) {
      if (c.ready === true) readyContainers++;
      continue;
    }
    if (terminated) {
      // Initialization failed.
      const signal = int(terminated.signal);
      if (str(terminated.reason) !== '') reason = `Init:${str(terminated.reason)}`;
      else if (signal !== 0) reason = `Init:Signal:${signal}`;
      else reason = `Init:ExitCode:${int(terminated.exitCode)}`;
    } else if (waiting && str(waiting.reason) !== '' && waiting.reason !== 'PodInitializing') {
      reason = `Init:${str(waiting.reason)}`;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || initializedConditionTrue(conditions)) {
    // Init container restarts are history once the pod is up; sidecar restarts are not.
    restarts = restartableRestarts;
    lastRestart = lastRestartableRestart;
    let hasRunning = false;
    let errorReason = '';
    const statuses = recs(status.containerStatuses);
    // Backwards, so the first container's state wins the STATUS column.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += int(c.restartCount);
      lastRestart = later(lastRestart, lastTerminationFinishedAt(c));
      const state = rec(c.state);
      const terminated = optRec(state.terminated);
      const waiting = optRec(state.waiting);
      if (waiting && str(waiting.reason) !== '') {
        reason = str(waiting.reason);
      } else if (terminated) {
        const signal = int(terminated.signal);
        const exitCode = int(terminated.exitCode);
        if (str(terminated.reason) !== '') reason = str(terminated.reason);
        else if (signal !== 0) reason = `Signal:${signal}`;
        else reason = `ExitCode:${exitCode}`;
        if (exitCode !== 0) errorReason = reason;
      } else if (c.ready === true && optRec(state.running)) {
        hasRunning = true;
        readyContainers++;
      }
    }

    // A pod whose first container completed may still have others running.
    if (reason === 'Completed') {
      if (hasRunning && hasCondition(conditions, 'Ready')) reason = 'Running';
      else if (errorReason !== '') reason = errorReason;
      else if (hasRunning) reason = 'NotReady';
    }
  }

  const deleting = Boolean(pod.metadata.deletionTimestamp);
  if (deleting && status.reason === NODE_LOST) {
    reason = 'Unknown';
  } else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') {
    reason = 'Terminating';
  }

  const restartsCell =
    restarts !== 0 && lastRestart !== undefined
      ? `${restarts} (${humanDuration(nowMs - lastRestart)} ago)`
      : String(restarts);

  // Internal objects always carry podIPs (conversion fills it from podIP), so fall back here.
  const podIP = str(rec(recs(status.podIPs)[0]).ip) || str(status.podIP) || '<none>';
  const nodeName = str(spec.nodeName) || '<none>';
  const nominatedNodeName = str(status.nominatedNodeName) || '<none>';

  const row: PrintedRow = {
    cells: [
      str(pod.metadata.name),
      `${readyContainers}/${totalContainers}`,
      reason,
      restartsCell,
      age(pod, nowMs),
      podIP,
      nodeName,
      nominatedNodeName,
      readinessGatesCell(spec, conditions),
    ],
  };
  if (phase === 'Succeeded') row.conditions = succeededConditions.map((c) => ({ ...c }));
  if (phase === 'Failed') row.conditions = failedConditions.map((c) => ({ ...c }));
  return row;
}

export const podPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'string', 'The aggregate status of the containers in this pod.'),
    column(
      'Restarts',
      'string',
      'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    ),
    ageColumn(),
    column('IP', 'string', docs.podIP, { priority: 1 }),
    column('Node', 'string', docs.podNodeName, { priority: 1 }),
    column('Nominated Node', 'string', docs.nominatedNodeName, { priority: 1 }),
    column('Readiness Gates', 'string', docs.readinessGates, { priority: 1 }),
  ],
  print: printPod,
};

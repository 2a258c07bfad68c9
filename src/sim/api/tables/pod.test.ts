/**
 * Fixtures for the Pod table: each row is a pod state someone triages by its STATUS column,
 * with the READY, STATUS and RESTARTS cells printPod gives it.
 */

import { describe, expect, it } from 'vitest';
import { rfc3339 } from '../../../time/clock.ts';
import type { KubeObject } from '../k8s-types.ts';
import { podPrinter } from './pod.ts';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const ago = (ms: number): string => rfc3339(NOW - ms);
const MIN = 60_000;

const running = { running: { startedAt: ago(60 * MIN) } };
const ready = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  ready: true,
  started: true,
  restartCount: 0,
  state: running,
  ...extra,
});
const waiting = (name: string, reason: string, extra: Record<string, unknown> = {}) => ({
  name,
  ready: false,
  restartCount: 0,
  state: { waiting: { reason } },
  ...extra,
});
const terminated = (name: string, t: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  name,
  ready: false,
  restartCount: 0,
  state: { terminated: { exitCode: 0, ...t } },
  ...extra,
});
const lastTerminated = (minutesAgo: number, reason = 'Error') => ({
  lastState: { terminated: { exitCode: 1, reason, finishedAt: ago(minutesAgo * MIN) } },
});
const readyCondition = (status: string) => ({ type: 'Ready', status });

function pod(opts: {
  containers?: string[];
  initContainers?: { name: string; restartPolicy?: string }[];
  status?: Record<string, unknown>;
  deletionTimestamp?: string;
}): KubeObject {
  return {
    metadata: {
      name: 'web-1',
      namespace: 'default',
      creationTimestamp: ago(90 * MIN),
      ...(opts.deletionTimestamp ? { deletionTimestamp: opts.deletionTimestamp } : {}),
    },
    spec: {
      containers: (opts.containers ?? ['app']).map((name) => ({ name, image: 'nginx' })),
      ...(opts.initContainers ? { initContainers: opts.initContainers } : {}),
    },
    status: opts.status ?? {},
  };
}

describe('Pod table: READY, STATUS, RESTARTS', () => {
  it.each<[string, KubeObject, [string, string, string]]>([
    [
      'running and ready',
      pod({
        status: { phase: 'Running', conditions: [readyCondition('True')], containerStatuses: [ready('app')] },
      }),
      ['1/1', 'Running', '0'],
    ],
    ['pending with no statuses yet', pod({ status: { phase: 'Pending' } }), ['0/1', 'Pending', '0']],
    [
      'container creating',
      pod({ status: { phase: 'Pending', containerStatuses: [waiting('app', 'ContainerCreating')] } }),
      ['0/1', 'ContainerCreating', '0'],
    ],
    [
      'CrashLoopBackOff with restarts two minutes ago',
      pod({
        status: {
          phase: 'Running',
          containerStatuses: [waiting('app', 'CrashLoopBackOff', { restartCount: 5, ...lastTerminated(2) })],
        },
      }),
      ['0/1', 'CrashLoopBackOff', '5 (2m ago)'],
    ],
    [
      'restarts without a last termination time print bare',
      pod({ status: { phase: 'Running', containerStatuses: [ready('app', { restartCount: 4 })] } }),
      ['1/1', 'Running', '4'],
    ],
    [
      'ImagePullBackOff on the first container wins over the second',
      pod({
        containers: ['app', 'sidecar'],
        status: {
          phase: 'Pending',
          containerStatuses: [waiting('app', 'ImagePullBackOff'), waiting('sidecar', 'ErrImagePull')],
        },
      }),
      ['0/2', 'ImagePullBackOff', '0'],
    ],
    [
      'OOMKilled as the current state',
      pod({
        status: {
          phase: 'Running',
          containerStatuses: [terminated('app', { exitCode: 137, reason: 'OOMKilled' }, { restartCount: 3 })],
        },
      }),
      ['0/1', 'OOMKilled', '3'],
    ],
    [
      'OOMKilled in lastState while backing off shows CrashLoopBackOff',
      pod({
        status: {
          phase: 'Running',
          containerStatuses: [
            waiting('app', 'CrashLoopBackOff', { restartCount: 7, ...lastTerminated(1, 'OOMKilled') }),
          ],
        },
      }),
      ['0/1', 'CrashLoopBackOff', '7 (60s ago)'],
    ],
    [
      'terminated by signal without a reason',
      pod({
        status: { phase: 'Running', containerStatuses: [terminated('app', { exitCode: 137, signal: 9 })] },
      }),
      ['0/1', 'Signal:9', '0'],
    ],
    [
      'terminated with an exit code only',
      pod({ status: { phase: 'Running', containerStatuses: [terminated('app', { exitCode: 3 })] } }),
      ['0/1', 'ExitCode:3', '0'],
    ],
    [
      'Completed',
      pod({
        status: { phase: 'Succeeded', containerStatuses: [terminated('app', { reason: 'Completed' })] },
      }),
      ['0/1', 'Completed', '0'],
    ],
    [
      'first container completed, second running, pod Ready → Running',
      pod({
        containers: ['job', 'proxy'],
        status: {
          phase: 'Running',
          conditions: [readyCondition('True')],
          containerStatuses: [terminated('job', { reason: 'Completed' }), ready('proxy')],
        },
      }),
      ['1/2', 'Running', '0'],
    ],
    [
      'first container completed, second running, pod not Ready → NotReady',
      pod({
        containers: ['job', 'proxy'],
        status: {
          phase: 'Running',
          conditions: [readyCondition('False')],
          containerStatuses: [terminated('job', { reason: 'Completed' }), ready('proxy')],
        },
      }),
      ['1/2', 'NotReady', '0'],
    ],
    [
      'first container completed, second failed → the error',
      pod({
        containers: ['job', 'helper'],
        status: {
          phase: 'Failed',
          containerStatuses: [
            terminated('job', { reason: 'Completed' }),
            terminated('helper', { exitCode: 1, reason: 'Error' }),
          ],
        },
      }),
      ['0/2', 'Error', '0'],
    ],
    [
      'Init:0/1 while the init container runs',
      pod({
        initContainers: [{ name: 'migrate' }],
        status: {
          phase: 'Pending',
          initContainerStatuses: [{ name: 'migrate', ready: false, restartCount: 0, state: running }],
          containerStatuses: [waiting('app', 'PodInitializing')],
        },
      }),
      ['0/1', 'Init:0/1', '0'],
    ],
    [
      'Init:1/2 once the first init container exited 0',
      pod({
        initContainers: [{ name: 'a' }, { name: 'b' }],
        status: {
          phase: 'Pending',
          initContainerStatuses: [
            terminated('a', { reason: 'Completed' }),
            { name: 'b', ready: false, restartCount: 0, state: running },
          ],
        },
      }),
      ['0/1', 'Init:1/2', '0'],
    ],
    [
      'Init:CrashLoopBackOff counts init restarts',
      pod({
        initContainers: [{ name: 'migrate' }],
        status: {
          phase: 'Pending',
          initContainerStatuses: [
            waiting('migrate', 'CrashLoopBackOff', { restartCount: 4, ...lastTerminated(3) }),
          ],
          containerStatuses: [waiting('app', 'PodInitializing')],
        },
      }),
      ['0/1', 'Init:CrashLoopBackOff', '4 (3m ago)'],
    ],
    [
      'Init:Error',
      pod({
        initContainers: [{ name: 'migrate' }],
        status: {
          phase: 'Pending',
          initContainerStatuses: [terminated('migrate', { exitCode: 1, reason: 'Error' })],
        },
      }),
      ['0/1', 'Init:Error', '0'],
    ],
    [
      'Init:Signal and Init:ExitCode without a reason',
      pod({
        initContainers: [{ name: 'migrate' }],
        status: { phase: 'Pending', initContainerStatuses: [terminated('migrate', { exitCode: 2 })] },
      }),
      ['0/1', 'Init:ExitCode:2', '0'],
    ],
    [
      'Init:Signal',
      pod({
        initContainers: [{ name: 'migrate' }],
        status: {
          phase: 'Pending',
          initContainerStatuses: [terminated('migrate', { exitCode: 143, signal: 15 })],
        },
      }),
      ['0/1', 'Init:Signal:15', '0'],
    ],
    [
      'finished init containers stop counting towards restarts',
      pod({
        initContainers: [{ name: 'migrate' }],
        status: {
          phase: 'Running',
          conditions: [{ type: 'Initialized', status: 'True' }, readyCondition('True')],
          initContainerStatuses: [terminated('migrate', { reason: 'Completed' }, { restartCount: 3 })],
          containerStatuses: [ready('app')],
        },
      }),
      ['1/1', 'Running', '0'],
    ],
    [
      'sidecars count as containers and keep their restarts',
      pod({
        initContainers: [{ name: 'mesh', restartPolicy: 'Always' }],
        status: {
          phase: 'Running',
          conditions: [{ type: 'Initialized', status: 'True' }, readyCondition('True')],
          initContainerStatuses: [ready('mesh', { restartCount: 2, ...lastTerminated(5) })],
          containerStatuses: [ready('app', { restartCount: 1, ...lastTerminated(10) })],
        },
      }),
      ['2/2', 'Running', '3 (5m ago)'],
    ],
    [
      'SchedulingGated',
      pod({
        status: {
          phase: 'Pending',
          conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }],
        },
      }),
      ['0/1', 'SchedulingGated', '0'],
    ],
    [
      'Terminating while running',
      pod({
        deletionTimestamp: ago(10_000),
        status: { phase: 'Running', conditions: [readyCondition('True')], containerStatuses: [ready('app')] },
      }),
      ['1/1', 'Terminating', '0'],
    ],
    [
      'a terminal pod being deleted keeps its final status',
      pod({
        deletionTimestamp: ago(10_000),
        status: { phase: 'Succeeded', containerStatuses: [terminated('app', { reason: 'Completed' })] },
      }),
      ['0/1', 'Completed', '0'],
    ],
    [
      'NodeLost pod being deleted is Unknown',
      pod({
        deletionTimestamp: ago(10_000),
        status: { phase: 'Running', reason: 'NodeLost', containerStatuses: [ready('app')] },
      }),
      ['1/1', 'Unknown', '0'],
    ],
    [
      'evicted by the kubelet',
      pod({
        status: { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory. ' },
      }),
      ['0/1', 'Evicted', '0'],
    ],
    [
      'evicted, but a terminated container state overrides the pod reason (as on a real server)',
      pod({
        status: {
          phase: 'Failed',
          reason: 'Evicted',
          containerStatuses: [terminated('app', { exitCode: 137, reason: 'ContainerStatusUnknown' })],
        },
      }),
      ['0/1', 'ContainerStatusUnknown', '0'],
    ],
  ])('%s', (_name, obj, [readyCell, statusCell, restartsCell]) => {
    const { cells } = podPrinter.print(obj, NOW);
    expect(cells.slice(1, 4)).toEqual([readyCell, statusCell, restartsCell]);
  });
});

describe('Pod table: other cells', () => {
  it('fills name, age and the wide cells', () => {
    const obj = pod({
      status: {
        phase: 'Running',
        podIP: '10.0.0.9',
        podIPs: [{ ip: '10.0.0.9' }, { ip: 'fd00::9' }],
        nominatedNodeName: 'node-b',
        conditions: [readyCondition('True'), { type: 'example.com/gate', status: 'True' }],
        containerStatuses: [ready('app')],
      },
    });
    obj.spec = {
      ...(obj.spec as Record<string, unknown>),
      nodeName: 'node-a',
      readinessGates: [{ conditionType: 'example.com/gate' }, { conditionType: 'example.com/other' }],
    };
    expect(podPrinter.print(obj, NOW).cells).toEqual([
      'web-1',
      '1/1',
      'Running',
      '0',
      '90m',
      '10.0.0.9',
      'node-a',
      'node-b',
      '1/2',
    ]);
  });

  it.each([
    ['podIPs wins', { podIPs: [{ ip: '10.1.1.1' }], podIP: '10.9.9.9' }, '10.1.1.1'],
    ['podIP alone', { podIP: '10.9.9.9' }, '10.9.9.9'],
    ['nothing', {}, '<none>'],
  ])('IP cell: %s', (_name, status, want) => {
    expect(podPrinter.print(pod({ status }), NOW).cells.slice(5)).toEqual([
      want,
      '<none>',
      '<none>',
      '<none>',
    ]);
  });

  it.each([
    [
      'Succeeded',
      [
        {
          type: 'Completed',
          status: 'True',
          reason: 'Succeeded',
          message: 'The pod has completed successfully.',
        },
      ],
    ],
    ['Failed', [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }]],
    ['Running', undefined],
  ])('row conditions for phase %s', (phase, want) => {
    expect(podPrinter.print(pod({ status: { phase } }), NOW).conditions).toEqual(want);
  });

  it('has one column per cell, wide ones at priority 1', () => {
    const names = podPrinter.columns.map((c) => `${c.name}:${c.priority}`);
    expect(names).toEqual([
      'Name:0',
      'Ready:0',
      'Status:0',
      'Restarts:0',
      'Age:0',
      'IP:1',
      'Node:1',
      'Nominated Node:1',
      'Readiness Gates:1',
    ]);
    expect(podPrinter.print(pod({}), NOW).cells).toHaveLength(podPrinter.columns.length);
  });
});

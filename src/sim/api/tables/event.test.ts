/**
 * Fixtures for the Event table: core/v1 events as client-go's recorder writes them, new-API
 * events with only eventTime and a series, events.k8s.io/v1 field names, and the `<unknown>`
 * ages of events with no time at all.
 */

import { describe, expect, it } from 'vitest';
import { rfc3339, rfc3339Micro } from '../../../time/clock.ts';
import type { KubeObject } from '../k8s-types.ts';
import { eventPrinter } from './event.ts';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const MIN = 60_000;
const ago = (ms: number): string => rfc3339(NOW - ms);
const agoMicro = (ms: number): string => rfc3339Micro(NOW - ms);

const meta = { name: 'web-1.181f1c2a', namespace: 'default', creationTimestamp: ago(30 * MIN) };

describe('Event table', () => {
  it.each<[string, KubeObject, unknown[]]>([
    [
      'core/v1 event from the kubelet',
      {
        metadata: meta,
        involvedObject: {
          kind: 'Pod',
          name: 'web-1',
          namespace: 'default',
          fieldPath: 'spec.containers{app}',
        },
        reason: 'BackOff',
        message: 'Back-off restarting failed container app in pod web-1_default(uid)\n',
        source: { component: 'kubelet', host: 'node-1' },
        firstTimestamp: ago(30 * MIN),
        lastTimestamp: ago(2 * MIN),
        count: 12,
        type: 'Warning',
      },
      [
        '2m',
        'Warning',
        'BackOff',
        'pod/web-1',
        'spec.containers{app}',
        'kubelet, node-1',
        'Back-off restarting failed container app in pod web-1_default(uid)',
        '30m',
        12,
        'web-1.181f1c2a',
      ],
    ],
    [
      'no lastTimestamp falls back to firstTimestamp; a node event without fieldPath',
      {
        metadata: meta,
        involvedObject: { kind: 'Node', name: 'node-1', uid: 'node-1' },
        reason: 'NodeNotReady',
        message: 'Node node-1 status is now: NodeNotReady',
        source: { component: 'node-controller' },
        firstTimestamp: ago(5 * MIN),
        count: 1,
        type: 'Normal',
      },
      [
        '5m',
        'Normal',
        'NodeNotReady',
        'node/node-1',
        '',
        'node-controller',
        'Node node-1 status is now: NodeNotReady',
        '5m',
        1,
        meta.name,
      ],
    ],
    [
      'eventTime only, with a series',
      {
        metadata: meta,
        involvedObject: { kind: 'Pod', name: 'web-2' },
        reason: 'FailedScheduling',
        message: '0/3 nodes are available.',
        eventTime: agoMicro(20 * MIN),
        series: { count: 9, lastObservedTime: agoMicro(3 * MIN) },
        reportingComponent: 'default-scheduler',
        reportingInstance: 'default-scheduler-cp-1',
        type: 'Warning',
      },
      [
        '3m',
        'Warning',
        'FailedScheduling',
        'pod/web-2',
        '',
        'default-scheduler, default-scheduler-cp-1',
        '0/3 nodes are available.',
        '20m',
        9,
        meta.name,
      ],
    ],
    [
      'eventTime only, singleton: count becomes 1',
      {
        metadata: meta,
        involvedObject: { kind: 'Pod', name: 'web-3' },
        reason: 'Scheduled',
        message: 'Successfully assigned default/web-3 to node-2',
        eventTime: agoMicro(90_000),
        reportingComponent: 'default-scheduler',
        type: 'Normal',
      },
      [
        '90s',
        'Normal',
        'Scheduled',
        'pod/web-3',
        '',
        'default-scheduler',
        'Successfully assigned default/web-3 to node-2',
        '90s',
        1,
        meta.name,
      ],
    ],
    [
      'no times at all, object without a name',
      {
        metadata: meta,
        involvedObject: { kind: 'ComponentStatus' },
        reason: 'Odd',
        message: '',
        type: 'Normal',
      },
      ['<unknown>', 'Normal', 'Odd', 'componentstatus', '', '', '', '<unknown>', 1, meta.name],
    ],
    [
      'events.k8s.io/v1 field names',
      {
        metadata: meta,
        regarding: { kind: 'Deployment', name: 'web', namespace: 'default' },
        reason: 'ScalingReplicaSet',
        note: 'Scaled up replica set web-7d4b9 to 3',
        deprecatedSource: { component: 'deployment-controller' },
        deprecatedFirstTimestamp: ago(10 * MIN),
        deprecatedLastTimestamp: ago(4 * MIN),
        deprecatedCount: 2,
        reportingController: 'deployment-controller',
        type: 'Normal',
      },
      [
        '4m',
        'Normal',
        'ScalingReplicaSet',
        'deployment/web',
        '',
        'deployment-controller',
        'Scaled up replica set web-7d4b9 to 3',
        '10m',
        2,
        meta.name,
      ],
    ],
  ])('%s', (_name, obj, want) => {
    expect(eventPrinter.print(obj, NOW).cells).toEqual(want);
  });

  it('declares the kubectl get events columns', () => {
    expect(eventPrinter.columns.map((c) => `${c.name}:${c.priority}:${c.format}`)).toEqual([
      'Last Seen:0:',
      'Type:0:',
      'Reason:0:',
      'Object:0:',
      'Subobject:1:',
      'Source:1:',
      'Message:0:',
      'First Seen:1:',
      'Count:1:',
      'Name:1:name',
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { fromEventsV1, toEventsV1 } from './event-conversion.ts';
import type { KubeObject } from './k8s-types.ts';

/** A kubelet-style event as kube-apiserver serves it from core/v1. */
const kubeletCore: KubeObject = {
  kind: 'Event',
  apiVersion: 'v1',
  metadata: { name: 'web-1.17f0', namespace: 'default', uid: 'e-uid', resourceVersion: '812' },
  involvedObject: {
    kind: 'Pod',
    namespace: 'default',
    name: 'web-1',
    uid: 'pod-uid',
    apiVersion: 'v1',
    resourceVersion: '700',
    fieldPath: 'spec.containers{web}',
  },
  reason: 'BackOff',
  message: 'Back-off restarting failed container web',
  source: { component: 'kubelet', host: 'node-1' },
  firstTimestamp: '2025-01-01T00:00:00Z',
  lastTimestamp: '2025-01-01T00:05:00Z',
  count: 7,
  type: 'Warning',
  eventTime: null,
  reportingComponent: 'kubelet',
  reportingInstance: 'node-1',
};

const kubeletV1: KubeObject = {
  kind: 'Event',
  apiVersion: 'events.k8s.io/v1',
  metadata: { name: 'web-1.17f0', namespace: 'default', uid: 'e-uid', resourceVersion: '812' },
  eventTime: null,
  reportingController: 'kubelet',
  reportingInstance: 'node-1',
  reason: 'BackOff',
  regarding: {
    kind: 'Pod',
    namespace: 'default',
    name: 'web-1',
    uid: 'pod-uid',
    apiVersion: 'v1',
    resourceVersion: '700',
    fieldPath: 'spec.containers{web}',
  },
  note: 'Back-off restarting failed container web',
  type: 'Warning',
  deprecatedSource: { component: 'kubelet', host: 'node-1' },
  deprecatedFirstTimestamp: '2025-01-01T00:00:00Z',
  deprecatedLastTimestamp: '2025-01-01T00:05:00Z',
  deprecatedCount: 7,
};

/** An events.k8s.io/v1 writer (a controller using the new API): series, action, related. */
const controllerV1: KubeObject = {
  kind: 'Event',
  apiVersion: 'events.k8s.io/v1',
  metadata: { name: 'node-1.abc', namespace: 'default' },
  eventTime: '2025-01-01T00:00:00.123456Z',
  series: { count: 3, lastObservedTime: '2025-01-01T00:10:00.000001Z' },
  reportingController: 'node-controller',
  reportingInstance: 'kcm-0',
  action: 'Evict',
  reason: 'NodeNotReady',
  regarding: { kind: 'Node', name: 'node-1', uid: 'node-uid', apiVersion: 'v1' },
  related: { kind: 'Pod', namespace: 'default', name: 'web-1' },
  note: 'Node is not ready',
  type: 'Normal',
  deprecatedSource: {},
  deprecatedFirstTimestamp: null,
  deprecatedLastTimestamp: null,
};

const controllerCore: KubeObject = {
  kind: 'Event',
  apiVersion: 'v1',
  metadata: { name: 'node-1.abc', namespace: 'default' },
  involvedObject: { kind: 'Node', name: 'node-1', uid: 'node-uid', apiVersion: 'v1' },
  reason: 'NodeNotReady',
  message: 'Node is not ready',
  source: {},
  firstTimestamp: null,
  lastTimestamp: null,
  type: 'Normal',
  eventTime: '2025-01-01T00:00:00.123456Z',
  series: { count: 3, lastObservedTime: '2025-01-01T00:10:00.000001Z' },
  action: 'Evict',
  related: { kind: 'Pod', namespace: 'default', name: 'web-1' },
  reportingComponent: 'node-controller',
  reportingInstance: 'kcm-0',
};

describe('event conversion', () => {
  it.each([
    ['kubelet event', kubeletCore, kubeletV1],
    ['events.k8s.io writer', controllerCore, controllerV1],
  ])('%s: core → events.k8s.io/v1', (_name, core, v1) => {
    expect(toEventsV1(core)).toStrictEqual(v1);
  });

  it.each([
    ['kubelet event', kubeletCore, kubeletV1],
    ['events.k8s.io writer', controllerCore, controllerV1],
  ])('%s: events.k8s.io/v1 → core', (_name, core, v1) => {
    expect(fromEventsV1(v1)).toStrictEqual(core);
  });

  it.each([
    ['kubelet event', kubeletCore],
    ['events.k8s.io writer', controllerCore],
  ])('%s round-trips from core', (_name, core) => {
    expect(fromEventsV1(toEventsV1(core))).toStrictEqual(core);
  });

  it.each([
    ['kubelet event', kubeletV1],
    ['events.k8s.io writer', controllerV1],
  ])('%s round-trips from events.k8s.io/v1', (_name, v1) => {
    expect(toEventsV1(fromEventsV1(v1))).toStrictEqual(v1);
  });

  it('serves keys in Go struct order', () => {
    expect(Object.keys(toEventsV1(controllerCore))).toEqual([
      'kind',
      'apiVersion',
      'metadata',
      'eventTime',
      'series',
      'reportingController',
      'reportingInstance',
      'action',
      'reason',
      'regarding',
      'related',
      'note',
      'type',
      'deprecatedSource',
      'deprecatedFirstTimestamp',
      'deprecatedLastTimestamp',
    ]);
    expect(Object.keys(fromEventsV1(kubeletV1))).toEqual([
      'kind',
      'apiVersion',
      'metadata',
      'involvedObject',
      'reason',
      'message',
      'source',
      'firstTimestamp',
      'lastTimestamp',
      'count',
      'type',
      'eventTime',
      'reportingComponent',
      'reportingInstance',
    ]);
  });

  it.each([
    [
      'a minimal events.k8s.io/v1 body gets the core defaults',
      fromEventsV1,
      {
        metadata: { name: 'e' },
        eventTime: '2025-01-01T00:00:00.000000Z',
        reportingController: 'c',
        reportingInstance: 'i',
      },
      {
        kind: 'Event',
        apiVersion: 'v1',
        metadata: { name: 'e' },
        involvedObject: {},
        source: {},
        firstTimestamp: null,
        lastTimestamp: null,
        eventTime: '2025-01-01T00:00:00.000000Z',
        reportingComponent: 'c',
        reportingInstance: 'i',
      },
    ],
    [
      'a minimal core event gets the events.k8s.io/v1 defaults',
      toEventsV1,
      { metadata: { name: 'e' }, involvedObject: { name: 'p' }, count: 0, reportingComponent: '' },
      {
        kind: 'Event',
        apiVersion: 'events.k8s.io/v1',
        metadata: { name: 'e' },
        eventTime: null,
        regarding: { name: 'p' },
        deprecatedSource: {},
        deprecatedFirstTimestamp: null,
        deprecatedLastTimestamp: null,
      },
    ],
    [
      'unknown fields and empty strings are dropped',
      toEventsV1,
      {
        metadata: { name: 'e' },
        involvedObject: { kind: 'Pod', name: '', bogus: 'x' },
        source: { component: '', host: 'h' },
        series: { count: 0 },
        related: null,
        extra: true,
      },
      {
        kind: 'Event',
        apiVersion: 'events.k8s.io/v1',
        metadata: { name: 'e' },
        eventTime: null,
        series: { count: 0, lastObservedTime: null },
        regarding: { kind: 'Pod' },
        deprecatedSource: { host: 'h' },
        deprecatedFirstTimestamp: null,
        deprecatedLastTimestamp: null,
      },
    ],
    [
      'core series drops a zero count but keeps lastObservedTime',
      fromEventsV1,
      { metadata: { name: 'e' }, eventTime: null, series: { count: 0, lastObservedTime: null } },
      {
        kind: 'Event',
        apiVersion: 'v1',
        metadata: { name: 'e' },
        involvedObject: {},
        source: {},
        firstTimestamp: null,
        lastTimestamp: null,
        eventTime: null,
        series: { lastObservedTime: null },
        reportingComponent: '',
        reportingInstance: '',
      },
    ],
  ] as [string, (e: KubeObject) => KubeObject, KubeObject, KubeObject][])(
    '%s',
    (_name, convert, input, want) => {
      expect(convert(input)).toStrictEqual(want);
    },
  );

  it('passes metadata through and does not modify its input', () => {
    const input = structuredClone(kubeletCore);
    const out = toEventsV1(input);
    expect(out.metadata).toBe(input.metadata);
    expect(input).toStrictEqual(kubeletCore);
  });
});

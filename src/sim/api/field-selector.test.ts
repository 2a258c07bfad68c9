import { describe, expect, it } from 'vitest';
import { checkFieldsSupported, objectFields, parseFieldSelector } from './field-selector.ts';
import type { KubeObject } from './k8s-types.ts';
import { findResource, type ResourceType } from './resources.ts';
import { ApiError } from './status.ts';

function resource(group: string, plural: string): ResourceType {
  const r = findResource(group, 'v1', plural);
  if (!r) throw new Error(`no resource ${group}/${plural}`);
  return r;
}

const pods = resource('', 'pods');
const nodes = resource('', 'nodes');
const namespaces = resource('', 'namespaces');
const services = resource('', 'services');
const events = resource('', 'events');
const eventsV1 = resource('events.k8s.io', 'events');
const deployments = resource('apps', 'deployments');
const configmaps = resource('', 'configmaps');

function apiError(fn: () => void): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected an ApiError');
}

describe('parseFieldSelector', () => {
  it.each([
    ['', true, []],
    [',', true, []],
    ['=', true, []],
    ['a=b', false, [{ field: 'a', op: '=', value: 'b' }]],
    ['a==b', false, [{ field: 'a', op: '=', value: 'b' }]],
    ['a!=b', false, [{ field: 'a', op: '!=', value: 'b' }]],
    // Terms are sorted by their text, empty terms skipped.
    [
      'z=1,,a!=2',
      false,
      [
        { field: 'a', op: '!=', value: '2' },
        { field: 'z', op: '=', value: '1' },
      ],
    ],
    ['involvedObject.namespace=', false, [{ field: 'involvedObject.namespace', op: '=', value: '' }]],
    ['a=x\\,y', false, [{ field: 'a', op: '=', value: 'x,y' }]],
    ['a=x\\=y', false, [{ field: 'a', op: '=', value: 'x=y' }]],
    ['a=x\\\\', false, [{ field: 'a', op: '=', value: 'x\\' }]],
    [
      'a=\\\\,b=c',
      false,
      [
        { field: 'a', op: '=', value: '\\' },
        { field: 'b', op: '=', value: 'c' },
      ],
    ],
    // No trimming: the space belongs to the field and the value.
    ['a = b', false, [{ field: 'a ', op: '=', value: ' b' }]],
    // The first operator splits; an `=` after it must be escaped.
    ['a!=\\=b', false, [{ field: 'a', op: '!=', value: '=b' }]],
    ['=x', false, [{ field: '', op: '=', value: 'x' }]],
    ['함=수', false, [{ field: '함', op: '=', value: '수' }]],
  ] as [string, boolean, unknown[]][])('%j', (text, empty, requirements) => {
    const sel = parseFieldSelector(text);
    expect(sel.empty).toBe(empty);
    expect(sel.requirements).toEqual(requirements);
  });

  it.each([
    ['a', "invalid selector: 'a'; can't understand 'a'"],
    ['a=b,c', "invalid selector: 'a=b,c'; can't understand 'c'"],
    ['a=b=c', 'invalid field selector: unescaped character in value: 61'],
    ['a!==b', 'invalid field selector: unescaped character in value: 61'],
    ['a=\\a', 'invalid field selector: invalid escape sequence: \\a'],
    ['a=b\\', 'invalid field selector: invalid escape sequence: \\'],
  ])('%j is rejected', (text, message) => {
    const err = apiError(() => parseFieldSelector(text));
    expect(err.code).toBe(400);
    expect(err.reason).toBe('BadRequest');
    expect(err.message).toBe(message);
  });

  const fields = { 'spec.nodeName': 'n1', 'status.phase': 'Running', 'metadata.namespace': '' };
  it.each([
    ['', true],
    ['spec.nodeName=n1', true],
    ['spec.nodeName==n1', true],
    ['spec.nodeName=n2', false],
    ['spec.nodeName!=n2', true],
    ['spec.nodeName!=n1', false],
    ['spec.nodeName=n1,status.phase=Running', true],
    ['spec.nodeName=n1,status.phase!=Running', false],
    ['metadata.namespace=', true],
    ['metadata.namespace!=', false],
    // Absent fields read as "".
    ['status.podIPs=', true],
    ['status.podIPs!=', false],
    ['constructor=', true],
  ])('%j matches=%s', (text, want) => {
    expect(parseFieldSelector(text).matches(fields)).toBe(want);
  });
});

describe('objectFields', () => {
  const pod: KubeObject = {
    metadata: { name: 'p1', namespace: 'ns1' },
    spec: {
      nodeName: 'node-1',
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      serviceAccountName: 'default',
      hostNetwork: true,
    },
    status: {
      phase: 'Running',
      podIP: '10.0.0.5',
      podIPs: [{ ip: '10.0.0.5' }],
      nominatedNodeName: 'node-2',
    },
  };
  const coreEvent: KubeObject = {
    metadata: { name: 'e1', namespace: 'ns1' },
    involvedObject: {
      kind: 'Pod',
      namespace: 'ns1',
      name: 'p1',
      uid: 'u1',
      apiVersion: 'v1',
      resourceVersion: '42',
      fieldPath: 'spec.containers{app}',
    },
    reason: 'BackOff',
    source: { component: 'kubelet', host: 'node-1' },
    type: 'Warning',
    reportingComponent: 'kubelet',
    reportingInstance: 'node-1',
  };
  const eventFields = {
    'metadata.name': 'e1',
    'metadata.namespace': 'ns1',
    'involvedObject.kind': 'Pod',
    'involvedObject.namespace': 'ns1',
    'involvedObject.name': 'p1',
    'involvedObject.uid': 'u1',
    'involvedObject.apiVersion': 'v1',
    'involvedObject.resourceVersion': '42',
    'involvedObject.fieldPath': 'spec.containers{app}',
    reason: 'BackOff',
    reportingComponent: 'kubelet',
    source: 'kubelet',
    type: 'Warning',
  };

  it.each([
    [
      'a full pod',
      pods,
      pod,
      {
        'metadata.name': 'p1',
        'metadata.namespace': 'ns1',
        'spec.nodeName': 'node-1',
        'spec.host': 'node-1',
        'spec.restartPolicy': 'Always',
        'spec.schedulerName': 'default-scheduler',
        'spec.serviceAccountName': 'default',
        'spec.hostNetwork': 'true',
        'status.phase': 'Running',
        'status.podIP': '10.0.0.5',
        'status.nominatedNodeName': 'node-2',
      },
    ],
    [
      'a bare pod',
      pods,
      { metadata: { name: 'p2', namespace: 'ns1' } },
      {
        'metadata.name': 'p2',
        'metadata.namespace': 'ns1',
        'spec.nodeName': '',
        'spec.host': '',
        'spec.restartPolicy': '',
        'spec.schedulerName': '',
        'spec.serviceAccountName': '',
        'spec.hostNetwork': 'false',
        'status.phase': '',
        'status.podIP': '',
        'status.nominatedNodeName': '',
      },
    ],
    [
      'a node',
      nodes,
      { metadata: { name: 'n1' }, spec: { unschedulable: true } },
      { 'metadata.name': 'n1', 'metadata.namespace': '', 'spec.unschedulable': 'true' },
    ],
    [
      'a schedulable node',
      nodes,
      { metadata: { name: 'n1' }, spec: {} },
      { 'metadata.name': 'n1', 'metadata.namespace': '', 'spec.unschedulable': 'false' },
    ],
    [
      'a namespace',
      namespaces,
      { metadata: { name: 'ns1' }, status: { phase: 'Terminating' } },
      { 'metadata.name': 'ns1', 'metadata.namespace': '', 'status.phase': 'Terminating' },
    ],
    [
      'a service',
      services,
      { metadata: { name: 's', namespace: 'ns1' }, spec: { clusterIP: '10.96.0.10', type: 'ClusterIP' } },
      {
        'metadata.name': 's',
        'metadata.namespace': 'ns1',
        'spec.clusterIP': '10.96.0.10',
        'spec.type': 'ClusterIP',
      },
    ],
    ['a core event', events, coreEvent, eventFields],
    ['an events.k8s.io event (stored in core shape)', eventsV1, coreEvent, eventFields],
    [
      'a deployment',
      deployments,
      { metadata: { name: 'd', namespace: 'ns1' }, spec: { replicas: 3 } },
      { 'metadata.name': 'd', 'metadata.namespace': 'ns1' },
    ],
  ] as [string, ResourceType, KubeObject, Record<string, string>][])('%s', (_name, r, obj, want) => {
    expect(objectFields(r, obj)).toEqual(want);
  });

  it.each([
    ['podIP wins over podIPs', { podIP: '10.0.0.1', podIPs: [{ ip: '10.0.0.2' }] }, '10.0.0.1'],
    ['podIPs[0] when podIP is unset', { podIPs: [{ ip: 'fd00::1' }, { ip: '10.0.0.2' }] }, 'fd00::1'],
    ['empty podIPs', { podIPs: [] }, ''],
  ])('status.podIP: %s', (_name, status, want) => {
    expect(objectFields(pods, { metadata: { name: 'p' }, status })['status.podIP']).toBe(want);
  });

  it.each([
    ['source.component', { component: 'kubelet' }, 'ctrl', 'kubelet'],
    ['reportingComponent when source is empty', {}, 'ctrl', 'ctrl'],
    ['reportingComponent when source is absent', undefined, 'ctrl', 'ctrl'],
  ])('event source: %s', (_name, source, reporting, want) => {
    const ev: KubeObject = { metadata: { name: 'e' }, reportingComponent: reporting };
    if (source) ev['source'] = source;
    expect(objectFields(events, ev)['source']).toBe(want);
  });

  it('selects pods on a node end to end', () => {
    const sel = parseFieldSelector('spec.nodeName=node-1,status.phase!=Succeeded');
    expect(sel.matches(objectFields(pods, pod))).toBe(true);
    expect(sel.matches(objectFields(pods, { ...pod, spec: { nodeName: 'node-2' } }))).toBe(false);
    expect(parseFieldSelector('spec.host=node-1').matches(objectFields(pods, pod))).toBe(true);
  });
});

describe('checkFieldsSupported', () => {
  it.each([
    [pods, 'spec.nodeName=a,status.phase=Running,spec.hostNetwork=true,status.podIPs=x,spec.host=a'],
    [pods, 'metadata.name=a,metadata.namespace=b,spec.restartPolicy=Always,spec.schedulerName=s'],
    [pods, 'spec.serviceAccountName=a,status.podIP=1.2.3.4,status.nominatedNodeName=n'],
    [nodes, 'metadata.name=n1,spec.unschedulable=true'],
    [namespaces, 'metadata.name=a,status.phase=Active'],
    [services, 'spec.clusterIP=None,spec.type=ClusterIP,metadata.namespace=a,metadata.name=b'],
    [events, 'involvedObject.kind=Pod,involvedObject.name=p,involvedObject.namespace=,involvedObject.uid=u'],
    [events, 'involvedObject.apiVersion=v1,involvedObject.resourceVersion=1,involvedObject.fieldPath=f'],
    [events, 'reason=x,reportingComponent=k,source=kubelet,type=Normal,metadata.name=a,metadata.namespace=b'],
    [eventsV1, 'involvedObject.name=p,reportingComponent=k,source=kubelet,type=Warning'],
    [deployments, 'metadata.name=a,metadata.namespace=b'],
    [configmaps, ''],
  ] as [ResourceType, string][])('%s accepts %j', (r, text) => {
    expect(() => checkFieldsSupported(r, parseFieldSelector(text))).not.toThrow();
  });

  it.each([
    [pods, 'spec.containers=x', 'field label not supported: spec.containers'],
    // The first unsupported field in sorted order is the one reported.
    [pods, 'zeta=1,alpha=2', 'field label not supported: alpha'],
    [nodes, 'metadata.namespace=', 'field label not supported: metadata.namespace'],
    [namespaces, 'metadata.namespace=', 'field label not supported: metadata.namespace'],
    [services, 'spec.ports=1', 'field label not supported: spec.ports'],
    [events, 'message=x', 'field label not supported: message'],
    [eventsV1, 'regarding.name=p', 'field label not supported: regarding.name'],
    [eventsV1, 'note=x', 'field label not supported: note'],
    [pods, '=x', 'field label not supported: '],
    [
      deployments,
      'spec.replicas=1',
      '"spec.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"',
    ],
    [
      configmaps,
      'data=1',
      '"data" is not a known field selector: only "metadata.name", "metadata.namespace"',
    ],
  ] as [ResourceType, string, string][])('%s rejects %j', (r, text, message) => {
    const err = apiError(() => checkFieldsSupported(r, parseFieldSelector(text)));
    expect(err.code).toBe(400);
    expect(err.message).toBe(message);
  });
});

/**
 * Table tests for applyPatch: the exact bodies kubectl, the kubelet and controllers send, the
 * RFC 6902 / RFC 7386 appendix examples, and the errors kube-apiserver answers with.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from './k8s-types.ts';
import { applyPatch, goJsonSyntaxError } from './patch.ts';
import { ApiError } from './status.ts';

const SMP = 'application/strategic-merge-patch+json';
const MERGE = 'application/merge-patch+json';
const JSONP = 'application/json-patch+json';
const APPLY = 'application/apply-patch+yaml';

const cond = (type: string, status: string, extra: Record<string, unknown> = {}) => ({
  type,
  status,
  ...extra,
});

const node: KubeObject = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'n1', uid: 'u-n1', labels: { 'kubernetes.io/hostname': 'n1', a: 'old' } },
  spec: {
    podCIDR: '10.244.1.0/24',
    taints: [
      { key: 'k1', effect: 'NoSchedule' },
      { key: 'k2', effect: 'NoExecute' },
    ],
  },
  status: {
    conditions: [
      cond('MemoryPressure', 'False', { lastHeartbeatTime: 't0' }),
      cond('DiskPressure', 'False', { lastHeartbeatTime: 't0' }),
      cond('PIDPressure', 'False', { lastHeartbeatTime: 't0' }),
      cond('Ready', 'True', { lastHeartbeatTime: 't0', reason: 'KubeletReady' }),
    ],
    addresses: [
      { type: 'InternalIP', address: '10.0.0.1' },
      { type: 'Hostname', address: 'n1' },
    ],
  },
};

const cordoned: KubeObject = { ...node, spec: { ...(node.spec as object), unschedulable: true } };

const pod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p1', namespace: 'default', finalizers: ['a', 'b'] },
  spec: {
    containers: [
      { name: 'app', image: 'app:1', ports: [{ containerPort: 80 }] },
      { name: 'sidecar', image: 'side:1' },
    ],
  },
  status: {
    phase: 'Running',
    conditions: [cond('Ready', 'True'), cond('PodScheduled', 'True')],
    containerStatuses: [
      { name: 'app', ready: true, restartCount: 0 },
      { name: 'sidecar', ready: true, restartCount: 0 },
    ],
  },
};

const deployment: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd1', namespace: 'default' },
  spec: {
    replicas: 1,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    template: {
      metadata: { labels: { app: 'd1' } },
      spec: {
        containers: [
          {
            name: 'app',
            image: 'app:1',
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
            ],
          },
        ],
      },
    },
  },
};

interface Case {
  name: string;
  type: string;
  current: KubeObject;
  kind?: string;
  body: string | unknown;
  /** Checked with toEqual against the whole result, or a function that inspects it. */
  want: KubeObject | ((out: KubeObject) => void);
}

const specOf = (o: KubeObject) => o.spec as Record<string, unknown>;
const statusOf = (o: KubeObject) => o.status as Record<string, unknown>;

const cases: Case[] = [
  {
    name: 'kubectl cordon sets spec.unschedulable',
    type: SMP,
    current: node,
    body: '{"spec":{"unschedulable":true}}',
    want: cordoned,
  },
  {
    name: 'kubectl uncordon deletes spec.unschedulable',
    type: SMP,
    current: cordoned,
    body: '{"spec":{"unschedulable":null}}',
    want: (out) => {
      expect(Object.hasOwn(specOf(out), 'unschedulable')).toBe(false);
      expect(out).toEqual(node);
    },
  },
  {
    name: 'kubectl label node n1 a=b',
    type: SMP,
    current: node,
    body: '{"metadata":{"labels":{"a":"b"}}}',
    want: (out) => expect(out.metadata.labels).toEqual({ 'kubernetes.io/hostname': 'n1', a: 'b' }),
  },
  {
    name: 'kubectl label node n1 a-',
    type: SMP,
    current: node,
    body: '{"metadata":{"labels":{"a":null}}}',
    want: (out) => expect(out.metadata.labels).toEqual({ 'kubernetes.io/hostname': 'n1' }),
  },
  {
    name: 'kubelet node status: conditions merge by type in $setElementOrder order',
    type: SMP,
    current: node,
    body: {
      status: {
        '$setElementOrder/conditions': [
          { type: 'MemoryPressure' },
          { type: 'DiskPressure' },
          { type: 'PIDPressure' },
          { type: 'Ready' },
        ],
        conditions: [
          { type: 'MemoryPressure', lastHeartbeatTime: 't1' },
          { type: 'Ready', status: 'False', reason: 'KubeletNotReady', lastHeartbeatTime: 't1' },
        ],
      },
    },
    want: (out) =>
      expect(statusOf(out).conditions).toEqual([
        cond('MemoryPressure', 'False', { lastHeartbeatTime: 't1' }),
        cond('DiskPressure', 'False', { lastHeartbeatTime: 't0' }),
        cond('PIDPressure', 'False', { lastHeartbeatTime: 't0' }),
        cond('Ready', 'False', { lastHeartbeatTime: 't1', reason: 'KubeletNotReady' }),
      ]),
  },
  {
    name: '$setElementOrder reorders and adds node addresses merged by type',
    type: SMP,
    current: node,
    body: {
      status: {
        '$setElementOrder/addresses': [{ type: 'Hostname' }, { type: 'ExternalIP' }, { type: 'InternalIP' }],
        addresses: [{ type: 'ExternalIP', address: '1.2.3.4' }],
      },
    },
    want: (out) =>
      expect(statusOf(out).addresses).toEqual([
        { type: 'Hostname', address: 'n1' },
        { type: 'ExternalIP', address: '1.2.3.4' },
        { type: 'InternalIP', address: '10.0.0.1' },
      ]),
  },
  {
    name: 'node taints have no merge key: the list is replaced',
    type: SMP,
    current: node,
    body: '{"spec":{"taints":[{"key":"k3","effect":"NoSchedule","value":null}]}}',
    want: (out) => expect(specOf(out).taints).toEqual([{ key: 'k3', effect: 'NoSchedule' }]),
  },
  {
    name: 'pod status patch replaces containerStatuses and merges conditions by type',
    type: SMP,
    current: pod,
    body: {
      status: {
        '$setElementOrder/conditions': [{ type: 'Ready' }, { type: 'PodScheduled' }],
        conditions: [{ type: 'Ready', status: 'False' }],
        containerStatuses: [{ name: 'app', ready: false, restartCount: 1 }],
      },
    },
    want: (out) => {
      expect(statusOf(out).containerStatuses).toEqual([{ name: 'app', ready: false, restartCount: 1 }]);
      expect(statusOf(out).conditions).toEqual([cond('Ready', 'False'), cond('PodScheduled', 'True')]);
      expect(statusOf(out).phase).toBe('Running');
    },
  },
  {
    name: 'kubectl set env on a Deployment merges env by name inside containers by name',
    type: SMP,
    current: deployment,
    kind: 'Deployment',
    body: {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'app' }],
            containers: [
              {
                '$setElementOrder/env': [{ name: 'A' }, { name: 'B' }, { name: 'C' }],
                env: [
                  { name: 'B', value: 'new' },
                  { name: 'C', value: '3' },
                ],
                name: 'app',
              },
            ],
          },
        },
      },
    },
    want: (out) => {
      const c = (specOf(out).template as { spec: { containers: Record<string, unknown>[] } }).spec.containers;
      expect(c).toEqual([
        {
          name: 'app',
          image: 'app:1',
          env: [
            { name: 'A', value: '1' },
            { name: 'B', value: 'new' },
            { name: 'C', value: '3' },
          ],
        },
      ]);
    },
  },
  {
    name: '$patch: delete removes a container by name',
    type: SMP,
    current: pod,
    body: '{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}',
    want: (out) =>
      expect(specOf(out).containers).toEqual([
        { name: 'app', image: 'app:1', ports: [{ containerPort: 80 }] },
      ]),
  },
  {
    // strategicpatch orders patch items by the patch and slots server-only items in after them
    // unless the live order places them earlier, so the new container lands before `sidecar`.
    name: 'a new container is added, an existing one merged',
    type: SMP,
    current: pod,
    body: '{"spec":{"containers":[{"name":"app","image":"app:2"},{"name":"debug","image":"busybox"}]}}',
    want: (out) =>
      expect(
        (specOf(out).containers as { name: string; image: string }[]).map((c) => `${c.name}=${c.image}`),
      ).toEqual(['app=app:2', 'debug=busybox', 'sidecar=side:1']),
  },
  {
    name: '$patch: replace in a list replaces the whole list',
    type: SMP,
    current: pod,
    body: '{"spec":{"containers":[{"name":"only","image":"x"},{"$patch":"replace"}]}}',
    want: (out) => expect(specOf(out).containers).toEqual([{ name: 'only', image: 'x' }]),
  },
  {
    name: '$patch: replace on a map replaces the map',
    type: SMP,
    current: node,
    body: '{"metadata":{"labels":{"$patch":"replace","x":"y"}}}',
    want: (out) => expect(out.metadata.labels).toEqual({ x: 'y' }),
  },
  {
    name: '$patch: delete on a map empties it',
    type: SMP,
    current: node,
    body: '{"metadata":{"labels":{"$patch":"delete"}}}',
    want: (out) => expect(out.metadata.labels).toEqual({}),
  },
  {
    name: '$deleteFromPrimitiveList/finalizers removes one finalizer',
    type: SMP,
    current: pod,
    body: '{"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]}}',
    want: (out) => expect(out.metadata.finalizers).toEqual(['b']),
  },
  {
    name: '$deleteFromPrimitiveList/finalizers removing the last one drops the field',
    type: SMP,
    current: pod,
    body: '{"metadata":{"$deleteFromPrimitiveList/finalizers":["a","b"]}}',
    want: (out) => expect(Object.hasOwn(out.metadata, 'finalizers')).toBe(false),
  },
  {
    // Set semantics with the Go implementation's ordering: patch items first, then server-only.
    name: 'finalizers merge as a set',
    type: SMP,
    current: pod,
    body: '{"metadata":{"finalizers":["c","a"]}}',
    want: (out) => expect(out.metadata.finalizers).toEqual(['c', 'a', 'b']),
  },
  {
    // Items named by the patch come out in patch order.
    name: 'ownerReferences merge by uid',
    type: SMP,
    current: {
      metadata: { name: 'x', ownerReferences: [{ apiVersion: 'v1', kind: 'A', name: 'a', uid: '1' }] },
    },
    body: '{"metadata":{"ownerReferences":[{"apiVersion":"v1","kind":"B","name":"b","uid":"2"},{"uid":"1","controller":true}]}}',
    want: (out) =>
      expect(out.metadata.ownerReferences).toEqual([
        { apiVersion: 'v1', kind: 'B', name: 'b', uid: '2' },
        { apiVersion: 'v1', kind: 'A', name: 'a', uid: '1', controller: true },
      ]),
  },
  {
    name: '$retainKeys clears the other members of a Deployment strategy',
    type: SMP,
    current: deployment,
    kind: 'Deployment',
    body: '{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}',
    want: (out) => expect(specOf(out).strategy).toEqual({ type: 'Recreate' }),
  },
  {
    name: 'Service ports merge by port',
    type: SMP,
    kind: 'Service',
    current: {
      metadata: { name: 's' },
      spec: {
        ports: [
          { port: 80, targetPort: 8080 },
          { port: 443, targetPort: 8443 },
        ],
      },
    },
    body: '{"spec":{"ports":[{"port":443,"targetPort":9443}]}}',
    want: (out) =>
      expect(specOf(out).ports).toEqual([
        { port: 80, targetPort: 8080 },
        { port: 443, targetPort: 9443 },
      ]),
  },
  {
    name: 'PodDisruptionBudget spec.selector is replaced, not merged',
    type: SMP,
    kind: 'PodDisruptionBudget',
    current: { metadata: { name: 'pdb' }, spec: { minAvailable: 1, selector: { matchLabels: { a: '1' } } } },
    body: '{"spec":{"selector":{"matchExpressions":[{"key":"b","operator":"Exists"}]}}}',
    want: (out) =>
      expect(specOf(out)).toEqual({
        minAvailable: 1,
        selector: { matchExpressions: [{ key: 'b', operator: 'Exists' }] },
      }),
  },
  {
    name: 'untagged lists of other kinds are replaced (Endpoints subsets)',
    type: SMP,
    kind: 'Endpoints',
    current: { metadata: { name: 'e' }, subsets: [{ addresses: [{ ip: '1.1.1.1' }] }] },
    body: '{"subsets":[{"addresses":[{"ip":"2.2.2.2"}]}]}',
    want: { metadata: { name: 'e' }, subsets: [{ addresses: [{ ip: '2.2.2.2' }] }] },
  },
  {
    name: 'a __proto__ key stays an ordinary label and pollutes nothing',
    type: SMP,
    current: node,
    body: '{"metadata":{"labels":{"__proto__":{"polluted":"yes"}}}}',
    want: (out) => {
      const labels = out.metadata.labels as Record<string, unknown>;
      expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
      expect(Object.hasOwn(labels, '__proto__')).toBe(true);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  },
  {
    name: 'kubelet heartbeat with an unchanged, empty condition list',
    type: SMP,
    current: { metadata: { name: 'n2' }, status: { conditions: [] } },
    body: '{"status":{"$setElementOrder/conditions":[{"type":"Ready"}]}}',
    want: { metadata: { name: 'n2' }, status: { conditions: [] } },
  },
  {
    name: 'a null strategic merge body changes nothing',
    type: SMP,
    current: node,
    body: 'null',
    want: node,
  },
  {
    name: 'server-side apply merges the applied configuration',
    type: APPLY,
    kind: 'Deployment',
    current: deployment,
    body: [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: d1',
      '  labels: {team: x}',
      'spec:',
      '  replicas: 3',
      '  template:',
      '    spec:',
      '      containers:',
      '      - name: app',
      '        image: app:2',
    ].join('\n'),
    want: (out) => {
      expect(out.metadata.labels).toEqual({ team: 'x' });
      expect(specOf(out).replicas).toBe(3);
      const c = (specOf(out).template as { spec: { containers: Record<string, unknown>[] } }).spec.containers;
      expect(c[0]).toMatchObject({ name: 'app', image: 'app:2', env: [{ name: 'A' }, { name: 'B' }] });
    },
  },
  {
    name: 'server-side apply of a new object fills the skeleton',
    type: APPLY,
    kind: 'ConfigMap',
    current: { metadata: { name: 'cm' } },
    body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm"},"data":{"on":"yes"}}',
    want: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { on: 'yes' } },
  },
  {
    name: 'kubectl scale-style merge patch',
    type: MERGE,
    current: deployment,
    body: '{"spec":{"replicas":3}}',
    want: (out) => {
      expect(specOf(out).replicas).toBe(3);
      expect(specOf(out).strategy).toEqual(specOf(deployment).strategy);
    },
  },
  {
    name: 'merge patch replaces lists wholesale and ignores charset parameters',
    type: `${MERGE}; charset=utf-8`,
    current: pod,
    body: '{"spec":{"containers":[{"name":"app","image":"app:2"}]}}',
    want: (out) => expect(specOf(out).containers).toEqual([{ name: 'app', image: 'app:2' }]),
  },
  {
    name: 'RFC 7386 section 3 example',
    type: MERGE,
    current: {
      metadata: {},
      title: 'Goodbye!',
      author: { givenName: 'John', familyName: 'Doe' },
      tags: ['example', 'sample'],
      content: 'This will be unchanged',
    },
    body: '{"title":"Hello!","phoneNumber":"+01-123-456-7890","author":{"familyName":null},"tags":["example"]}',
    want: {
      metadata: {},
      title: 'Hello!',
      author: { givenName: 'John' },
      tags: ['example'],
      content: 'This will be unchanged',
      phoneNumber: '+01-123-456-7890',
    },
  },
  {
    name: 'JSON patch with escaped pointer tokens',
    type: JSONP,
    current: node,
    body: '[{"op":"add","path":"/metadata/labels/example.com~1role","value":"x"},{"op":"remove","path":"/metadata/labels/a"}]',
    want: (out) =>
      expect(out.metadata.labels).toEqual({ 'kubernetes.io/hostname': 'n1', 'example.com/role': 'x' }),
  },
  {
    name: 'JSON patch append with "-" and remove with a negative index (json-patch.v4 extension)',
    type: JSONP,
    current: node,
    body: '[{"op":"add","path":"/spec/taints/-","value":{"key":"k3"}},{"op":"remove","path":"/spec/taints/-3"}]',
    want: (out) => expect(specOf(out).taints).toEqual([{ key: 'k2', effect: 'NoExecute' }, { key: 'k3' }]),
  },
  {
    name: 'JSON patch replace of a missing member adds it, as json-patch.v4 does',
    type: JSONP,
    current: node,
    body: '[{"op":"replace","path":"/spec/unschedulable","value":true}]',
    want: cordoned,
  },
  {
    name: 'JSON patch null body is an empty patch',
    type: JSONP,
    current: node,
    body: 'null',
    want: node,
  },
];

describe('applyPatch', () => {
  it.each(cases)('$name', ({ type, current, kind, body, want }) => {
    const before = structuredClone(current);
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const out = applyPatch(type, current, text, kind ?? current.kind ?? 'Node');
    expect(current).toEqual(before);
    expect(out).not.toBe(current);
    if (typeof want === 'function') want(out);
    else expect(out).toEqual(want);
  });
});

// RFC 6902 appendix A; every document also carries the metadata a KubeObject needs.
const rfc6902: [string, Record<string, unknown>, unknown[], Record<string, unknown> | 'error'][] = [
  [
    'A.1 add an object member',
    { foo: 'bar' },
    [{ op: 'add', path: '/baz', value: 'qux' }],
    { baz: 'qux', foo: 'bar' },
  ],
  [
    'A.2 add an array element',
    { foo: ['bar', 'baz'] },
    [{ op: 'add', path: '/foo/1', value: 'qux' }],
    { foo: ['bar', 'qux', 'baz'] },
  ],
  [
    'A.3 remove an object member',
    { baz: 'qux', foo: 'bar' },
    [{ op: 'remove', path: '/baz' }],
    { foo: 'bar' },
  ],
  [
    'A.4 remove an array element',
    { foo: ['bar', 'qux', 'baz'] },
    [{ op: 'remove', path: '/foo/1' }],
    { foo: ['bar', 'baz'] },
  ],
  [
    'A.5 replace a value',
    { baz: 'qux', foo: 'bar' },
    [{ op: 'replace', path: '/baz', value: 'boo' }],
    { baz: 'boo', foo: 'bar' },
  ],
  [
    'A.6 move a value',
    { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
    [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
    { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
  ],
  [
    'A.7 move an array element',
    { foo: ['all', 'grass', 'cows', 'eat'] },
    [{ op: 'move', from: '/foo/1', path: '/foo/3' }],
    { foo: ['all', 'cows', 'eat', 'grass'] },
  ],
  [
    'A.8 test a value: success',
    { baz: 'qux', foo: ['a', 2, 'c'] },
    [
      { op: 'test', path: '/baz', value: 'qux' },
      { op: 'test', path: '/foo/1', value: 2 },
    ],
    { baz: 'qux', foo: ['a', 2, 'c'] },
  ],
  ['A.9 test a value: error', { baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }], 'error'],
  [
    'A.10 add a nested member object',
    { foo: 'bar' },
    [{ op: 'add', path: '/child', value: { grandchild: {} } }],
    { foo: 'bar', child: { grandchild: {} } },
  ],
  [
    'A.11 ignore unrecognized elements',
    { foo: 'bar' },
    [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }],
    { foo: 'bar', baz: 'qux' },
  ],
  [
    'A.12 add to a nonexistent target',
    { foo: 'bar' },
    [{ op: 'add', path: '/baz/bat', value: 'qux' }],
    'error',
  ],
  [
    'A.14 ~ escape ordering',
    { '/': 9, '~1': 10 },
    [{ op: 'test', path: '/~01', value: 10 }],
    { '/': 9, '~1': 10 },
  ],
  [
    'A.15 comparing strings and numbers',
    { '/': 9, '~1': 10 },
    [{ op: 'test', path: '/~01', value: '10' }],
    'error',
  ],
  [
    'A.16 add an array value',
    { foo: ['bar'] },
    [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }],
    { foo: ['bar', ['abc', 'def']] },
  ],
  ['remove of a missing member', { foo: 'bar' }, [{ op: 'remove', path: '/baz' }], 'error'],
  ['replace past the end of an array', { foo: [1] }, [{ op: 'replace', path: '/foo/1', value: 2 }], 'error'],
  ['add past the end of an array', { foo: [1] }, [{ op: 'add', path: '/foo/2', value: 2 }], 'error'],
  ['copy from a missing member', { foo: 1 }, [{ op: 'copy', from: '/bar', path: '/baz' }], 'error'],
  ['unknown op', { foo: 1 }, [{ op: 'frobnicate', path: '/foo' }], 'error'],
  ['copy', { foo: { a: 1 } }, [{ op: 'copy', from: '/foo', path: '/bar' }], { foo: { a: 1 }, bar: { a: 1 } }],
];

describe('applyPatch json-patch (RFC 6902 appendix A)', () => {
  it.each(rfc6902)('%s', (_name, doc, ops, want) => {
    const current = { metadata: {}, ...doc } as KubeObject;
    const run = () => applyPatch(JSONP, current, JSON.stringify(ops), 'ConfigMap');
    if (want === 'error') {
      // kube-apiserver wraps every jsonpatch apply error in this generic 422 (handlers/patch.go).
      expect(thrown(run)).toMatchObject({
        code: 422,
        reason: 'Invalid',
        message: 'the server rejected our request due to an error in our request',
        details: {},
      });
    } else {
      expect(run()).toEqual({ metadata: {}, ...want });
    }
  });

  it('A.13 duplicate "op" members: the last one wins, as Go decoding does', () => {
    const body = '[{ "op": "add", "path": "/baz", "value": "qux", "op": "remove" }]';
    expect(thrown(() => applyPatch(JSONP, { metadata: {}, foo: 'bar' }, body, 'ConfigMap')).code).toBe(422);
  });
});

// RFC 7386 appendix A, restricted to object targets (a Kubernetes object always is one).
const rfc7386: [Record<string, unknown>, string, Record<string, unknown>][] = [
  [{ a: 'b' }, '{"a":"c"}', { a: 'c' }],
  [{ a: 'b' }, '{"b":"c"}', { a: 'b', b: 'c' }],
  [{ a: 'b' }, '{"a":null}', {}],
  [{ a: 'b', b: 'c' }, '{"a":null}', { b: 'c' }],
  [{ a: ['b'] }, '{"a":"c"}', { a: 'c' }],
  [{ a: 'c' }, '{"a":["b"]}', { a: ['b'] }],
  [{ a: { b: 'c' } }, '{"a":{"b":"d","c":null}}', { a: { b: 'd' } }],
  [{ a: [{ b: 'c' }] }, '{"a":[1]}', { a: [1] }],
  [{ e: null }, '{"a":1}', { e: null, a: 1 }],
  [{ a: 'x' }, '{"a":{"bb":{"ccc":null}}}', { a: { bb: {} } }],
];

describe('applyPatch merge-patch (RFC 7386 appendix A)', () => {
  it.each(rfc7386)('%j + %s', (doc, body, want) => {
    expect(applyPatch(MERGE, { metadata: {}, ...doc } as KubeObject, body, 'ConfigMap')).toEqual({
      metadata: {},
      ...want,
    });
  });
});

function thrown(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError');
}

const ACCEPTED =
  'the body of the request was in an unknown format - accepted media types include: ' +
  'application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml';

const errorCases: [
  string,
  string,
  string,
  KubeObject,
  { code: number; reason: string; message: string | RegExp },
][] = [
  ['missing content type', '', '{}', node, { code: 415, reason: 'UnsupportedMediaType', message: ACCEPTED }],
  [
    'plain JSON',
    'application/json',
    '{}',
    node,
    { code: 415, reason: 'UnsupportedMediaType', message: ACCEPTED },
  ],
  // patch.go compares the media type exactly.
  [
    'upper-case type',
    'Application/Merge-Patch+JSON',
    '{}',
    node,
    { code: 415, reason: 'UnsupportedMediaType', message: ACCEPTED },
  ],
  [
    'SMP truncated',
    SMP,
    '{"spec":',
    node,
    { code: 400, reason: 'BadRequest', message: 'unexpected end of JSON input' },
  ],
  [
    'SMP trailing comma',
    SMP,
    '{"a":1,}',
    node,
    {
      code: 400,
      reason: 'BadRequest',
      message: "invalid character '}' looking for beginning of object key string",
    },
  ],
  [
    'SMP array body',
    SMP,
    '[1]',
    node,
    {
      code: 400,
      reason: 'BadRequest',
      message: 'json: cannot unmarshal array into Go value of type map[string]interface {}',
    },
  ],
  [
    'SMP $patch: merge on a map',
    SMP,
    '{"metadata":{"labels":{"$patch":"merge","a":"b"}}}',
    node,
    { code: 500, reason: '', message: 'unknown patch type: merge in map: map[$patch:merge a:b]' },
  ],
  [
    'SMP $patch: merge in a list',
    SMP,
    '{"spec":{"containers":[{"name":"app","$patch":"merge"}]}}',
    pod,
    { code: 500, reason: '', message: 'merging lists cannot yet be specified in the patch' },
  ],
  [
    'SMP list item without its merge key',
    SMP,
    '{"spec":{"containers":[{"image":"x"}]}}',
    pod,
    { code: 500, reason: '', message: 'map: map[image:x] does not contain declared merge key: name' },
  ],
  [
    'SMP malformed $setElementOrder key',
    SMP,
    '{"status":{"$setElementOrderconditions":[]}}',
    node,
    { code: 400, reason: 'BadRequest', message: 'invalid patch format of setElementOrder list' },
  ],
  [
    'SMP malformed $deleteFromPrimitiveList key',
    SMP,
    '{"metadata":{"$deleteFromPrimitiveListfinalizers":["a"]}}',
    pod,
    { code: 400, reason: 'BadRequest', message: 'invalid patch format of primitive list' },
  ],
  [
    'SMP $retainKeys that omits a patched key',
    SMP,
    '{"spec":{"$retainKeys":["type"],"type":"Recreate","paused":true}}',
    deployment,
    { code: 400, reason: 'BadRequest', message: 'invalid patch format of retainKeys' },
  ],
  [
    'SMP patch list out of $setElementOrder order',
    SMP,
    '{"status":{"$setElementOrder/conditions":[{"type":"Ready"}],"conditions":[{"type":"DiskPressure"}]}}',
    node,
    { code: 500, reason: '', message: /^The order in patch list:\n/ },
  ],
  [
    'SMP list of lists in a merge list',
    SMP,
    '{"metadata":{"finalizers":[["x"]]}}',
    { metadata: { name: 'x', finalizers: [] } },
    {
      code: 422,
      reason: 'Invalid',
      message: 'the server rejected our request due to an error in our request',
    },
  ],
  [
    'merge patch not JSON',
    MERGE,
    '{nope',
    node,
    { code: 400, reason: 'BadRequest', message: 'Invalid JSON Patch' },
  ],
  [
    'merge patch null',
    MERGE,
    'null',
    node,
    { code: 400, reason: 'BadRequest', message: 'Invalid JSON Patch' },
  ],
  [
    'merge patch string',
    MERGE,
    '"x"',
    node,
    { code: 400, reason: 'BadRequest', message: 'Invalid JSON Patch' },
  ],
  [
    'merge patch array: the typed decode fails',
    MERGE,
    '[1]',
    node,
    {
      code: 422,
      reason: 'Invalid',
      message: /^ "" is invalid: patch: Invalid value: "\[1\]": json: cannot unmarshal array/,
    },
  ],
  [
    'JSON patch not JSON',
    JSONP,
    '[{"op":}',
    node,
    { code: 400, reason: 'BadRequest', message: "invalid character '}' looking for beginning of value" },
  ],
  [
    'JSON patch object body',
    JSONP,
    '{"op":"add"}',
    node,
    {
      code: 400,
      reason: 'BadRequest',
      message: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
    },
  ],
  [
    'JSON patch non-object operation',
    JSONP,
    '[1]',
    node,
    {
      code: 400,
      reason: 'BadRequest',
      message: 'json: cannot unmarshal number into Go value of type jsonpatch.Operation',
    },
  ],
  [
    'JSON patch turning metadata into a string',
    JSONP,
    '[{"op":"replace","path":"/metadata","value":"x"}]',
    node,
    { code: 422, reason: 'Invalid', message: /Go struct field Node\.metadata of type v1\.ObjectMeta$/ },
  ],
  [
    'apply YAML that does not parse',
    APPLY,
    'a: b: c',
    node,
    {
      code: 400,
      reason: 'BadRequest',
      message: /^error decoding YAML: error converting YAML to JSON: yaml: line 1: /,
    },
  ],
  [
    'apply YAML that is a list',
    APPLY,
    '- a\n- b',
    node,
    {
      code: 400,
      reason: 'BadRequest',
      message:
        'error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}',
    },
  ],
];

describe('applyPatch errors', () => {
  it.each(errorCases)('%s', (_name, type, body, current, want) => {
    const err = thrown(() => applyPatch(type, current, body, current.kind ?? 'ConfigMap'));
    expect(err.code).toBe(want.code);
    expect(err.reason).toBe(want.reason);
    if (typeof want.message === 'string') expect(err.message).toBe(want.message);
    else expect(err.message).toMatch(want.message);
  });

  it('keeps the json-patch library explanation as the cause of the generic 422', () => {
    const err = thrown(() =>
      applyPatch(JSONP, node, '[{"op":"test","path":"/spec/podCIDR","value":"x"}]', 'Node'),
    );
    expect((err.cause as Error).message).toBe('testing value /spec/podCIDR failed: test failed');
  });
});

describe('goJsonSyntaxError (encoding/json scanner wording)', () => {
  it.each([
    ['', 'unexpected end of JSON input'],
    ['{', 'unexpected end of JSON input'],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b":2}', `invalid character '"' after object key:value pair`],
    ['[1 2]', "invalid character '2' after array element"],
    ['[1,]', "invalid character ']' looking for beginning of value"],
    ['[01]', "invalid character '1' after array element"],
    ['nulx', "invalid character 'x' in literal null (expecting 'l')"],
    ['tru', 'unexpected end of JSON input'],
    ['{} x', "invalid character 'x' after top-level value"],
    ['-x', "invalid character 'x' in numeric literal"],
    ['1.x', "invalid character 'x' after decimal point in numeric literal"],
    ['1ex', "invalid character 'x' in exponent of numeric literal"],
    ['"a\nb"', "invalid character '\\n' in string literal"],
    ['"\u0001"', "invalid character '\\x01' in string literal"],
    ['"\\q"', "invalid character 'q' in string escape code"],
    ['"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"],
    ["{'a':1}", "invalid character '\\'' looking for beginning of object key string"],
    ['é', "invalid character 'Ã' looking for beginning of value"],
    ['{"a":[1,-2.5e+3,true,false,null,"\\u00e9"]}', undefined],
    [' [ ] ', undefined],
  ])('%j', (text, want) => {
    expect(goJsonSyntaxError(text)).toBe(want);
  });
});

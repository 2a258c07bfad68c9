import { describe, expect, it } from 'vitest';
import type { KubeObject, WatchedResource } from '../kube/observations.ts';
import { trimObject } from '../kube/trim.ts';
import { ClusterView } from './cluster-view.ts';
import { diffObject, templateImages } from './transitions.ts';

const at = Date.UTC(2024, 0, 15, 12, 0, 0);

function deployment(o: { image?: string; replicas?: number; ready?: number; revision?: string }): KubeObject {
  return trimObject('deployments', {
    metadata: {
      name: 'web',
      namespace: 'shop',
      annotations: o.revision ? { 'deployment.kubernetes.io/revision': o.revision } : undefined,
    },
    spec: {
      replicas: o.replicas ?? 3,
      template: { spec: { containers: [{ name: 'app', image: o.image ?? 'web:1' }] } },
    },
    status: { readyReplicas: o.ready ?? o.replicas ?? 3 },
  });
}

function daemonset(o: { image?: string; desired?: number; ready?: number }): KubeObject {
  return trimObject('daemonsets', {
    metadata: { name: 'kube-proxy', namespace: 'kube-system' },
    spec: {
      template: { spec: { containers: [{ name: 'kube-proxy', image: o.image ?? 'kube-proxy:v1.28.2' }] } },
    },
    status: { desiredNumberScheduled: o.desired ?? 3, numberReady: o.ready ?? o.desired ?? 3 },
  });
}

function node(o: { ready?: string; since?: string; kernel?: string } = {}): KubeObject {
  return trimObject('nodes', {
    metadata: { name: 'n1' },
    status: {
      conditions: [
        {
          type: 'Ready',
          status: o.ready ?? 'True',
          reason: 'KubeletReady',
          lastTransitionTime: o.since ?? '2024-01-15T11:00:00Z',
        },
      ],
      nodeInfo: { kubeletVersion: 'v1.28.2', kernelVersion: o.kernel ?? '6.1.0-12-amd64' },
    },
  });
}

const fields = (resource: WatchedResource, before: KubeObject | undefined, after: KubeObject) =>
  diffObject(resource, 'k', before, after, at).map((t) => `${t.field} ${t.from}→${t.to}`);

describe('workload transitions', () => {
  it.each([
    [
      'an image change',
      deployment({}),
      deployment({ image: 'web:2' }),
      ['template/images app=web:1→app=web:2'],
    ],
    ['a new revision', deployment({ revision: '3' }), deployment({ revision: '4' }), ['revision 3→4']],
    ['losing a ready replica', deployment({}), deployment({ ready: 2 }), ['allReady true→false']],
    ['getting it back', deployment({ ready: 2 }), deployment({}), ['allReady false→true']],
    ['scaling alone', deployment({ replicas: 3 }), deployment({ replicas: 5, ready: 5 }), []],
    ['no change', deployment({}), deployment({}), []],
  ])('a Deployment records %s', (_name, before, after, expected) => {
    expect(fields('deployments', before, after)).toEqual(expected);
  });

  it.each([
    [
      'an image change',
      daemonset({}),
      daemonset({ image: 'kube-proxy:v1.27.6' }),
      ['template/images kube-proxy=kube-proxy:v1.28.2→kube-proxy=kube-proxy:v1.27.6'],
    ],
    ['a node missing its pod', daemonset({}), daemonset({ ready: 2 }), ['allReady true→false']],
  ])('a DaemonSet records %s', (_name, before, after, expected) => {
    expect(fields('daemonsets', before, after)).toEqual(expected);
  });

  it('records nothing for a workload seen for the first time', () => {
    expect(fields('deployments', undefined, deployment({ ready: 0 }))).toEqual([]);
  });

  it('lists template images sorted, init containers marked', () => {
    expect(
      templateImages({
        spec: {
          template: {
            spec: {
              containers: [
                { name: 'b', image: 'b:1' },
                { name: 'a', image: 'a:1' },
              ],
              initContainers: [{ name: 'i', image: 'i:1' }],
            },
          },
        },
      }),
    ).toBe('a=a:1,b=b:1,init:i=i:1');
  });
});

describe('node transitions', () => {
  it("carry the condition's own lastTransitionTime", () => {
    const [t] = diffObject(
      'nodes',
      'n1',
      node(),
      node({ ready: 'Unknown', since: '2024-01-15T11:59:10Z' }),
      at,
    );
    expect(t.field).toBe('condition/Ready');
    expect(t.detail?.lastTransitionTime).toBe('2024-01-15T11:59:10Z');
  });

  it('are recorded when a node is deleted or vanishes from a relist, with its versions', () => {
    const view = new ClusterView();
    view.apply({ type: 'listed', resource: 'nodes', items: [node()], resourceVersion: '1', atMs: at });
    view.apply({ type: 'delete', resource: 'nodes', object: node(), atMs: at + 1000 });
    view.apply({ type: 'upsert', resource: 'nodes', object: node(), atMs: at + 2000 });
    view.apply({ type: 'listed', resource: 'nodes', items: [], resourceVersion: '2', atMs: at + 3000 });
    const deleted = view.transitions.toArray().filter((t) => t.field === 'deleted');
    expect(deleted.map((t) => [t.key, t.atMs, t.detail?.kubeletVersion])).toEqual([
      ['n1', at + 1000, 'v1.28.2'],
      ['n1', at + 3000, 'v1.28.2'],
    ]);
    expect(view.count('nodes')).toBe(0);
  });

  it('are not recorded for deleted pods', () => {
    const view = new ClusterView();
    const pod = trimObject('pods', {
      metadata: { name: 'p', namespace: 'shop' },
      status: { phase: 'Running' },
    });
    view.apply({ type: 'listed', resource: 'pods', items: [pod], resourceVersion: '1', atMs: at });
    const before = view.transitions.size;
    view.apply({ type: 'delete', resource: 'pods', object: pod, atMs: at + 1000 });
    expect(view.transitions.size).toBe(before);
    expect(view.count('pods')).toBe(0);
  });
});

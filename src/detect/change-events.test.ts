import { describe, expect, it } from 'vitest';
import { changeEvents } from './change-events.ts';
import {
  created,
  daemonset,
  deployment,
  node,
  pod,
  replicaset,
  t0,
  update,
  versionProbe,
  viewOf,
} from './fixtures.ts';
import { ofKind } from './signal.ts';

const min = 60_000;
const hour = 3_600_000;
const day = 24 * hour;
// change-events emits `change` signals only; ofKind types their facts.
const facts = (view: Parameters<typeof changeEvents>[0], nowMs = t0) =>
  ofKind(changeEvents(view, nowMs), 'change').map((x) => x.facts);

describe('workload changes seen as they happen', () => {
  it('a Deployment image change is a rollout', () => {
    const view = viewOf(
      { deployments: [deployment({ name: 'web', namespace: 'shop', replicas: 4 })] },
      t0 - hour,
    );
    update(
      view,
      'deployments',
      deployment({ name: 'web', namespace: 'shop', replicas: 4, image: 'app:2' }),
      t0 - 30 * min,
    );
    const [x] = changeEvents(view, t0);
    expect(x).toMatchObject({
      kind: 'change',
      subject: 'workload/shop/Deployment/web',
      severity: 'info',
      sinceMs: t0 - 30 * min,
      scope: { namespaces: ['shop'], workloads: ['shop/Deployment/web'] },
      facts: {
        what: 'rollout',
        from: 'app=app:1',
        to: 'app=app:2',
        count: 4,
        at: '2024-01-15T11:30:00Z',
        namespace: 'shop',
        workload: 'shop/Deployment/web',
        component: '',
        systemComponent: false,
        nodes: [],
      },
    });
  });

  it.each([
    ['a new revision alone (config change)', { revision: '4' }, [['revision 3', 'revision 4']]],
    ['an image and a revision at once', { revision: '4', image: 'app:2' }, [['app=app:1', 'app=app:2']]],
    ['scaling only', { revision: '3', replicas: 6 }, []],
  ])('%s', (_name, next, expected) => {
    const view = viewOf({ deployments: [deployment({ name: 'web', revision: '3' })] }, t0 - hour);
    update(view, 'deployments', deployment({ name: 'web', ...next }), t0 - 10 * min);
    expect(facts(view).map((f) => [f.from, f.to])).toEqual(expected);
  });

  it('a kube-proxy DaemonSet image change names the component', () => {
    const view = viewOf(
      { daemonsets: [daemonset({ name: 'kube-proxy', image: 'kube-proxy:v1.26.1', desired: 40 })] },
      t0 - day,
    );
    update(
      view,
      'daemonsets',
      daemonset({ name: 'kube-proxy', image: 'kube-proxy:v1.27.0', desired: 40 }),
      t0 - 20 * hour,
    );
    expect(facts(view)).toEqual([
      expect.objectContaining({
        what: 'daemonset-image',
        from: 'kube-proxy=kube-proxy:v1.26.1',
        to: 'kube-proxy=kube-proxy:v1.27.0',
        count: 40,
        component: 'service-proxy',
        systemComponent: true,
      }),
    ]);
  });

  it('forgets changes older than a day', () => {
    const view = viewOf({ deployments: [deployment({ name: 'web' })] }, t0 - 3 * day);
    update(view, 'deployments', deployment({ name: 'web', image: 'app:2' }), t0 - 2 * day);
    expect(changeEvents(view, t0)).toEqual([]);
  });
});

describe('workload changes read from objects', () => {
  it("a Deployment's newest ReplicaSet is a rollout from the one before", () => {
    const view = viewOf({
      deployments: [deployment({ name: 'web', image: 'app:2' })],
      replicasets: [
        replicaset({ name: 'web-aaaaa', deployment: 'web', image: 'app:1', createdMs: t0 - 5 * day }),
        replicaset({ name: 'web-bbbbb', deployment: 'web', image: 'app:2', createdMs: t0 - 2 * hour }),
      ],
    });
    expect(facts(view)).toEqual([
      expect.objectContaining({
        what: 'rollout',
        from: 'app=app:1',
        to: 'app=app:2',
        at: '2024-01-15T10:00:00Z',
      }),
    ]);
  });

  it.each([
    [
      'its first ReplicaSet (the Deployment was created)',
      [replicaset({ name: 'web-a', deployment: 'web', createdMs: t0 - hour })],
    ],
    [
      'a ReplicaSet from last week',
      [
        replicaset({ name: 'web-a', deployment: 'web', createdMs: t0 - 9 * day }),
        replicaset({ name: 'web-b', deployment: 'web', createdMs: t0 - 7 * day }),
      ],
    ],
  ])('is quiet for %s', (_name, replicasets) => {
    expect(changeEvents(viewOf({ deployments: [deployment({ name: 'web' })], replicasets }), t0)).toEqual([]);
  });

  it('does not report a watched rollout twice', () => {
    const view = viewOf(
      {
        deployments: [deployment({ name: 'web' })],
        replicasets: [replicaset({ name: 'web-a', deployment: 'web', createdMs: t0 - 5 * day })],
      },
      t0 - hour,
    );
    update(view, 'deployments', deployment({ name: 'web', image: 'app:2' }), t0 - 30 * min);
    update(
      view,
      'replicasets',
      replicaset({ name: 'web-b', deployment: 'web', image: 'app:2', createdMs: t0 - 30 * min }),
      t0 - 30 * min,
    );
    expect(changeEvents(view, t0)).toHaveLength(1);
  });

  it('a DaemonSet still replacing its pods shows from what to what', () => {
    const owner = { kind: 'DaemonSet', name: 'cilium' };
    const view = viewOf({
      daemonsets: [daemonset({ name: 'cilium', image: 'cilium:v1.14.2', desired: 3, updated: 1 })],
      pods: [
        pod({
          name: 'cilium-1',
          namespace: 'kube-system',
          owner,
          containers: [{ name: 'cilium', image: 'cilium:v1.14.1' }],
        }),
        pod({
          name: 'cilium-2',
          namespace: 'kube-system',
          owner,
          containers: [{ name: 'cilium', image: 'cilium:v1.14.1' }],
        }),
        pod({
          name: 'cilium-3',
          namespace: 'kube-system',
          owner,
          createdMs: t0 - 15 * min,
          containers: [{ name: 'cilium', image: 'cilium:v1.14.2' }],
        }),
      ],
    });
    expect(facts(view)).toEqual([
      expect.objectContaining({
        what: 'daemonset-image',
        from: 'cilium=cilium:v1.14.1',
        to: 'cilium=cilium:v1.14.2',
        at: '2024-01-15T11:45:00Z',
        component: 'cni',
      }),
    ]);
  });
});

describe('DaemonSets created', () => {
  const fleet = ['n1', 'n2', 'n3'].map((name) => created(node({ name }), t0 - 30 * day));

  it('a DaemonSet created after the cluster was built is a change to every node it runs on', () => {
    const agent = created(
      daemonset({ name: 'telemetry', image: 'telemetry:1.0', desired: 3 }),
      t0 - 20 * min,
    );
    expect(facts(viewOf({ nodes: fleet, daemonsets: [agent] }))).toEqual([
      expect.objectContaining({
        what: 'daemonset-created',
        from: '',
        to: 'telemetry=telemetry:1.0',
        count: 3,
        at: '2024-01-15T11:40:00Z',
        clusterNodes: 3,
      }),
    ]);
  });

  it("does not call the cluster's own DaemonSets, created with it, changes", () => {
    const own = created(
      daemonset({ name: 'kube-proxy', image: 'kube-proxy:v1.30.1', desired: 3 }),
      t0 - 30 * day,
    );
    expect(facts(viewOf({ nodes: fleet, daemonsets: [own] }))).toEqual([]);
  });
});

describe('node changes', () => {
  it('groups the same version change on many nodes', () => {
    const names = ['n1', 'n2', 'n3'];
    const view = viewOf({ nodes: names.map((name) => node({ name })) }, t0 - day);
    names.forEach((name, i) => {
      update(view, 'nodes', node({ name, kernelVersion: '6.1.0-13-amd64' }), t0 - (3 - i) * hour);
    });
    update(
      view,
      'nodes',
      node({ name: 'n1', kernelVersion: '6.1.0-13-amd64', kubeletVersion: 'v1.31.0' }),
      t0 - 10 * min,
    );
    expect(facts(view).map((f) => [f.what, f.from, f.to, f.count, f.nodes])).toEqual([
      ['node-kernel', '6.1.0-10-amd64', '6.1.0-13-amd64', 3, ['n1', 'n2', 'n3']],
      ['node-version', 'v1.30.1', 'v1.31.0', 1, ['n1']],
    ]);
    expect(changeEvents(view, t0)[0]).toMatchObject({ subject: 'cluster', sinceMs: t0 - 3 * hour });
  });

  it('groups a label removed from many nodes (an upgrade that stops setting a role label)', () => {
    const role = { 'node-role.kubernetes.io/master': '', 'node-role.kubernetes.io/control-plane': '' };
    const names = ['cp1', 'cp2', 'cp3'];
    const view = viewOf({ nodes: names.map((name) => node({ name, labels: role })) }, t0 - day);
    for (const name of names)
      update(
        view,
        'nodes',
        node({ name, labels: { 'node-role.kubernetes.io/control-plane': '' } }),
        t0 - hour,
      );
    expect(facts(view).map((f) => [f.what, f.from, f.to, f.count])).toEqual([
      ['node-labels', 'node-role.kubernetes.io/master=', '', 3],
    ]);
  });

  it("counts an operator's taint, not the node controller's own", () => {
    const view = viewOf({ nodes: [node({ name: 'n1' }), node({ name: 'n2' })] }, t0 - day);
    update(
      view,
      'nodes',
      node({ name: 'n1', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }),
      t0 - hour,
    );
    update(
      view,
      'nodes',
      node({
        name: 'n2',
        ready: 'Unknown',
        taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }],
      }),
      t0 - hour,
    );
    expect(facts(view).map((f) => [f.what, f.from, f.to, f.nodes])).toEqual([
      ['node-taints', '', 'dedicated=gpu:NoSchedule', ['n1']],
    ]);
  });

  it.each([
    ['OS image', { osImage: 'Ubuntu 24.04 LTS' }, 'node-os'],
    ['container runtime', { containerRuntimeVersion: 'containerd://2.0.0' }, 'node-runtime'],
  ])('a %s change', (_name, change, what) => {
    const view = viewOf({ nodes: [node({ name: 'n1' })] }, t0 - hour);
    update(view, 'nodes', node({ name: 'n1', ...change }), t0 - 5 * min);
    expect(facts(view).map((f) => f.what)).toEqual([what]);
  });

  describe('OS packages the node agent saw an upgrade install', () => {
    const upgrade = (name: string, status: 'True' | 'False', message: string) =>
      node({
        name,
        conditions: [
          {
            type: 'PackageUpgradeInProgress',
            status,
            reason: status === 'True' ? 'UnattendedUpgradeRunning' : 'NoUpgradeRunning',
            message,
            lastHeartbeatTime: '2024-01-15T11:55:00Z',
            lastTransitionTime: '2024-01-15T11:00:00Z',
          },
        ],
      });
    const done = (at: string, notable: string) =>
      `no package upgrade is running; lastRun=${at} lastUnit=apt-daily-upgrade.service lastResult=success lastDuration=2m0s lastPackages=5 lastNotable=${notable}`;
    const running = (at: string, notable: string) =>
      `a package upgrade started by a systemd timer is running; unit=apt-daily-upgrade.service timer=apt-daily-upgrade.timer started=${at} scheduled=2024-01-15T06:00:00Z delay=5m0s packages=5 notable=${notable}`;

    it('groups the same notable packages, finished or still running, as one OS change', () => {
      const view = viewOf({
        nodes: [
          upgrade(
            'n1',
            'False',
            done('2024-01-15T11:05:00Z', 'systemd@249.11-0ubuntu3.7,udev@249.11-0ubuntu3.7'),
          ),
          upgrade(
            'n2',
            'True',
            running('2024-01-15T11:20:00Z', 'systemd@249.11-0ubuntu3.7,udev@249.11-0ubuntu3.7'),
          ),
          upgrade('n3', 'False', done('2024-01-15T11:10:00Z', 'systemd@245.4-4ubuntu3.20')),
        ],
      });
      expect(facts(view).map((f) => [f.what, f.from, f.to, f.count, f.nodes, f.at])).toEqual([
        [
          'node-os',
          '',
          'systemd@249.11-0ubuntu3.7,udev@249.11-0ubuntu3.7',
          2,
          ['n1', 'n2'],
          '2024-01-15T11:05:00Z',
        ],
        ['node-os', '', 'systemd@245.4-4ubuntu3.20', 1, ['n3'], '2024-01-15T11:10:00Z'],
      ]);
      expect(changeEvents(view, t0)[0].summary).toMatch(/^OS packages upgraded \(systemd@249/);
    });

    it('leaves out runs that installed nothing notable, and runs older than a day', () => {
      const view = viewOf({
        nodes: [
          upgrade(
            'n1',
            'False',
            'no package upgrade is running; lastRun=2024-01-15T11:05:00Z lastResult=success lastPackages=0',
          ),
          upgrade('n2', 'False', done('2024-01-13T11:05:00Z', 'systemd@249.11-0ubuntu3.7')),
          upgrade('n3', 'False', 'no package upgrade is running; lastRun=none'),
        ],
      });
      expect(facts(view)).toEqual([]);
    });
  });

  it('a node that joined after the cluster was built', () => {
    const first = ['n1', 'n2'].map((name) => created(node({ name }), t0 - 30 * day));
    const joined = created(node({ name: 'n3', kubeletVersion: 'v1.30.4' }), t0 - 2 * hour);
    expect(facts(viewOf({ nodes: [...first, joined] }))).toEqual([
      expect.objectContaining({ what: 'node-added', from: '', to: 'v1.30.4', count: 1, nodes: ['n3'] }),
    ]);
  });

  it("does not call a new cluster's own nodes additions", () => {
    const nodes = ['n1', 'n2', 'n3'].map((name, i) => created(node({ name }), t0 - 3 * hour + i * min));
    expect(changeEvents(viewOf({ nodes }), t0)).toEqual([]);
  });

  it('a node that left', () => {
    const view = viewOf({ nodes: [node({ name: 'n1' }), node({ name: 'n2' })] }, t0 - hour);
    view.apply({ type: 'delete', resource: 'nodes', object: node({ name: 'n2' }), atMs: t0 - 20 * min });
    expect(facts(view)).toEqual([
      expect.objectContaining({ what: 'node-removed', from: 'v1.30.1', to: '', count: 1, nodes: ['n2'] }),
    ]);
  });
});

describe('control plane version', () => {
  it('is read from the /version probe', () => {
    const view = viewOf({}, t0 - hour, [
      versionProbe('v1.28.2', t0 - 50 * min),
      versionProbe('v1.28.2', t0 - 40 * min),
      versionProbe('v1.29.0', t0 - 30 * min),
      versionProbe('v1.29.0', t0 - 20 * min),
    ]);
    const [x] = changeEvents(view, t0);
    expect(x).toMatchObject({
      subject: 'cluster',
      sinceMs: t0 - 30 * min,
      facts: { what: 'control-plane-version', from: 'v1.28.2', to: 'v1.29.0', count: 1 },
      evidence: [{ source: 'probe', ref: 'probe/version' }],
    });
  });

  it('is quiet while the version holds', () => {
    const view = viewOf({}, t0 - hour, [
      versionProbe('v1.28.2', t0 - 50 * min),
      versionProbe('v1.28.2', t0 - 1 * min),
    ]);
    expect(changeEvents(view, t0)).toEqual([]);
  });
});

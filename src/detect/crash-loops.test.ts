import { describe, expect, it } from 'vitest';
import { crashLoops } from './crash-loops.ts';
import {
  type ContainerInput,
  deleting,
  type PodInput,
  pod,
  replicaset,
  t0,
  update,
  viewOf,
} from './fixtures.ts';
import { ofKind } from './signal.ts';

const min = 60_000;
const looping: ContainerInput = {
  name: 'app',
  restartCount: 7,
  waiting: 'CrashLoopBackOff',
  lastTerminated: { reason: 'Error', exitCode: 1 },
};

describe('which pods are crash-looping', () => {
  it.each([
    ['waiting in CrashLoopBackOff', [looping], 1],
    [
      'running, restarted long ago',
      [
        {
          name: 'app',
          restartCount: 40,
          lastTerminated: { reason: 'Error', exitCode: 1, finishedAtMs: t0 - 3 * 3_600_000 },
        },
      ],
      0,
    ],
    [
      'one restart just now (seen only at list time)',
      [{ name: 'app', restartCount: 1, lastTerminated: { reason: 'OOMKilled', exitCode: 137 } }],
      0,
    ],
    ['never restarted', [{ name: 'app' }], 0],
    ['an image that cannot be pulled (no restarts)', [{ name: 'app', waiting: 'ImagePullBackOff' }], 0],
  ])('%s', (_name, containers, count) => {
    const view = viewOf({ pods: [pod({ name: 'web-1', node: 'n1', containers })] });
    expect(ofKind(crashLoops(view, t0), 'crash-loop')).toHaveLength(count);
  });

  it.each([
    ['three restarts in the last 30 min', [20, 10, 2], 1],
    ['one restart in the last 30 min', [5], 0],
    ['restarts an hour ago', [70, 65, 61], 0],
  ])('from restarts the view saw: %s', (_name, minutesAgo, count) => {
    const view = viewOf({ pods: [pod({ name: 'web-1', node: 'n1' })] }, t0 - 2 * 3_600_000);
    minutesAgo.forEach((m, i) => {
      const c: ContainerInput = {
        name: 'app',
        restartCount: i + 1,
        lastTerminated: { reason: 'Error', exitCode: 2, finishedAtMs: t0 - m * min },
      };
      update(view, 'pods', pod({ name: 'web-1', node: 'n1', containers: [c] }), t0 - m * min);
    });
    const found = ofKind(crashLoops(view, t0), 'crash-loop');
    expect(found).toHaveLength(count);
    if (count)
      expect(found[0].facts).toMatchObject({
        restartsInWindow: minutesAgo.filter((m) => m < 30).length,
        exitCodes: ['2'],
      });
  });

  it('ignores pods being deleted', () => {
    const view = viewOf({ pods: [deleting(pod({ name: 'web-1', containers: [looping] }))] });
    expect(crashLoops(view, t0)).toEqual([]);
  });
});

describe('the workload a restarting pod belongs to', () => {
  it.each([
    [
      'a ReplicaSet named by the template hash',
      { owner: { kind: 'ReplicaSet', name: 'web-7d9f8c6b5' } },
      'workload/shop/Deployment/web',
    ],
    ['a DaemonSet', { owner: { kind: 'DaemonSet', name: 'fluentd' } }, 'workload/shop/DaemonSet/fluentd'],
    ['a StatefulSet', { owner: { kind: 'StatefulSet', name: 'db' } }, 'workload/shop/StatefulSet/db'],
    ['no controller', {}, 'workload/shop/Pod/web-1'],
    [
      'a mirror pod of a static manifest',
      { name: 'etcd-cp-1', owner: { kind: 'Node', name: 'cp-1' } },
      'workload/shop/StaticPod/etcd',
    ],
  ] as const)('%s', (_name, input, subject) => {
    const view = viewOf({
      pods: [pod({ name: 'web-1', namespace: 'shop', containers: [looping], ...input })],
    });
    expect(ofKind(crashLoops(view, t0), 'crash-loop').map((x) => x.subject)).toEqual([subject]);
  });

  it('asks the ReplicaSet for its Deployment when the view has it', () => {
    const view = viewOf({
      replicasets: [replicaset({ name: 'frontend-abc12', namespace: 'shop', deployment: 'storefront' })],
      pods: [
        pod({
          name: 'p',
          namespace: 'shop',
          owner: { kind: 'ReplicaSet', name: 'frontend-abc12' },
          containers: [looping],
        }),
      ],
    });
    expect(ofKind(crashLoops(view, t0), 'crash-loop')[0].subject).toBe('workload/shop/Deployment/storefront');
  });
});

describe('a workload’s restart history', () => {
  const rs = replicaset({ name: 'bridge-7d9f8c6b5', namespace: 'mes', deployment: 'bridge' });
  const owner = { kind: 'ReplicaSet', name: 'bridge-7d9f8c6b5' };
  const restarted = (
    name: string,
    node: string,
    restartCount: number,
    atMs: number,
    ended = { reason: 'Error', exitCode: 1 },
  ) =>
    pod({
      name,
      namespace: 'mes',
      node,
      owner,
      containers: [
        {
          name: 'app',
          restartCount,
          waiting: 'CrashLoopBackOff',
          lastTerminated: { ...ended, finishedAtMs: atMs },
        },
      ],
    });

  it('reaches back past the restart window, to the pods drained away', () => {
    const view = viewOf(
      { replicasets: [rs], pods: [restarted('bridge-7d9f8c6b5-x2k9p', 'n1', 0, t0)] },
      t0 - 4 * 3_600_000,
    );
    // It crash-looped on n1 three hours ago; the upgrade drained it onto n2, where it loops again.
    update(view, 'pods', restarted('bridge-7d9f8c6b5-x2k9p', 'n1', 3, t0 - 180 * min), t0 - 180 * min);
    view.apply({
      type: 'delete',
      resource: 'pods',
      object: restarted('bridge-7d9f8c6b5-x2k9p', 'n1', 3, t0 - 180 * min),
      atMs: t0 - 60 * min,
    });
    update(view, 'pods', restarted('bridge-7d9f8c6b5-q8wzt', 'n2', 0, t0), t0 - 30 * min);
    for (const m of [20, 10, 2])
      update(view, 'pods', restarted('bridge-7d9f8c6b5-q8wzt', 'n2', 30 - m, t0 - m * min), t0 - m * min);
    const [loop] = ofKind(crashLoops(view, t0), 'crash-loop');
    expect(loop.facts.nodes).toEqual(['n2']);
    expect(loop.sinceMs).toBe(t0 - 20 * min);
    expect(loop.facts.firstRestartMs).toBe(t0 - 180 * min);
    expect(loop.facts.historySinceMs).toBe(t0 - 4 * 3_600_000);
  });

  it('leaves out restarts that were no failure, and pods of a workload whose name merely starts the same', () => {
    const view = viewOf(
      { replicasets: [rs], pods: [restarted('bridge-7d9f8c6b5-q8wzt', 'n2', 0, t0)] },
      t0 - 4 * 3_600_000,
    );
    // The node rebooted two hours ago: the container ended Unknown (255), as the kubelet reports after a reboot.
    const rebooted = restarted('bridge-7d9f8c6b5-q8wzt', 'n2', 1, t0 - 120 * min, {
      reason: 'Unknown',
      exitCode: 255,
    });
    update(view, 'pods', rebooted, t0 - 120 * min);
    // Another Deployment, bridge-db, crash-looped three hours ago.
    update(
      view,
      'pods',
      pod({ name: 'bridge-db-5c8d7f9b4-h7k2m', namespace: 'mes', node: 'n1', containers: [looping] }),
      t0 - 180 * min,
    );
    update(
      view,
      'pods',
      pod({
        name: 'bridge-db-5c8d7f9b4-h7k2m',
        namespace: 'mes',
        node: 'n1',
        containers: [{ ...looping, restartCount: 9 }],
      }),
      t0 - 179 * min,
    );
    for (const m of [20, 10, 2])
      update(view, 'pods', restarted('bridge-7d9f8c6b5-q8wzt', 'n2', 30 - m, t0 - m * min), t0 - m * min);
    const loop = ofKind(crashLoops(view, t0), 'crash-loop').find((s) => s.facts.workloadName === 'bridge');
    expect(loop?.facts.firstRestartMs).toBe(t0 - 20 * min);
  });
});

describe('crash-loop facts', () => {
  it('counts pods, nodes, reasons and the share of the workload', () => {
    const owner = { kind: 'ReplicaSet', name: 'pilot-5f6d7c8b9' };
    const view = viewOf({
      pods: [
        pod({
          name: 'pilot-a',
          namespace: 'api',
          node: 'n1',
          owner,
          containers: [{ name: 'app' }, { ...looping, name: 'sidecar' }],
        }),
        pod({
          name: 'pilot-b',
          namespace: 'api',
          node: 'n2',
          owner,
          containers: [
            { name: 'app' },
            { ...looping, name: 'sidecar', lastTerminated: { reason: 'OOMKilled', exitCode: 137 } },
          ],
        }),
        pod({ name: 'pilot-c', namespace: 'api', node: 'n3', owner }),
        pod({ name: 'pilot-d', namespace: 'api', node: 'n3', owner }),
      ],
    });
    const [x] = crashLoops(view, t0);
    expect(x).toMatchObject({
      kind: 'crash-loop',
      subject: 'workload/api/Deployment/pilot',
      severity: 'warning',
      scope: { namespaces: ['api'], workloads: ['api/Deployment/pilot'], nodes: ['n1', 'n2'] },
      facts: {
        namespace: 'api',
        workloadKind: 'Deployment',
        workloadName: 'pilot',
        pods: 2,
        workloadPods: 4,
        fractionOfWorkloadPods: 0.5,
        nodes: ['n1', 'n2'],
        containers: ['sidecar'],
        crashLoopBackOff: 2,
        reasons: ['Error', 'OOMKilled'],
        exitCodes: ['1', '137'],
        reasonCodes: ['Error/1=1', 'OOMKilled/137=1'],
        windowMinutes: 30,
      },
    });
    expect(x.evidence[0].ref).toMatch(/^pod\/api\/pilot-[ab]$/);
    expect(x.evidence[0].text).toContain('CrashLoopBackOff');
  });

  it('is critical for a kube-system component with most of its pods down', () => {
    const owner = { kind: 'ReplicaSet', name: 'coredns-5d78c9869d' };
    const view = viewOf({
      pods: ['a', 'b'].map((s) =>
        pod({ name: `coredns-${s}`, namespace: 'kube-system', node: 'n1', owner, containers: [looping] }),
      ),
    });
    expect(crashLoops(view, t0)[0].severity).toBe('critical');
  });
});

describe('restart storms', () => {
  /** 12 nodes, 4 workloads as one pod per node each; pods on `bad` nodes crash-loop. */
  function cluster(bad: (node: string, workload: number) => boolean) {
    const pods: PodInput[] = [];
    for (let n = 1; n <= 12; n++)
      for (let w = 0; w < 4; w++) {
        const node = `n${n}`;
        pods.push({
          name: `app${w}-${node}`,
          namespace: w < 2 ? 'shop' : 'auth',
          node,
          owner: { kind: 'DaemonSet', name: `app${w}` },
          containers: bad(node, w) ? [looping] : [{ name: 'app' }],
        });
      }
    return viewOf({ pods: pods.map(pod) });
  }

  it('sees restarts of many workloads bound to a few nodes', () => {
    const view = cluster((n) => ['n2', 'n5', 'n9'].includes(n));
    const [x] = ofKind(crashLoops(view, t0), 'restart-storm');
    expect(x).toMatchObject({
      subject: 'cluster',
      facts: {
        workloadCount: 4,
        restartingPods: 12,
        nodes: ['n2', 'n5', 'n9'],
        nodesWithRestarts: 3,
        restartShareOnTopNodes: 1,
        podShareOnTopNodes: 0.25,
        nodeConcentration: 4,
        concentrated: true,
        namespaces: ['auth', 'shop'],
        reasonCodes: ['Error/1=12'],
      },
    });
    expect(x.facts.restartingPodsByNode).toEqual(['n2=4', 'n5=4', 'n9=4']);
  });

  it('tells restarts spread like the pods from node-bound ones', () => {
    const view = cluster((_n, w) => w < 3);
    const [x] = ofKind(crashLoops(view, t0), 'restart-storm');
    expect(x.facts).toMatchObject({ workloadCount: 3, nodeConcentration: 1, concentrated: false });
  });

  it('does not call a few scattered pods a concentration', () => {
    const view = cluster(
      (n, w) => (n === 'n1' && w === 0) || (n === 'n4' && w === 1) || (n === 'n7' && w === 2),
    );
    const [x] = ofKind(crashLoops(view, t0), 'restart-storm');
    expect(x.facts.concentrated).toBe(false);
  });

  it('needs three workloads', () => {
    const view = cluster((n, w) => n === 'n1' && w < 2);
    expect(ofKind(crashLoops(view, t0), 'restart-storm')).toEqual([]);
    expect(ofKind(crashLoops(view, t0), 'crash-loop')).toHaveLength(2);
  });
});

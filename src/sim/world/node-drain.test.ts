import { describe, expect, it } from 'vitest';
import { resourceForKind } from '../api/resources.ts';
import { minute, type PodView, runNetworkCase } from './network-fixture.ts';

const podType = resourceForKind('Pod')!;

describe('draining a control-plane node', () => {
  it('leaves its static (mirror) pods alone, as kubectl drain does', async () => {
    const w = await runNetworkCase(
      {
        timeline: [
          {
            at: '2023-03-14T18:05:00Z',
            action: { type: 'drain-nodes', nodes: { pools: ['control-plane'], names: ['cp-1'] } },
          },
        ],
      },
      4 * minute,
    );
    const onCp1 = () => w.pods().filter((p) => p.spec?.nodeName === 'cp-1');
    const isMirror = (p: { metadata: { annotations?: Record<string, string> } }) =>
      p.metadata.annotations?.['kubernetes.io/config.mirror'] !== undefined;
    const before = new Map(
      onCp1()
        .filter(isMirror)
        .map((p) => [p.metadata.name, p.metadata.uid]),
    );
    expect([...before.keys()].sort()).toEqual([
      'etcd-cp-1',
      'kube-apiserver-cp-1',
      'kube-controller-manager-cp-1',
      'kube-scheduler-cp-1',
    ]);
    await w.clock.runUntil(Date.parse(w.scenario.start) + 12 * minute);
    const after = new Map(
      onCp1()
        .filter(isMirror)
        .map((p) => [p.metadata.name, p.metadata.uid]),
    );
    // The same objects: never evicted, never recreated.
    expect(after).toEqual(before);
  });

  it('a kubelet restarted right after its node was drained finishes the deletions it missed', async () => {
    const w = await runNetworkCase(
      {
        timeline: [
          {
            at: '2023-03-14T18:05:00Z',
            action: {
              type: 'upgrade',
              component: 'kubelet',
              from: 'v1.23.17',
              to: 'v1.24.11',
              nodes: { pools: ['workers'] },
              maxUnavailable: 1,
            },
          },
        ],
      },
      30 * minute,
    );
    const terminating = (w.sim.store.listObjects(podType) as PodView[]).filter(
      (p) => p.metadata.deletionTimestamp,
    );
    expect(terminating.map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual([]);
  });
});

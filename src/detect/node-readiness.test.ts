import { describe, expect, it } from 'vitest';
import { deleting, event, type NodeInput, node, t0, update, viewOf } from './fixtures.ts';
import { nodeReadiness } from './node-readiness.ts';
import { ofKind } from './signal.ts';

const min = 60_000;
const healthy = (n: number, extra: Partial<NodeInput> = {}) =>
  Array.from({ length: n }, (_, i) => node({ name: `ok-${i}`, ...extra }));

describe('nodes not Ready', () => {
  it.each([
    ['all Ready', [], []],
    ['one False', [{ ready: 'False', readyReason: 'KubeletNotReady' }], ['False']],
    ['one Unknown', [{ ready: 'Unknown' }], ['Unknown']],
  ] as const)('%s', (_name, bad, statuses) => {
    const view = viewOf({
      nodes: [
        ...healthy(9),
        ...bad.map((b, i) => node({ name: `bad-${i}`, readySinceMs: t0 - 5 * min, ...b })),
      ],
    });
    expect(ofKind(nodeReadiness(view, t0), 'node-not-ready').map((x) => x.facts.status)).toEqual(statuses);
  });

  it('says why, since when, and what the node is', () => {
    const view = viewOf({
      nodes: [
        ...healthy(9),
        node({
          name: 'aks-1',
          ready: 'Unknown',
          readySinceMs: t0 - 5 * min,
          labels: {
            agentpool: 'nodepool1',
            'kubernetes.azure.com/node-image-version': 'AKSUbuntu-2204-202401',
          },
          kubeletVersion: 'v1.29.2',
          kernelVersion: '5.15.0-1053-azure',
          osImage: 'Ubuntu 22.04.3 LTS',
        }),
      ],
    });
    const [x] = ofKind(nodeReadiness(view, t0), 'node-not-ready');
    expect(x).toMatchObject({
      subject: 'node/aks-1',
      severity: 'warning',
      sinceMs: t0 - 5 * min,
      scope: { nodes: ['aks-1'], pools: ['nodepool1'] },
      facts: {
        status: 'Unknown',
        reason: 'NodeStatusUnknown',
        message: 'Kubelet stopped posting node status.',
        notReadySeconds: 300,
        unschedulable: false,
        clusterNotReady: 1,
        pool: 'nodepool1',
        nodeImage: 'AKSUbuntu-2204-202401',
        kubeletVersion: 'v1.29.2',
        kernelVersion: '5.15.0-1053-azure',
        osImage: 'Ubuntu 22.04.3 LTS',
      },
    });
  });

  it.each([
    ['1 of 10 NotReady', 9, 1, 'warning'],
    ['2 of 10 NotReady', 8, 2, 'critical'],
    ['1 of 4 NotReady (25 %)', 3, 1, 'critical'],
  ] as const)('severity with %s', (_name, ok, bad, severity) => {
    const view = viewOf({
      nodes: [
        ...healthy(ok),
        ...Array.from({ length: bad }, (_, i) => node({ name: `bad-${i}`, ready: 'False' })),
      ],
    });
    expect(uniq(ofKind(nodeReadiness(view, t0), 'node-not-ready').map((x) => x.severity))).toEqual([
      severity,
    ]);
  });

  it('leaves out nodes being deleted', () => {
    const view = viewOf({ nodes: [...healthy(3), deleting(node({ name: 'gone', ready: 'Unknown' }))] });
    expect(nodeReadiness(view, t0)).toEqual([]);
  });
});

function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

/** Ready flips of node n1 at the given minutes before t0, alternating from True. */
function flipping(minutesAgo: number[]) {
  const view = viewOf({ nodes: [node({ name: 'n1' }), ...healthy(4)] }, t0 - 120 * min);
  minutesAgo.forEach((m, i) => {
    const ready = i % 2 === 0 ? 'Unknown' : 'True';
    update(view, 'nodes', node({ name: 'n1', ready, readySinceMs: t0 - m * min }), t0 - m * min);
  });
  return view;
}

describe('flapping nodes', () => {
  it.each([
    ['three flips in 20 min', [20, 15, 5], 3],
    ['four flips in 25 min', [25, 20, 10, 2], 4],
    ['two flips: one bad spell and its recovery', [20, 10], 0],
    ['three flips over 90 min', [90, 60, 10], 0],
  ])('%s', (_name, minutesAgo, flips) => {
    const found = ofKind(nodeReadiness(flipping(minutesAgo), t0), 'node-flapping');
    expect(found.map((x) => x.facts.flips)).toEqual(flips ? [flips] : []);
  });

  it('names the node, the window and the reasons', () => {
    const [x] = ofKind(nodeReadiness(flipping([20, 15, 5]), t0), 'node-flapping');
    expect(x).toMatchObject({
      subject: 'node/n1',
      severity: 'warning',
      facts: { windowMinutes: 30, status: 'Unknown', reasons: ['KubeletReady', 'NodeStatusUnknown'] },
    });
    expect(x.evidence).toHaveLength(3);
  });

  it('keeps what the NotReady spells said: the lifecycle controller marking it Unknown', () => {
    const [x] = ofKind(nodeReadiness(flipping([20, 15, 5]), t0), 'node-flapping');
    expect(x.facts.causes).toEqual(['kubelet-stopped-posting']);
  });

  it('keeps what the NotReady spells said: the kubelet itself naming its PLEG', () => {
    // K:pkg/kubelet/kubelet.go: the kubelet posts Ready=False KubeletNotReady with the PLEG's
    // health error while it still renews its Lease; between relists it posts Ready again.
    const pleg = 'PLEG is not healthy: pleg was last seen active 3m30.2s ago; threshold is 3m0s';
    const view = viewOf({ nodes: [node({ name: 'n1' }), ...healthy(4)] }, t0 - 120 * min);
    [20, 15, 5].forEach((m, i) => {
      const down = i % 2 === 0;
      const n = node({ name: 'n1', ready: down ? 'False' : 'True', readySinceMs: t0 - m * min });
      if (down) {
        const ready = (n.status as { conditions: { reason?: string; message?: string }[] }).conditions[0];
        ready.reason = 'KubeletNotReady';
        ready.message = pleg;
      }
      update(view, 'nodes', n, t0 - m * min);
    });
    const [x] = ofKind(nodeReadiness(view, t0), 'node-flapping');
    expect(x.facts).toMatchObject({
      reasons: ['KubeletNotReady', 'KubeletReady'],
      causes: ['pleg-unhealthy'],
    });
  });
});

describe('NotReady spread', () => {
  /** A 10-node cluster, two pools; the given nodes of pool a go NotReady at those minutes ago. */
  function spreading(onsets: [string, number][], o: { recovered?: string[] } = {}) {
    const nodes = [
      ...['a1', 'a2', 'a3', 'a4'].map((name) =>
        node({ name, labels: { 'node-pool': 'a' }, kubeletVersion: 'v1.29.1' }),
      ),
      ...['b1', 'b2', 'b3', 'b4', 'b5', 'b6'].map((name) =>
        node({ name, labels: { 'node-pool': 'b' }, kubeletVersion: 'v1.29.2' }),
      ),
    ];
    const view = viewOf({ nodes }, t0 - 3 * 3_600_000);
    for (const [name, m] of onsets) {
      const labels = { 'node-pool': name.startsWith('a') ? 'a' : 'b' };
      const kubeletVersion = name.startsWith('a') ? 'v1.29.1' : 'v1.29.2';
      update(
        view,
        'nodes',
        node({ name, labels, kubeletVersion, ready: 'Unknown', readySinceMs: t0 - m * min }),
        t0 - m * min,
      );
      if (o.recovered?.includes(name))
        update(
          view,
          'nodes',
          node({ name, labels, kubeletVersion, readySinceMs: t0 - 1 * min }),
          t0 - 1 * min,
        );
    }
    return view;
  }

  it('counts, dates and groups a growing wave', () => {
    const [x] = ofKind(
      nodeReadiness(
        spreading([
          ['a1', 50],
          ['a2', 40],
          ['a3', 10],
        ]),
        t0,
      ),
      'not-ready-spread',
    );
    expect(x).toMatchObject({
      subject: 'cluster',
      severity: 'critical',
      sinceMs: t0 - 50 * min,
      scope: { nodes: ['a1', 'a2', 'a3'], pools: ['a'] },
      facts: {
        notReadyNow: 3,
        totalNodes: 10,
        notReadyFraction: 0.3,
        wentNotReady30m: 1,
        wentNotReady60m: 3,
        recoveredNow: 0,
        firstOnset: '2024-01-15T11:10:00Z',
        onsetSpanMinutes: 40,
        nodesPerHour: 3.6,
        pools: ['a'],
        poolCounts: ['a=3/4'],
        kubeletVersions: ['v1.29.1'],
        distinguishingAttributes: ['pool=a', 'kubeletVersion=v1.29.1'],
        distinguishingAttributeNames: ['pool', 'kubeletVersion'],
      },
    });
    expect(x.facts.sharedAttributes).toContain('pool=a');
  });

  it('counts nodes that went NotReady and came back', () => {
    const [x] = ofKind(
      nodeReadiness(
        spreading(
          [
            ['a1', 30],
            ['b1', 20],
          ],
          { recovered: ['a1', 'b1'] },
        ),
        t0,
      ),
      'not-ready-spread',
    );
    expect(x.facts).toMatchObject({
      notReadyNow: 0,
      wentNotReady60m: 2,
      recoveredNow: 2,
      distinguishingAttributes: [],
    });
    expect(x.severity).toBe('warning');
  });

  it.each([
    ['one node', [['a1', 10]] as [string, number][]],
    ['no node', []],
  ])('is quiet for %s', (_name, onsets) => {
    expect(ofKind(nodeReadiness(spreading(onsets), t0), 'not-ready-spread')).toEqual([]);
  });

  it('counts long-NotReady nodes as down now but not as part of the last hour', () => {
    const view = viewOf({
      nodes: [
        node({ name: 'old-1', ready: 'False', readySinceMs: t0 - 5 * 3_600_000 }),
        node({ name: 'old-2', ready: 'False', readySinceMs: t0 - 4 * 3_600_000 }),
        ...healthy(8),
      ],
    });
    const [x] = ofKind(nodeReadiness(view, t0), 'not-ready-spread');
    expect(x.facts).toMatchObject({ notReadyNow: 2, wentNotReady60m: 0, firstOnset: '2024-01-15T07:00:00Z' });
  });
});

describe('Ready history from Events, for a reader that was not watching', () => {
  // Wordings of kubernetes.md §3: the kubelet's NodeReady/NodeNotReady and the node
  // lifecycle controller's NodeNotReady, all `Node <n> status is now: <reason>`.
  const said = (
    n: string,
    reason: string,
    component: string,
    count: number,
    firstMs: number,
    lastMs = t0 - min,
  ) =>
    event({
      kind: 'Node',
      name: n,
      reason,
      message: `Node ${n} status is now: ${reason}`,
      component,
      count,
      firstMs,
      lastMs,
    });

  it('counts a node falling and recovering as flapping, without transitions', () => {
    const view = viewOf({
      nodes: [
        ...healthy(8),
        node({ name: 'n1' }),
        node({ name: 'n2', ready: 'Unknown', readySinceMs: t0 - 2 * min }),
      ],
      events: [
        said('n1', 'NodeNotReady', 'node-controller', 2, t0 - 20 * min),
        said('n1', 'NodeReady', 'kubelet', 2, t0 - 18 * min),
        said('n2', 'NodeNotReady', 'node-controller', 2, t0 - 25 * min, t0 - 2 * min),
        said('n2', 'NodeReady', 'kubelet', 1, t0 - 23 * min),
      ],
    });
    const flapping = ofKind(nodeReadiness(view, t0), 'node-flapping');
    expect(flapping.map((s) => [s.subject, s.facts.flips])).toEqual([
      ['node/n1', 4],
      ['node/n2', 3],
    ]);
    expect(flapping[0].evidence[0].source).toBe('event');
    const spread = ofKind(nodeReadiness(view, t0), 'not-ready-spread')[0];
    expect(spread.facts).toMatchObject({ notReadyNow: 1, wentNotReady60m: 2, recoveredNow: 1 });
  });

  it('does not add up the kubelet and the controller reporting the same fall', () => {
    const view = viewOf({
      nodes: [...healthy(8), node({ name: 'n1' })],
      events: [
        said('n1', 'NodeNotReady', 'node-controller', 1, t0 - 20 * min),
        said('n1', 'NodeNotReady', 'kubelet', 1, t0 - 20 * min),
        said('n1', 'NodeReady', 'kubelet', 1, t0 - 15 * min),
      ],
    });
    expect(ofKind(nodeReadiness(view, t0), 'node-flapping')).toEqual([]);
  });

  it('counts a record that began before the window once', () => {
    const view = viewOf({
      nodes: [...healthy(8), node({ name: 'n1' })],
      events: [
        said('n1', 'NodeNotReady', 'node-controller', 9, t0 - 50 * min),
        said('n1', 'NodeReady', 'kubelet', 9, t0 - 49 * min),
      ],
    });
    expect(ofKind(nodeReadiness(view, t0), 'node-flapping')).toEqual([]);
  });
});

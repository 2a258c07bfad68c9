import { describe, expect, it } from 'vitest';
import type { ClusterView } from '../observe/cluster-view.ts';
import { agentCondition, node, update, viewOf } from './fixtures.ts';
import { periodicOnset } from './periodic-onset.ts';

const min = 60_000;
const hour = 60 * min;
/** Midnight UTC of the n-th day of the outage (8 Oct 2023 is day 0). */
const day = (n: number) => Date.UTC(2023, 9, 8 + n);
const at = (d: number, hh: number, mm: number) => day(d) + hh * hour + mm * min;

const pools: Record<string, { image: string; kubelet: string }> = {
  p28: { image: '1.28.2-do.0', kubelet: 'v1.28.2' },
  p27: { image: '1.27.6-do.0', kubelet: 'v1.27.6' },
  p26: { image: '1.26.9-do.0', kubelet: 'v1.26.9' },
};
const names = ['p28-a', 'p28-b', 'p28-c', 'p28-d', 'p27-a', 'p27-b', 'p27-c', 'p26-a', 'p26-b', 'p26-c'];

function member(name: string, ready: 'True' | 'Unknown' = 'True', sinceMs = day(-3)) {
  const pool = name.slice(0, 3);
  return node({
    name,
    ready,
    readySinceMs: sinceMs,
    kubeletVersion: pools[pool].kubelet,
    labels: { 'doks.digitalocean.com/node-pool': pool, 'doks.digitalocean.com/version': pools[pool].image },
  });
}

/** Nodes going NotReady at the given times and back an hour later. */
function outages(onsets: [string, number][], cluster = names): ClusterView {
  const view = viewOf({ nodes: cluster.map((n) => member(n)) }, day(-1));
  for (const [name, t] of [...onsets].sort((a, b) => a[1] - b[1])) {
    update(view, 'nodes', member(name, 'Unknown', t), t);
    update(view, 'nodes', member(name, 'True', t + hour), t + hour);
  }
  return view;
}

describe('failures recurring at the same time of day', () => {
  const twoMornings: [string, number][] = [
    ['p28-a', at(0, 6, 39)],
    ['p28-b', at(0, 6, 52)],
    ['p27-a', at(0, 7, 20)],
    ['p28-c', at(1, 6, 31)],
    ['p27-b', at(1, 6, 58)],
  ];

  it('names the days, the window, the nodes and what only they have in common', () => {
    const [x] = periodicOnset(outages(twoMornings), at(1, 7, 30));
    expect(x).toMatchObject({
      kind: 'periodic-onset',
      subject: 'cluster',
      severity: 'warning',
      sinceMs: at(0, 6, 39),
      facts: {
        days: ['2023-10-08', '2023-10-09'],
        otherDays: [],
        windowStart: '06:31',
        windowEnd: '07:20',
        windowMinutes: 90,
        nodes: ['p27-a', 'p27-b', 'p28-a', 'p28-b', 'p28-c'],
        onsets: 5,
        nodesPerDay: ['2023-10-08=3', '2023-10-09=2'],
        conditions: ['Ready'],
        nextWindowStart: '2023-10-10T06:31:00Z',
        distinguishingAttributes: [
          'pool=p27|p28',
          'nodeImage=1.27.6-do.0|1.28.2-do.0',
          'kubeletVersion=v1.27.6|v1.28.2',
        ],
        distinguishingAttributeNames: ['pool', 'nodeImage', 'kubeletVersion'],
      },
    });
    expect(x.evidence.map((e) => e.text)).toEqual([
      '2023-10-08: 3 onset(s) on p27-a, p28-a, p28-b from 06:39 UTC (Ready)',
      '2023-10-09: 2 onset(s) on p27-b, p28-c from 06:31 UTC (Ready)',
    ]);
  });

  it('waits for the second morning', () => {
    expect(periodicOnset(outages(twoMornings.slice(0, 3)), at(0, 23, 0))).toEqual([]);
  });

  it('finds a window that wraps past midnight', () => {
    const view = outages([
      ['p28-a', at(0, 23, 50)],
      ['p28-b', at(1, 0, 20)],
      ['p28-c', at(1, 23, 40)],
      ['p28-d', at(2, 0, 10)],
    ]);
    const [x] = periodicOnset(view, at(2, 2, 0));
    expect(x.facts).toMatchObject({ windowStart: '23:40', windowEnd: '00:20' });
  });

  it('does not take one outage running past midnight for two days', () => {
    const view = outages([
      ['p28-a', at(0, 23, 30)],
      ['p28-b', at(0, 23, 45)],
      ['p27-a', at(1, 0, 10)],
      ['p27-b', at(1, 0, 40)],
    ]);
    expect(periodicOnset(view, at(1, 3, 0))).toEqual([]);
  });

  it("does not mistake a large cluster's steady churn for a schedule", () => {
    // 24 nodes failing each day, one per hour: two of them always share any 90 min window.
    const many = Array.from({ length: 24 }, (_, i) => `p26-${i}`);
    const onsets: [string, number][] = [];
    for (const d of [0, 1, 2]) for (let h = 0; h < 24; h++) onsets.push([many[h], at(d, h, 5 + d)]);
    expect(periodicOnset(outages(onsets, many), at(3, 0, 0))).toEqual([]);
  });

  it('leaves out other problem conditions: a network check failing at the same hour is no schedule', () => {
    const iptables = (name: string, status: 'True' | 'False', since: number) =>
      node({
        name,
        conditions: [
          agentCondition('IptablesRestoreFailing', status, 'IptablesRestoreFailed', 'x; failures=2', {
            sinceMs: since,
          }),
        ],
      });
    const view = viewOf({ nodes: ['n1', 'n2'].map((n) => iptables(n, 'False', day(-1))) }, day(0));
    for (const [d, hh, mm] of [
      [0, 17, 12],
      [1, 17, 58],
    ])
      for (const n of ['n1', 'n2']) {
        update(view, 'nodes', iptables(n, 'True', at(d, hh, mm)), at(d, hh, mm));
        update(view, 'nodes', iptables(n, 'False', at(d, hh + 1, mm)), at(d, hh + 1, mm));
      }
    expect(view.onsets.size).toBe(4);
    expect(periodicOnset(view, at(1, 20, 0))).toEqual([]);
  });

  it.each([
    ['one node, three mornings', [0, 1, 2], 1],
    ['one node, two mornings', [0, 1], 0],
  ])('%s', (_name, days, count) => {
    const view = outages(days.map((d): [string, number] => ['p28-a', at(d, 6, 30 + d * 10)]));
    expect(periodicOnset(view, at(2, 12, 0))).toHaveLength(count);
  });

  it('reads onsets still shown on nodes: the last upgrade run, a NotReady since', () => {
    const upgraded = (name: string, lastRun: string, notReadySince: number) =>
      node({
        name,
        ready: 'Unknown',
        readySinceMs: notReadySince,
        conditions: [
          agentCondition(
            'PackageUpgradeInProgress',
            'False',
            'NoUpgradeRunning',
            `no package upgrade is running; lastRun=${lastRun} lastUnit=apt-daily-upgrade.service lastResult=timeout`,
            { sinceMs: notReadySince },
          ),
        ],
      });
    const view = viewOf(
      {
        nodes: [
          upgraded('n1', '2023-10-08T06:23:04Z', at(1, 6, 41)),
          upgraded('n2', '2023-10-08T06:47:00Z', at(1, 6, 55)),
          node({ name: 'n3' }),
        ],
      },
      at(1, 7, 10),
    );
    const [x] = periodicOnset(view, at(1, 7, 10));
    expect(x.facts).toMatchObject({
      days: ['2023-10-08', '2023-10-09'],
      nodes: ['n1', 'n2'],
      conditions: ['PackageUpgradeInProgress', 'Ready'],
    });
  });
});

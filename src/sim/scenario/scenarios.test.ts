/**
 * The reference scenario files: all seven validate, each carries the healthy background
 * churn SCENARIOS.md asks for, and each outage keeps its real dates, times and the one
 * low-level fault it injects. A file edited away from its postmortem fails here.
 */
import { describe, expect, it } from 'vitest';
import { parseLabelSelector } from '../api/label-selector.ts';
import { listScenarios, loadScenario } from './loader.ts';
import type { Scenario } from './schema.ts';
import { parseIsoTime, resolveInstant } from './time-spec.ts';

const outages = ['airmap-2018', 'circleci-2023', 'data100-2019', 'digitalocean-2023', 'runway-2024'];
const baselines = ['healthy-day', 'upgrade-done-right'];
const shipped = [...outages, ...baselines].sort();
/** Synthetic baselines of heavy benign activity (issue 20): no public source, no fault. */
const busyBaselines = ['deploy-storm', 'large-busy-cluster', 'planned-maintenance'];

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

/** Each timeline entry as `<when> <fault|action>:<type>`, times in UTC. */
function timelineOf(s: Scenario): string[] {
  const start = parseIsoTime(s.start) ?? 0;
  return s.timeline.map((e) => {
    const what = e.fault
      ? `fault:${e.fault.type}`
      : e.action
        ? `action:${e.action.type}`
        : `heal:${e.heal?.fault}`;
    return `${iso(resolveInstant(e.at, start))} ${what}`;
  });
}

describe('listScenarios', () => {
  it('lists the reference scenarios, and every corpus scenario names its public source', async () => {
    const list = await listScenarios();
    expect(list.map((s) => s.name)).toEqual(expect.arrayContaining([...shipped, ...busyBaselines]));
    for (const s of list.filter((x) => !shipped.includes(x.name) && !busyBaselines.includes(x.name))) {
      const full = await loadScenario(s.name);
      expect(full.source.urls?.length, s.name).toBeGreaterThan(0);
      expect(full.source.published, s.name).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
    for (const s of list) {
      expect(s.description).toMatch(/^\S[^\n]{20,119}$/);
      expect(parseIsoTime(s.start)).toBeDefined();
    }
  });
});

describe.each(shipped)('%s', (name) => {
  it('validates and carries healthy background churn', async () => {
    const s = await loadScenario(name);
    expect(s.name).toBe(name);
    expect(s.churn.rollingDeploys.length).toBeGreaterThan(0);
    expect(s.churn.crashLoops.length).toBeGreaterThan(0);
    expect(s.churn.nodes.map((c) => c.change)).toEqual(expect.arrayContaining(['add', 'remove']));
  });
});

describe('the five outages', () => {
  it.each<[string, string, string, string[]]>([
    [
      'airmap-2018',
      'node-network',
      '2018-07-19T15:00:00Z',
      [
        '2018-07-19T15:00:00Z fault:node-network',
        '2018-07-19T16:00:00Z action:restart-kubelet',
        '2018-07-19T18:00:00Z action:restart-nodes',
      ],
    ],
    [
      'data100-2019',
      'control-plane-unreachable',
      '2019-02-25T19:21:00Z',
      [
        '2019-02-25T19:21:00Z fault:api-server-unreachable',
        '2019-02-25T19:57:00Z action:outside-cluster',
        '2019-02-25T20:28:00Z action:outside-cluster',
        '2019-02-25T20:40:00Z action:outside-cluster',
        '2019-02-25T21:10:00Z action:outside-cluster',
        '2019-02-25T21:41:00Z action:rebuild-cluster',
      ],
    ],
    [
      'runway-2024',
      'service-routing',
      '2024-11-22T11:12:00Z',
      [
        '2024-11-22T10:00:00Z action:upgrade',
        '2024-11-22T10:30:00Z action:upgrade',
        '2024-11-22T10:50:00Z action:upgrade',
        '2024-11-22T11:10:00Z action:upgrade',
        '2024-11-22T11:12:00Z fault:service-routing',
        '2024-11-22T15:00:00Z action:set-env',
        '2024-11-23T08:00:00Z action:rebuild-cluster',
      ],
    ],
    [
      'circleci-2023',
      'service-proxy-sync-failure',
      '2023-03-13T15:30:00Z',
      [
        '2023-03-13T14:00:00Z action:upgrade',
        '2023-03-13T15:30:00Z action:rollback',
        '2023-03-13T15:30:00Z fault:proxy-rule-format-mismatch',
        '2023-03-14T17:40:00Z action:upgrade',
        '2023-03-14T18:30:00Z action:restart-workload',
        '2023-03-14T18:35:00Z action:restart-workload',
        '2023-03-14T20:30:00Z action:restart-workload',
        '2023-03-14T20:35:00Z action:restart-workload',
        '2023-03-14T21:30:00Z action:restart-nodes',
        '2023-03-14T21:45:00Z action:restart-nodes',
        '2023-03-15T00:15:00Z action:restart-nodes',
      ],
    ],
    [
      'digitalocean-2023',
      'node-scheduled-job',
      '2023-10-08T06:15:00Z',
      [
        '2023-10-08T04:00:00Z fault:node-scheduled-job',
        '2023-10-08T07:43:00Z action:replace-nodes',
        '2023-10-09T07:30:00Z action:restart-nodes',
        '2023-10-09T08:30:00Z action:replace-nodes',
        '2023-10-10T06:45:00Z action:restart-nodes',
        '2023-10-10T07:45:00Z action:replace-nodes',
        '2023-10-11T03:08:00Z action:disable-node-timer',
      ],
    ],
  ])(
    '%s: %s from %s, one fault injected low, operators as they acted',
    async (name, category, onset, timeline) => {
      const s = await loadScenario(name);
      expect(s.expected.category).toBe(category);
      expect(iso(resolveInstant(s.expected.onset ?? '', parseIsoTime(s.start) ?? 0))).toBe(onset);
      expect(timelineOf(s)).toEqual(timeline);
      expect(s.timeline.filter((e) => e.fault)).toHaveLength(1);
      expect(s.expected.lookAlikes.length).toBeGreaterThan(0);
    },
  );

  it('digitalocean-2023: the timer sits on the 1.27.6-do.0 and 1.28.2-do.0 pools only, daily at 06:00 + up to 60 min', async () => {
    const s = await loadScenario('digitalocean-2023');
    const fault = s.timeline[0].fault;
    if (fault?.type !== 'node-scheduled-job')
      throw new Error(`expected the timer fault first, got ${fault?.type}`);
    const selector = parseLabelSelector(fault.nodes.selector ?? '');
    const hit = s.cluster.nodePools.filter((p) => selector.matches(p.labels)).map((p) => p.image);
    const spared = s.cluster.nodePools.filter((p) => !selector.matches(p.labels)).map((p) => p.image);
    expect(hit.sort()).toEqual(['1.27.6-do.0', '1.28.2-do.0']);
    expect(spared).toEqual(['1.26.9-do.0']);
    expect(fault.job).toMatchObject({ onCalendar: '*-*-* 06:00:00', randomizedDelay: '60m', timeout: '15m' });
    expect(fault.breaks.effect).toBe('network-total-loss');
  });

  it('circleci-2023: the rollback leaves kube-proxy at the version the fault says runs', async () => {
    const s = await loadScenario('circleci-2023');
    const rollback = s.timeline.find((e) => e.action?.type === 'rollback')?.action;
    const fault = s.timeline.find((e) => e.fault)?.fault;
    if (rollback?.type !== 'rollback' || fault?.type !== 'proxy-rule-format-mismatch')
      throw new Error('shape changed');
    expect(rollback.component).toBe('service-proxy');
    expect(fault.proxyVersion).toBe(rollback.to);
    expect(fault.rulesVersion).toBe(rollback.from);
    expect(fault.failedLine).toBe(8022);
    expect(fault.retryInterval).toBe('30s');
  });
});

describe('the healthy baselines', () => {
  it.each([...baselines, ...busyBaselines])('%s injects no fault and expects no incident', async (name) => {
    const s = await loadScenario(name);
    expect(s.expected.category).toBe('healthy');
    expect(s.timeline.filter((e) => e.fault)).toEqual([]);
    expect(s.timeline.length).toBeGreaterThan(0);
  });

  it.each(busyBaselines)('%s is busy: at least ten actions and churn entries', async (name) => {
    const s = await loadScenario(name);
    const churn = s.churn.rollingDeploys.length + s.churn.crashLoops.length + s.churn.nodes.length;
    expect(s.timeline.filter((e) => e.action).length + churn).toBeGreaterThanOrEqual(10);
  });
});

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../time/manual-clock.ts';
import { type CheckResult, healthy, problem } from './check.ts';
import { conditionMessage } from './logfmt.ts';
import {
  type AgentCondition,
  Reporter,
  seedConditions,
  type Transition,
  type WriteOutcome,
} from './reporter.ts';

const t0 = Date.UTC(2024, 10, 22, 12, 0, 0);

const vipDown: CheckResult = problem(
  'VIPConnectTimeout',
  'TCP connect to the kubernetes service VIP timed out',
  [
    ['target', '10.96.0.1:443'],
    ['stage', 'connect'],
  ],
);
const vipUp: CheckResult = healthy(
  'VIPReachable',
  'TCP, TLS and HTTP to the kubernetes service VIP succeed',
  [['target', '10.96.0.1:443']],
);

function harness(
  o: { onNode?: AgentCondition[]; stored?: AgentCondition[]; outcome?: () => WriteOutcome } = {},
) {
  const clock = new ManualClock(t0);
  const writes: { atMs: number; conditions: AgentCondition[]; deletes: string[] }[] = [];
  const transitions: Transition[] = [];
  const reporter = new Reporter({
    clock,
    sink: {
      async writeConditions(conditions, deletes, nowMs) {
        const outcome = o.outcome?.() ?? 'written';
        if (outcome === 'written')
          writes.push({ atMs: nowMs, conditions: structuredClone(conditions), deletes });
        return outcome;
      },
      transition: (t) => transitions.push(t),
    },
  });
  reporter.start(
    [
      { type: 'KubernetesServiceVIPUnreachable', kind: 'network' },
      { type: 'RebootRequired', kind: 'host' },
    ],
    o.onNode ?? [],
    o.stored,
  );
  /** Advances in small steps so the sink's promises settle between timers. */
  const advance = async (ms: number) => {
    for (let done = 0; done < ms; done += 250) {
      clock.advance(Math.min(250, ms - done));
      await new Promise((r) => setImmediate(r));
    }
  };
  return { clock, reporter, writes, transitions, advance };
}

const vip = (w: { conditions: AgentCondition[] }) =>
  w.conditions.find((c) => c.type === 'KubernetesServiceVIPUnreachable');

describe('Reporter', () => {
  it('debounces a network check: True only after 3 consecutive failures, since = the first', async () => {
    const h = harness();
    h.reporter.record('KubernetesServiceVIPUnreachable', h.clock.now(), { result: vipUp });
    await h.advance(2_000);
    expect(h.writes).toHaveLength(1);
    expect(h.transitions).toEqual([]); // first appearance as False: no event
    const failStart = h.clock.now();
    for (let i = 0; i < 2; i++) {
      h.reporter.record('KubernetesServiceVIPUnreachable', h.clock.now(), { result: vipDown });
      await h.advance(10_000);
    }
    expect(h.writes).toHaveLength(1);
    const third = h.clock.now();
    h.reporter.record('KubernetesServiceVIPUnreachable', third, { result: vipDown });
    await h.advance(1_000);
    expect(h.writes).toHaveLength(2);
    const c = vip(h.writes[1]);
    expect(c).toMatchObject({
      status: 'True',
      reason: 'VIPConnectTimeout',
      lastTransitionTime: new Date(third).toISOString().replace('.000', ''),
    });
    expect(c?.message).toContain(`since=${new Date(failStart).toISOString().replace('.000', '')}`);
    expect(h.transitions.map((t) => `${t.status}/${t.reason}`)).toEqual(['True/VIPConnectTimeout']);
    // One success clears it at once, with an event.
    h.reporter.record('KubernetesServiceVIPUnreachable', h.clock.now(), { result: vipUp });
    await h.advance(1_000);
    expect(vip(h.writes[2])?.status).toBe('False');
    expect(h.transitions.map((t) => t.reason)).toEqual(['VIPConnectTimeout', 'VIPReachable']);
  });

  it('goes Unknown after 3 runs that could not look, and coalesces changes into one write', async () => {
    const h = harness();
    for (let i = 0; i < 3; i++) {
      h.reporter.record('RebootRequired', h.clock.now(), { error: 'check timed out after 5s' });
      h.reporter.record('KubernetesServiceVIPUnreachable', h.clock.now(), { result: vipUp });
      await h.advance(100);
    }
    await h.advance(2_000);
    expect(h.writes).toHaveLength(1);
    const reboot = h.writes[0].conditions.find((c) => c.type === 'RebootRequired');
    expect(reboot).toMatchObject({ status: 'Unknown', reason: 'CheckError' });
    expect(reboot?.message).toMatch(/^check could not run; error="check timed out after 5s" since=/);
  });

  it('heartbeats every 5 min and sends a message-only change within 60 s, not 1 s', async () => {
    const h = harness();
    const facts = (n: number) =>
      healthy('RunningNewestKernel', 'the running kernel is the newest installed', [['bootID', n]]);
    h.reporter.record('RebootRequired', h.clock.now(), { result: facts(1) });
    await h.advance(1_000);
    expect(h.writes).toHaveLength(1);
    h.reporter.record('RebootRequired', h.clock.now(), { result: facts(2) });
    await h.advance(30_000);
    expect(h.writes).toHaveLength(1);
    await h.advance(31_000);
    expect(h.writes).toHaveLength(2);
    expect(h.writes[1].atMs - h.writes[0].atMs).toBe(60_000);
    expect(h.transitions).toEqual([]);
    await h.advance(5 * 60_000);
    expect(h.writes).toHaveLength(3);
    expect(h.writes[2].atMs - h.writes[1].atMs).toBe(5 * 60_000);
  });

  it('keeps the Node’s transition time and emits no event when a restart finds the same state', async () => {
    const h = harness({
      onNode: [
        {
          type: 'KubernetesServiceVIPUnreachable',
          status: 'False',
          reason: 'VIPReachable',
          message: 'old',
          lastTransitionTime: '2024-11-20T09:12:05Z',
        },
        {
          type: 'NodeResolverUnhealthy',
          status: 'False',
          reason: 'NodeResolverResolving',
          message: '',
          lastTransitionTime: '2024-11-20T09:12:05Z',
        },
      ],
    });
    h.reporter.record('KubernetesServiceVIPUnreachable', h.clock.now(), { result: vipUp });
    await h.advance(1_500);
    expect(vip(h.writes[0])?.lastTransitionTime).toBe('2024-11-20T09:12:05Z');
    // NodeResolverUnhealthy is owned but not run by this agent: deleted.
    expect(h.writes[0].deletes).toEqual(['NodeResolverUnhealthy']);
    expect(h.transitions).toEqual([]);
  });

  it('writes promptly after a restart whose first check confirms what it started from', async () => {
    const vipFalse = {
      type: 'KubernetesServiceVIPUnreachable',
      status: 'False' as const,
      reason: 'VIPReachable',
      message: conditionMessage(vipUp.summary, vipUp.groups),
      lastTransitionTime: '2024-11-20T09:12:05Z',
    };
    // Nothing else to write: this PATCH is the restarted agent's first heartbeat.
    const h = harness({ stored: [vipFalse] });
    h.reporter.record('KubernetesServiceVIPUnreachable', h.clock.now(), { result: vipUp });
    await h.advance(1_000);
    expect(h.writes).toHaveLength(1);
    expect(vip(h.writes[0])).toEqual(vipFalse);
    expect(h.transitions).toEqual([]);
    // Before its first check a type is remembered as it was kept.
    expect(h.reporter.remembered()).toEqual([vipFalse]);
  });

  it('carries a True network streak across a restart: since from the seed, no new debounce', async () => {
    const since = '2024-11-22T11:40:10Z';
    const seededTrue = (message: string): AgentCondition => ({
      type: 'KubernetesServiceVIPUnreachable',
      status: 'True',
      reason: 'VIPConnectTimeout',
      message,
      lastTransitionTime: '2024-11-22T11:40:30Z',
    });
    const sinceOf = (h: ReturnType<typeof harness>) =>
      /since=(\S+)/.exec(vip(h.writes.at(-1) ?? { conditions: [] })?.message ?? '')?.[1];
    const withSince = harness({
      onNode: [seededTrue(conditionMessage(vipDown.summary, [[...vipDown.groups[0], ['since', since]]]))],
    });
    withSince.reporter.record('KubernetesServiceVIPUnreachable', withSince.clock.now(), { result: vipDown });
    await withSince.advance(1_000);
    // The first failure after the restart is the same streak: the seed stands, unchanged.
    expect(vip(withSince.writes[0])).toMatchObject({
      status: 'True',
      lastTransitionTime: '2024-11-22T11:40:30Z',
    });
    expect(sinceOf(withSince)).toBe(since);
    for (let i = 0; i < 3; i++) {
      withSince.reporter.record('KubernetesServiceVIPUnreachable', withSince.clock.now(), {
        result: vipDown,
      });
      await withSince.advance(70_000);
    }
    expect(sinceOf(withSince)).toBe(since);
    expect(withSince.transitions).toEqual([]);
    // A seed without a since field (an older agent's words): its transition time.
    const without = harness({ onNode: [seededTrue('TCP connect to the kubernetes service VIP timed out')] });
    without.reporter.record('KubernetesServiceVIPUnreachable', without.clock.now(), { result: vipDown });
    await without.advance(1_000);
    expect(sinceOf(without)).toBe('2024-11-22T11:40:30Z');
  });

  it('hands a host check that keeps its own since the seed’s, when it was True', () => {
    const resumed: number[] = [];
    const reporter = new Reporter({
      clock: new ManualClock(t0),
      sink: { writeConditions: async () => 'written', transition: () => {} },
    });
    const seed = (type: string, status: 'True' | 'False'): AgentCondition => ({
      type,
      status,
      reason: 'ConntrackNearlyFull',
      message: 'conntrack table is above 90% full; count=240112 max=262144 since=2024-11-22T11:00:00Z',
      lastTransitionTime: '2024-11-22T11:00:30Z',
    });
    reporter.start(
      [
        { type: 'ConntrackTableFull', kind: 'host', resume: (ms) => resumed.push(ms) },
        { type: 'RebootRequired', kind: 'host', resume: (ms) => resumed.push(-ms) },
      ],
      [seed('ConntrackTableFull', 'True'), seed('RebootRequired', 'False')],
    );
    reporter.stop();
    expect(resumed).toEqual([Date.parse('2024-11-22T11:00:00Z')]);
  });

  it('retries a failed write with backoff and keeps the change', async () => {
    let fail = 2;
    const h = harness({ outcome: () => (fail-- > 0 ? 'retry' : 'written') });
    h.reporter.record('RebootRequired', h.clock.now(), {
      result: problem('NewerKernelInstalled', 'a newer kernel is installed than the one running', [
        ['installed', '6.1.0-13-amd64'],
      ]),
    });
    await h.advance(1_000 + 1_000 + 2_000 + 500);
    expect(h.writes).toHaveLength(1);
    expect(h.writes[0].conditions[0].reason).toBe('NewerKernelInstalled');
    // A True host condition's first appearance is an event (Normal for RebootRequired: the agent decides).
    expect(h.transitions.map((t) => t.reason)).toEqual(['NewerKernelInstalled']);
  });
});

describe('seedConditions', () => {
  const c = (status: 'True' | 'False', reason: string, lastTransitionTime: string): AgentCondition => ({
    type: 'KubernetesServiceVIPUnreachable',
    status,
    reason,
    message: `${reason} at ${lastTransitionTime}`,
    lastTransitionTime,
  });
  const up = c('False', 'VIPReachable', '2023-10-05T11:02:40Z');
  const down = c('True', 'VIPConnectTimeout', '2023-10-08T06:38:30Z');
  it.each([
    ['the Node alone', [up], [], up],
    ['the state alone (the Node never received it)', [], [down], down],
    ['a later transition the Node never received', [up], [down], down],
    ['the Node when it is newer than the state', [down], [up], down],
    ['the Node when both agree', [up], [{ ...up, message: 'older words' }], up],
    [
      'a reason change at the same transition time',
      [down],
      [{ ...down, reason: 'VIPConnectionRefused' }],
      { ...down, reason: 'VIPConnectionRefused' },
    ],
  ] as const)('starts from %s', (_what, onNode, stored, want) => {
    expect(seedConditions(onNode, stored)).toEqual([want]);
  });
});

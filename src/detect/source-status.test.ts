import { describe, expect, it } from 'vitest';
import type { Observation } from '../kube/observations.ts';
import { agentCondition, node, t0, viewOf } from './fixtures.ts';
import { probeRound, sourceObs, timeoutError } from './fixtures-components.ts';
import { ofKind } from './signal.ts';
import { type SourceFamily, type SourceStatusFacts, sourceFamilies } from './signal-kinds.ts';
import { sourceStatus } from './source-status.ts';

const sec = 1_000;
const min = 60_000;
const watchError = 'dial tcp 10.0.0.10:6443: i/o timeout';
const down = { ok: false, latencyMs: 5_000, error: timeoutError };

/** The one signal about `family`. */
const statusOf = (family: SourceFamily, extra: Observation[]) => {
  const out = ofKind(sourceStatus(viewOf({}, t0 - 60 * min, extra), t0), 'source-status');
  return out.filter((s) => s.facts.source === family);
};

describe('sourceStatus: one info signal per family', () => {
  it('names every family once, in order, even with no data at all', () => {
    const out = sourceStatus(viewOf({}), t0);
    expect(out.map((s) => [s.kind, s.subject, s.severity])).toEqual(
      sourceFamilies.map((f) => ['source-status', `source/${f}`, 'info']),
    );
    expect(ofKind(out, 'source-status').map((s) => s.facts.state)).toEqual(sourceFamilies.map(() => 'never'));
  });
});

describe('sourceStatus: reflectors, probes, scrapes and logs', () => {
  it.each<[string, SourceFamily, Observation[], SourceStatusFacts]>([
    [
      'a reflector whose watch has been quiet for 30 min is fresh',
      'reflector/nodes',
      [sourceObs('reflector/nodes', true, t0 - 30 * min)],
      { source: 'reflector/nodes', state: 'fresh', failures: 0, lastError: '' },
    ],
    [
      'a reflector failing since it last worked is stale since its first failure',
      'reflector/pods',
      [
        sourceObs('reflector/pods', true, t0 - 10 * min),
        sourceObs('reflector/pods', false, t0 - 2 * min, watchError),
        sourceObs('reflector/pods', false, t0 - 1 * min, watchError),
      ],
      {
        source: 'reflector/pods',
        state: 'stale',
        failures: 2,
        lastError: watchError,
        staleSinceMs: t0 - 2 * min,
      },
    ],
    [
      'a reflector that never listed',
      'reflector/events',
      [sourceObs('reflector/events', false, t0 - 1 * min, 'events is forbidden')],
      {
        source: 'reflector/events',
        state: 'never',
        failures: 1,
        lastError: 'events is forbidden',
        staleSinceMs: t0 - 1 * min,
      },
    ],
    [
      'a reflector that never ran (another family delivering does not count)',
      'reflector/leases',
      [sourceObs('reflector/nodes', true, t0 - 1 * min)],
      { source: 'reflector/leases', state: 'never', failures: 0, lastError: '' },
    ],
    [
      'probes that answered 10 s ago',
      'probe',
      probeRound(t0 - 10 * sec),
      { source: 'probe', state: 'fresh', failures: 0, lastError: '' },
    ],
    [
      'probes silent for 10 min',
      'probe',
      probeRound(t0 - 10 * min),
      { source: 'probe', state: 'stale', failures: 0, lastError: '', staleSinceMs: t0 - 10 * min },
    ],
    [
      'probes failing after an answer',
      'probe',
      [...probeRound(t0 - 1 * min), ...probeRound(t0 - 5 * sec, down)],
      { source: 'probe', state: 'stale', failures: 3, lastError: timeoutError, staleSinceMs: t0 - 5 * sec },
    ],
    [
      'probes that never answered',
      'probe',
      probeRound(t0, down),
      { source: 'probe', state: 'never', failures: 3, lastError: timeoutError, staleSinceMs: t0 },
    ],
    [
      'kube-proxy scraped on one node and failing on another: fresh, with the error',
      'metrics/kube-proxy',
      [
        sourceObs('metrics/kube-proxy/w1', true, t0 - 30 * sec),
        sourceObs('metrics/kube-proxy/w2', false, t0 - 30 * sec, 'HTTP 503'),
      ],
      { source: 'metrics/kube-proxy', state: 'fresh', failures: 1, lastError: 'HTTP 503' },
    ],
    [
      'an ingress controller never scraped',
      'metrics/ingress',
      [sourceObs('metrics/kube-proxy/w1', true, t0 - 30 * sec)],
      { source: 'metrics/ingress', state: 'never', failures: 0, lastError: '' },
    ],
    [
      'an ingress controller scraped 2 min ago',
      'metrics/ingress',
      [sourceObs('metrics/ingress-nginx/ingress-nginx/controller-1', true, t0 - 2 * min)],
      { source: 'metrics/ingress', state: 'fresh', failures: 0, lastError: '' },
    ],
    [
      'log tails last read 6 min ago',
      'logs',
      [sourceObs('logs/kube-system/coredns-a/coredns', true, t0 - 6 * min)],
      { source: 'logs', state: 'stale', failures: 0, lastError: '', staleSinceMs: t0 - 6 * min },
    ],
  ])('%s', (_name, family, extra, facts) => {
    const [s, ...rest] = statusOf(family, extra);
    expect(rest).toEqual([]);
    expect(s.facts).toEqual(facts);
    expect(s.subject).toBe(`source/${family}`);
  });
});

describe('sourceStatus: the node agent', () => {
  const vipOk = (heartbeatMs: number) =>
    agentCondition('KubernetesServiceVIPUnreachable', 'False', 'VIPReachable', 'ok', { heartbeatMs });
  const kernelDeadlock = {
    type: 'KernelDeadlock',
    status: 'False',
    reason: 'KernelHasNoDeadlock',
    lastHeartbeatTime: '2024-01-15T11:59:00Z',
  };

  it.each([
    ['no node carries its conditions', [[]], 'never', t0],
    ["another tool's conditions are not the agent's", [[kernelDeadlock]], 'never', t0],
    ['a heartbeat 5 min old', [[vipOk(t0 - 5 * min)]], 'fresh', t0 - 5 * min],
    [
      'the newest heartbeat of any node counts',
      [[vipOk(t0 - 30 * min)], [vipOk(t0 - 2 * min)]],
      'fresh',
      t0 - 2 * min,
    ],
    [
      'every heartbeat older than 11 min',
      [[vipOk(t0 - 20 * min)], [vipOk(t0 - 12 * min)]],
      'stale',
      t0 - 12 * min,
    ],
  ])('%s: %s', (_name, conditions, state, sinceMs) => {
    const nodes = conditions.map((c, i) => node({ name: `n${i + 1}`, conditions: c }));
    const out = ofKind(sourceStatus(viewOf({ nodes }), t0), 'source-status');
    const [s, ...rest] = out.filter((x) => x.facts.source === 'agent');
    expect(rest).toEqual([]);
    expect(s).toMatchObject({ subject: 'source/agent', severity: 'info', sinceMs });
    expect(s.facts).toMatchObject({ source: 'agent', state, failures: 0, lastError: '' });
  });
});

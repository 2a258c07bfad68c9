import { describe, expect, it } from 'vitest';
import { ClusterView } from '../observe/cluster-view.ts';
import { apiHealth } from './api-health.ts';
import { t0, viewOf } from './fixtures.ts';
import {
  probe,
  probeRound,
  probeRounds,
  refusedError,
  sourceObs,
  timeoutError,
} from './fixtures-components.ts';
import { ofKind } from './signal.ts';

const s = (n: number) => n * 1000;
const down = { ok: false, latencyMs: 5_000, error: timeoutError };

describe('apiHealth: api-unreachable', () => {
  it('stays quiet while every probe answers fast', () => {
    const view = viewOf({}, t0, probeRounds(t0 - s(60), t0));
    expect(apiHealth(view, t0)).toEqual([]);
  });

  it('says nothing without any probe or reflector data: no data is neither up nor down', () => {
    expect(apiHealth(viewOf({}, t0), t0)).toEqual([]);
  });

  it('fires after two rounds without an answer, with since, errors and the last answer', () => {
    const view = viewOf({}, t0, [
      ...probeRounds(t0 - s(30), t0 - s(10)),
      ...probeRound(t0 - s(5), down),
      ...probeRound(t0, down),
    ]);
    const [sig] = apiHealth(view, t0);
    expect(sig.kind).toBe('api-unreachable');
    expect(sig.severity).toBe('critical');
    expect(sig.sinceMs).toBe(t0 - s(5));
    expect(sig.facts).toMatchObject({
      since: t0 - s(5),
      failures: 6,
      errors: ['no answer before the request timeout'],
      errorKinds: ['timeout'],
      lastOkMs: t0 - s(10),
      probesStale: false,
    });
  });

  it('dates an outage longer than the probe history from the last answer, not the oldest probe held', () => {
    const view = new ClusterView({ probeLimit: 6 });
    const rounds = [...probeRounds(t0 - s(60), t0 - s(50))];
    for (let at = t0 - s(45); at <= t0; at += s(5)) rounds.push(...probeRound(at, down));
    for (const o of rounds) view.apply(o);
    const [sig] = apiHealth(view, t0);
    expect(sig.kind).toBe('api-unreachable');
    expect(sig.facts).toMatchObject({ lastOkMs: t0 - s(50) });
    expect(sig.sinceMs).toBe(t0 - s(50) + 1);
  });

  it('does not fire on a single lost round', () => {
    const view = viewOf({}, t0, [...probeRounds(t0 - s(30), t0 - s(5)), ...probeRound(t0, down)]);
    expect(apiHealth(view, t0 + s(1))).toEqual([]);
  });

  it('fires when one failed round has gone unanswered for 10 s', () => {
    const view = viewOf({}, t0, [...probeRounds(t0 - s(30), t0 - s(5)), ...probeRound(t0, down)]);
    expect(apiHealth(view, t0 + s(11)).map((x) => x.kind)).toEqual(['api-unreachable']);
  });

  it('keeps timeouts and refusals apart', () => {
    const view = viewOf({}, t0, [
      ...probeRound(t0 - s(5), down),
      ...probeRound(t0, { ok: false, latencyMs: 2, error: refusedError }),
    ]);
    const [sig] = ofKind(apiHealth(view, t0), 'api-never-reached');
    expect(sig.facts.errorKinds).toEqual(['refused', 'timeout']);
    expect(sig.facts.errors).toEqual([
      'connect ECONNREFUSED 10.0.0.10:6443',
      'no answer before the request timeout',
    ]);
    expect(sig.facts.lastOkMs).toBeUndefined();
  });

  it('an API server that never answered this process is never-reached, not unreachable: nothing was seen', () => {
    const refused = { ok: false, latencyMs: 2, error: refusedError };
    const view = viewOf({}, t0, [
      ...probeRound(t0 - s(5), refused),
      ...probeRound(t0, refused),
      sourceObs('reflector/nodes', false, t0 - s(5), 'connect ECONNREFUSED 10.0.0.10:6443'),
    ]);
    const [sig] = apiHealth(view, t0);
    expect(sig.kind).toBe('api-never-reached');
    expect(sig.severity).toBe('critical');
    expect(sig.facts).toMatchObject({ errorKinds: ['refused'], failures: 6 });
    expect(sig.summary).toContain('never seen this cluster');
  });

  it('a watch that once listed is an answer: the same refusals then are unreachable', () => {
    const refused = { ok: false, latencyMs: 2, error: refusedError };
    const view = viewOf({}, t0, [
      sourceObs('reflector/nodes', true, t0 - s(60)),
      ...probeRound(t0 - s(5), refused),
      ...probeRound(t0, refused),
    ]);
    expect(apiHealth(view, t0).map((x) => x.kind)).toEqual(['api-unreachable']);
  });

  it('reads 502/503/504 from a load balancer as no answer from the API server', () => {
    const lb = { ok: false, status: 503, error: 'https://api.example:443/livez: HTTP 503' };
    const view = viewOf({}, t0, [
      ...probeRound(t0 - s(10)),
      ...probeRound(t0 - s(5), lb),
      ...probeRound(t0, lb),
    ]);
    expect(apiHealth(view, t0).map((x) => x.kind)).toEqual(['api-unreachable']);
  });

  it('when probes have gone silent, failing reflectors are the witness', () => {
    const view = viewOf({}, t0 - s(200), [
      ...probeRound(t0 - s(120)),
      sourceObs('reflector/pods', true, t0 - s(120)),
      sourceObs('reflector/nodes', true, t0 - s(120)),
      sourceObs('reflector/pods', false, t0 - s(60), 'dial tcp 10.0.0.10:6443: i/o timeout'),
      sourceObs('reflector/nodes', false, t0 - s(55), 'dial tcp 10.0.0.10:6443: i/o timeout'),
    ]);
    const [sig] = apiHealth(view, t0);
    expect(sig.kind).toBe('api-unreachable');
    expect(sig.sinceMs).toBe(t0 - s(60));
    expect(sig.facts).toMatchObject({
      probesStale: true,
      reflectorsFailing: ['reflector/nodes', 'reflector/pods'],
      errorKinds: ['timeout'],
      lastOkMs: t0 - s(120),
    });
  });

  it('silent probes with working reflectors prove nothing either way', () => {
    const view = viewOf({}, t0, [
      ...probeRound(t0 - s(120)),
      sourceObs('reflector/pods', true, t0 - s(120)),
      sourceObs('reflector/nodes', false, t0 - s(60), 'Forbidden'),
    ]);
    expect(apiHealth(view, t0)).toEqual([]);
  });

  it('clears once the API answers again', () => {
    const view = viewOf({}, t0, [
      ...probeRounds(t0 - s(180), t0 - s(120), down),
      ...probeRounds(t0 - s(115), t0),
    ]);
    expect(apiHealth(view, t0)).toEqual([]);
  });
});

describe('apiHealth: api-degraded', () => {
  const m = (n: number) => n * 60_000;
  const usualThen = (lastMinuteMs: number) =>
    viewOf({}, t0 - m(30), [
      ...probeRounds(t0 - m(30), t0 - m(1) - s(5), { latencyMs: 6 }),
      ...probeRounds(t0 - m(1), t0, { latencyMs: lastMinuteMs }),
    ]);

  it('fires when answers take ten times as long as in the half hour before, past 200 ms', () => {
    const [sig] = ofKind(apiHealth(usualThen(410), t0), 'api-degraded');
    expect(sig?.facts).toMatchObject({ p50Ms: 410, usualP50Ms: 6, slowProbes: 0 });
    expect(sig?.summary).toContain('usually 6 ms');
  });

  it.each([
    ['jitter under 200 ms', 120],
    ['200 ms that is only a few times usual', 250],
  ])('stays quiet on %s', (_name, lastMinuteMs) => {
    const view =
      lastMinuteMs === 250
        ? viewOf({}, t0 - m(30), [
            ...probeRounds(t0 - m(30), t0 - m(1) - s(5), { latencyMs: 60 }),
            ...probeRounds(t0 - m(1), t0, { latencyMs: 250 }),
          ])
        : usualThen(lastMinuteMs);
    expect(ofKind(apiHealth(view, t0), 'api-degraded')).toEqual([]);
  });

  it('names the health checks a failed /livez or /readyz lists', () => {
    const body =
      '[+]ping ok\n[+]log ok\n[-]etcd failed: reason withheld\n[+]informer-sync ok\nreadyz check failed';
    const failed = {
      ok: false,
      status: 500,
      latencyMs: 2_000,
      error: `https://10.0.0.10:6443/readyz: ${body}`,
    };
    const view = viewOf({}, t0, [
      ...probeRounds(t0 - s(60), t0 - s(15)),
      ...probeRound(t0 - s(10), failed),
      ...probeRound(t0 - s(5), failed),
    ]);
    const [sig] = ofKind(apiHealth(view, t0), 'api-degraded');
    expect(sig?.facts.failedChecks).toEqual(['etcd']);
    expect(sig?.summary).toContain('failing checks etcd');
  });

  it('needs a usual to compare with: 400 ms answers with no history are not called slow', () => {
    const view = viewOf({}, t0, probeRounds(t0 - m(1), t0, { latencyMs: 400 }));
    expect(ofKind(apiHealth(view, t0), 'api-degraded')).toEqual([]);
  });

  it('fires when the median latency is over 1 s', () => {
    const view = viewOf({}, t0, probeRounds(t0 - s(55), t0, { latencyMs: 1_500 }));
    const [sig] = apiHealth(view, t0);
    expect(sig.kind).toBe('api-degraded');
    expect(sig.severity).toBe('warning');
    expect(sig.facts).toMatchObject({ p50Ms: 1_500, maxMs: 1_500, statuses: [], slowProbes: 36 });
  });

  it('ignores one slow probe', () => {
    const view = viewOf({}, t0, [...probeRounds(t0 - s(55), t0), probe('livez', t0, { latencyMs: 2_500 })]);
    expect(apiHealth(view, t0)).toEqual([]);
  });

  it('fires on repeated 500s from /readyz and names them', () => {
    const sick = { ok: false, status: 500, latencyMs: 8, error: 'https://x/readyz: [-]etcd failed' };
    const view = viewOf({}, t0, [
      ...probeRounds(t0 - s(30), t0),
      probe('readyz', t0 - s(20), sick),
      probe('readyz', t0 - s(10), sick),
    ]);
    const out = apiHealth(view, t0);
    expect(out[0].kind).toBe('api-degraded');
    const [sig] = ofKind(out, 'api-degraded');
    expect(sig.facts.statuses).toEqual(['readyz 500']);
  });

  it('fires on intermittent non-answers that never make a streak', () => {
    const view = viewOf({}, t0, [
      probe('livez', t0 - s(40), down),
      ...probeRound(t0 - s(35)),
      probe('livez', t0 - s(20), down),
      ...probeRound(t0 - s(15)),
    ]);
    const out = apiHealth(view, t0);
    expect(out[0].kind).toBe('api-degraded');
    const [sig] = ofKind(out, 'api-degraded');
    expect(sig.facts.unanswered).toBe(2);
  });
});

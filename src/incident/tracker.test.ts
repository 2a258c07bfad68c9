import { describe, expect, it } from 'vitest';
import type { Signal } from '../detect/signal.ts';
import type { Hypothesis } from '../diagnose/hypothesis.ts';
import { IncidentTracker } from './tracker.ts';

const t0 = Date.UTC(2024, 0, 15, 12, 0, 0);

function hyp(
  pattern: string,
  confidence: number,
  signals: string[] = ['s1'],
  clusterLevel = true,
): Hypothesis {
  return {
    pattern,
    title: pattern,
    statement: `${pattern} statement`,
    confidence,
    severity: 'critical',
    clusterLevel,
    sinceMs: t0,
    supporting: [],
    contradicting: [],
    ruledOut: [],
    blastRadius: {},
    nextSteps: [],
    runbooks: [],
    prevention: [],
    signals,
  };
}

const round = (hs: Hypothesis[], findings: Hypothesis[] = []) => ({ hypotheses: hs, findings });

describe('incident tracker', () => {
  it('opens one incident after the hypothesis holds two rounds, and updates it instead of opening another', () => {
    const t = new IncidentTracker();
    expect(t.update(round([hyp('kubelet-failure', 0.6)]), t0)).toEqual([]);
    const [opened] = t.update(round([hyp('kubelet-failure', 0.6)]), t0 + 10_000);
    expect(opened.what).toBe('opened');
    expect(opened.incident.status).toBe('investigating');
    t.update(round([hyp('node-network', 0.85, ['s1', 's2'])]), t0 + 20_000);
    expect(t.incidents()).toHaveLength(1);
    const [i] = t.incidents();
    expect(i.top.pattern).toBe('node-network');
    expect(i.status).toBe('identified');
    expect(i.topSince).toEqual({ 'kubelet-failure': t0 + 10_000, 'node-network': t0 + 20_000 });
    expect(i.timeline.map((e) => e.kind)).toEqual(['opened', 'signal', 'hypothesis', 'signal', 'status']);
  });

  it('folds a weaker reading of trouble an open incident holds into it; a confident cause or other signals still open their own', () => {
    const open = (extra: Hypothesis) => {
      const t = new IncidentTracker();
      const cause = hyp('dns-overload', 0.75, ['oom', 'dns-pods']);
      t.update(round([cause]), t0);
      t.update(round([cause]), t0 + 10_000);
      t.update(round([cause, extra]), t0 + 20_000);
      t.update(round([cause, extra]), t0 + 30_000);
      return t.incidents().map((i) => i.top.pattern);
    };
    expect(open(hyp('cluster-dns', 0.55, ['dns-pods']))).toEqual(['dns-overload']);
    expect(open(hyp('cluster-dns', 0.8, ['dns-pods']))).toEqual(['dns-overload', 'cluster-dns']);
    expect(open(hyp('cluster-dns', 0.55, ['dns-pods', 'lookups-a', 'lookups-b']))).toEqual([
      'dns-overload',
      'cluster-dns',
    ]);
  });

  it('moves to Monitoring when the signals clear and to Resolved after the quiet period, and reopens on recurrence', () => {
    const t = new IncidentTracker({ resolveAfterMs: 60_000, monitorAfterMs: 0 });
    t.update(round([hyp('service-routing', 0.9)]), t0);
    t.update(round([hyp('service-routing', 0.9)]), t0 + 10_000);
    t.update(round([]), t0 + 20_000);
    expect(t.incidents()[0].status).toBe('monitoring');
    t.update(round([]), t0 + 90_000);
    expect(t.incidents()[0].status).toBe('resolved');
    t.update(round([hyp('service-routing', 0.9)]), t0 + 100_000);
    t.update(round([hyp('service-routing', 0.9)]), t0 + 110_000);
    expect(t.incidents()).toHaveLength(1);
    expect(t.incidents()[0].status).toBe('identified');
  });

  it('keeps different root causes apart and a single app’s trouble out of incidents', () => {
    const t = new IncidentTracker({ holdRounds: 1 });
    t.update(
      round(
        [hyp('control-plane-unreachable', 0.9), hyp('node-network', 0.7)],
        [hyp('app-bug', 0.7, ['x'], false)],
      ),
      t0,
    );
    expect(
      t
        .incidents()
        .map((i) => i.family)
        .sort(),
    ).toEqual(['control-plane', 'nodes']);
    expect(t.findings.map((f) => f.pattern)).toEqual(['app-bug']);
  });

  it('ignores hypotheses below the opening confidence and flickers shorter than the hold', () => {
    const t = new IncidentTracker();
    t.update(round([hyp('node-network', 0.4)]), t0);
    t.update(round([hyp('node-network', 0.4)]), t0 + 10_000);
    t.update(round([hyp('kubelet-failure', 0.6)]), t0 + 20_000);
    t.update(round([]), t0 + 30_000);
    expect(t.incidents()).toEqual([]);
  });

  it('reopens a failure that recurs the next day at the same time as the same incident', () => {
    const t = new IncidentTracker({ resolveAfterMs: 15 * 60_000 });
    const day1 = hyp('node-scheduled-job', 0.65, ['node-not-ready cluster']);
    const day2 = hyp('node-scheduled-job', 0.9, ['periodic-onset cluster', 'node-not-ready cluster']);
    const at = (h: number) => t0 + h * 3_600_000;
    t.update(round([day1]), at(0));
    t.update(round([day1]), at(0) + 10_000);
    t.update(round([]), at(1));
    t.update(round([]), at(1.5));
    t.update(round([]), at(2));
    expect(t.incidents().map((i) => i.status)).toEqual(['resolved']);
    t.update(round([day2]), at(24));
    t.update(round([day2]), at(24) + 10_000);
    expect(t.incidents().map((i) => [i.id, i.status])).toEqual([['INC-0001', 'identified']]);
    // Without the periodic signal, a day later is a new story.
    const u = new IncidentTracker({ resolveAfterMs: 15 * 60_000 });
    for (const [h, hs] of [
      [0, [day1]],
      [0.01, [day1]],
      [1, []],
      [1.5, []],
      [2, []],
      [24, [day1]],
      [24.01, [day1]],
    ] as const)
      u.update(round([...hs]), at(h));
    expect(u.incidents().map((i) => i.id)).toEqual(['INC-0001', 'INC-0002']);
  });
  it('waits for the signals to stay clear before Monitoring, so a flapping cause does not flap the status', () => {
    const t = new IncidentTracker({ monitorAfterMs: 3 * 60_000 });
    const h = hyp('node-network', 0.8);
    t.update(round([h]), t0);
    t.update(round([h]), t0 + 10_000);
    // Signals come and go every minute: the incident stays Identified throughout.
    for (let m = 1; m <= 10; m++) t.update(round(m % 2 ? [] : [h]), t0 + m * 60_000);
    const [i] = t.incidents();
    expect(i.status).toBe('identified');
    expect(i.timeline.filter((e) => e.kind === 'status')).toHaveLength(1);
    t.update(round([]), t0 + 11 * 60_000);
    t.update(round([]), t0 + 14 * 60_000 + 1);
    expect(i.status).toBe('monitoring');
  });

  it('waits longer before Monitoring each time the signals came back within the hour', () => {
    const t = new IncidentTracker({ monitorAfterMs: 3 * 60_000, resolveAfterMs: 60 * 60_000 });
    const h = hyp('service-proxy-sync-failure', 0.8);
    const at = (m: number) => t0 + m * 60_000;
    t.update(round([h]), at(0));
    t.update(round([h]), at(0) + 10_000);
    // Sparse failures: a few minutes of signal every 20 minutes, for two hours.
    for (let m = 1; m <= 120; m++) t.update(round(m % 20 < 3 ? [h] : []), at(m));
    const statuses = t.incidents()[0].timeline.filter((e) => e.kind === 'status');
    // Without the back-off it would flip twice every 20 minutes (about 12 times). The first
    // short episode resolves before anyone can know it recurs (identified, monitoring,
    // resolved, then investigating and identified when it comes back); after that it holds.
    expect(statuses.length).toBeLessThanOrEqual(7);
    expect(statuses.filter((e) => e.text.includes('→ resolved'))).toHaveLength(1);
  });

  it('resolves a short episode that cleared once after as long as it lasted, a long or returning one after the full quiet period', () => {
    const h = hyp('control-plane-unreachable', 0.8);
    const at = (m: number) => t0 + m * 60_000;
    /** Signals for `lasted` minutes, then quiet; the status at each later minute. */
    const run = (lasted: number, until: number, t = new IncidentTracker()) => {
      const seen: string[] = [];
      for (let m = 0; m <= until; m++) {
        t.update(round(m < lasted ? [h] : []), at(m));
        seen.push(t.incidents()[0]?.status ?? 'none');
      }
      return seen;
    };
    // Three minutes of trouble: quiet from minute 3, resolved five quiet minutes later.
    const blip = run(3, 20);
    expect(blip[7]).toBe('monitoring');
    expect(blip[8]).toBe('resolved');
    // Ten minutes of trouble: watched for ten quiet minutes.
    const outage = run(10, 30);
    expect(outage[19]).toBe('monitoring');
    expect(outage[20]).toBe('resolved');
    // An hour of trouble: the full fifteen.
    const long = run(60, 80);
    expect(long[74]).toBe('monitoring');
    expect(long[75]).toBe('resolved');
    // A short episode that came back once is watched for the full quiet period after it.
    const t = new IncidentTracker();
    const seen: string[] = [];
    for (let m = 0; m <= 40; m++) {
      t.update(round(m < 2 || (m >= 6 && m < 8) ? [h] : []), at(m));
      seen.push(t.incidents()[0]?.status ?? 'none');
    }
    expect(seen[5]).toBe('monitoring');
    expect(seen[6]).toBe('identified');
    expect(seen[22]).toBe('identified');
    expect(seen[23]).toBe('monitoring');
    expect(seen[24]).toBe('resolved');
    // Back two hours later for two minutes: its own short episode, resolved five quiet minutes on.
    for (let m = 160; m <= 170; m++) {
      t.update(round(m < 162 ? [h] : []), at(m));
      seen[m] = t.incidents()[0].status;
    }
    expect(t.incidents()).toHaveLength(1);
    expect(seen[160]).toBe('resolved');
    expect(seen[161]).toBe('identified');
    expect(seen[166]).toBe('monitoring');
    expect(seen[167]).toBe('resolved');
  });

  it('keeps an identified top until a challenger has led long enough and clearly', () => {
    const t = new IncidentTracker({ switchAfterMs: 5 * 60_000, switchMargin: 0.05 });
    const net = hyp('node-network', 0.8, ['a']);
    const one = hyp('kubelet-failure', 0.85, ['a']);
    t.update(round([net]), t0);
    t.update(round([net]), t0 + 10_000);
    // The challenger leads, but only for four minutes: no switch.
    for (let s = 1; s <= 24; s++) t.update(round([one, net]), t0 + 10_000 + s * 10_000);
    const [i] = t.incidents();
    expect(i.top.pattern).toBe('node-network');
    expect(i.runnerUp?.pattern).toBe('kubelet-failure');
    // Past five minutes, and more confident by the margin: it takes over, once.
    for (let s = 25; s <= 32; s++) t.update(round([one, net]), t0 + 10_000 + s * 10_000);
    expect(i.top.pattern).toBe('kubelet-failure');
    expect(i.timeline.filter((e) => e.kind === 'hypothesis')).toHaveLength(1);
    // A challenger that is not clearly better never takes over while the incumbent holds.
    const u = new IncidentTracker({ switchAfterMs: 60_000, switchMargin: 0.05 });
    u.update(round([net]), t0);
    u.update(round([net]), t0 + 10_000);
    const close = hyp('kubelet-failure', 0.82, ['a']);
    for (let s = 1; s <= 30; s++) u.update(round([close, net]), t0 + 10_000 + s * 10_000);
    expect(u.incidents()[0].top.pattern).toBe('node-network');
  });

  it('lets a named cause take over the incident "cause not identified" opened, instead of opening another', () => {
    const t = new IncidentTracker();
    const unknown = { ...hyp('cause-not-identified', 0.5, ['not-ready-spread cluster']), family: 'unknown' };
    const named = {
      ...hyp('node-network', 0.82, ['not-ready-spread cluster', 'node-flapping node/n1']),
      family: 'nodes',
    };
    t.update(round([unknown]), t0);
    t.update(round([unknown]), t0 + 10_000);
    expect(t.incidents().map((i) => [i.family, i.status])).toEqual([['unknown', 'investigating']]);
    t.update(round([named, unknown]), t0 + 20_000);
    t.update(round([named, unknown]), t0 + 30_000);
    const [i, ...rest] = t.incidents();
    expect(rest).toEqual([]);
    expect([i.family, i.status, i.top.pattern, i.rootCause?.pattern]).toEqual([
      'nodes',
      'identified',
      'node-network',
      'node-network',
    ]);
    expect(
      i.timeline.some((e) => e.kind === 'hypothesis' && e.text.startsWith('cause identified: node-network')),
    ).toBe(true);
    // Never Identified while the cause is unknown, however long it lasts.
    const u = new IncidentTracker();
    for (let s = 0; s < 30; s++) u.update(round([unknown]), t0 + s * 10_000);
    expect(u.incidents()[0].status).toBe('investigating');
  });

  it('does not open a second incident for trouble an open incident already holds', () => {
    const t = new IncidentTracker();
    const named = { ...hyp('node-network', 0.82, ['not-ready-spread cluster']), family: 'nodes' };
    const unknown = { ...hyp('cause-not-identified', 0.5, ['not-ready-spread cluster']), family: 'unknown' };
    t.update(round([named]), t0);
    t.update(round([named]), t0 + 10_000);
    // The named cause weakens below the floor; the same trouble reads as unknown for a while.
    for (let s = 2; s < 40; s++) t.update(round([unknown]), t0 + s * 10_000);
    expect(t.incidents().map((i) => [i.family, i.status])).toEqual([['nodes', 'identified']]);
  });

  it('holds its state while it cannot see the cluster, and resumes when sight returns', () => {
    const t = new IncidentTracker({ monitorAfterMs: 60_000, resolveAfterMs: 5 * 60_000 });
    const h = hyp('service-routing', 0.9, ['in-cluster-api-unreachable service/default/kubernetes']);
    t.update(round([h]), t0);
    t.update(round([h]), t0 + 10_000);
    const blind: Signal[] = [
      {
        detector: 'x',
        kind: 'source-status',
        subject: 'source/reflector/nodes',
        severity: 'info',
        sinceMs: t0,
        summary: '',
        scope: {},
        facts: { source: 'reflector/nodes', state: 'stale', failures: 3, lastError: 'timeout' },
        evidence: [],
      },
    ];
    for (let m = 1; m <= 30; m++) t.update(round([]), t0 + m * 60_000, blind);
    expect(t.incidents()[0].status).toBe('identified');
    for (let m = 31; m <= 40; m++) t.update(round([]), t0 + m * 60_000);
    expect(t.incidents()[0].status).toBe('resolved');
  });

  it.each([
    ['the API server refuses our credentials', 'api-access-denied'],
    ['the API server has not answered since a restart', 'api-never-reached'],
  ] as const)('holds a stored incident while %s: no answer is no evidence of health', (_, kind) => {
    const t = new IncidentTracker({ monitorAfterMs: 60_000, resolveAfterMs: 5 * 60_000 });
    const h = hyp('service-routing', 0.9, ['in-cluster-api-unreachable service/default/kubernetes']);
    t.update(round([h]), t0);
    t.update(round([h]), t0 + 10_000);
    const blind = [
      { detector: 'x', kind, subject: 'cluster', severity: 'critical', sinceMs: t0, summary: '', scope: {} },
    ] as unknown as Signal[];
    for (let m = 1; m <= 30; m++) t.update(round([]), t0 + m * 60_000, blind);
    expect(t.incidents()[0].status).toBe('identified');
  });
});

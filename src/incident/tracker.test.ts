import { describe, expect, it } from 'vitest';
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

  it('moves to Monitoring when the signals clear and to Resolved after the quiet period, and reopens on recurrence', () => {
    const t = new IncidentTracker({ resolveAfterMs: 60_000 });
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
      [2, []],
      [24, [day1]],
      [24.01, [day1]],
    ] as const)
      u.update(round([...hs]), at(h));
    expect(u.incidents().map((i) => i.id)).toEqual(['INC-0001', 'INC-0002']);
  });
});

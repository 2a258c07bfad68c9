import { describe, expect, it } from 'vitest';
import type { Incident } from '../incident/incident.ts';
import type { Scenario } from '../sim/scenario/schema.ts';
import { scoreReplay, type TopSample } from './replay-score.ts';

const start = Date.parse('2022-09-29T12:00:00Z');
const min = 60_000;
const scenario = {
  name: 'webhook-after-reboot',
  start: '2022-09-29T12:00:00Z',
  expected: {
    category: 'admission-webhook-failure',
    onset: '2022-09-29T13:17:00Z',
    detectBy: '2022-09-29T13:40:00Z',
  },
} as unknown as Scenario;

const incident = (id: string, openedMin: number, pattern: string): Incident =>
  ({
    id,
    status: 'identified',
    severity: 'critical',
    openedAtMs: start + openedMin * min,
    top: { pattern, confidence: 0.75, statement: '' },
    topSince: { [pattern]: start + openedMin * min },
    timeline: [],
  }) as unknown as Incident;

const tops = (id: string, pattern: string, fromMin: number, toMin: number): TopSample[] =>
  Array.from({ length: toMin - fromMin + 1 }, (_, k) => ({
    atMs: start + (fromMin + k) * min,
    incident: id,
    pattern,
    confidence: 0.75,
  }));

const score = (incidents: Incident[], samples: TopSample[]) =>
  scoreReplay({ scenario, incidents, findings: [], tops: samples, virtualSeconds: 0, wallSeconds: 0 });

describe('replay score', () => {
  it('counts an incident that named the expected cause before the onset, and still does at it, from the onset', () => {
    const r = score(
      [incident('INC-1', 76, 'admission-webhook-failure')],
      tops('INC-1', 'admission-webhook-failure', 76, 90),
    );
    expect(r.expectations[0]).toMatchObject({
      firstIncidentAfterSeconds: 0,
      afterSeconds: 0,
      withinDetectBy: true,
    });
    expect(r.outcome).toBe('correct');
  });

  it('does not count one that named it before the onset and had moved on by then', () => {
    const r = score(
      [incident('INC-1', 70, 'admission-webhook-failure')],
      [...tops('INC-1', 'admission-webhook-failure', 70, 76), ...tops('INC-1', 'kubelet-failure', 77, 90)],
    );
    expect(r.expectations[0]).toMatchObject({ firstIncidentAfterSeconds: null, afterSeconds: null });
    expect(r.outcome).not.toBe('correct');
  });

  it('counts a wrong cause as misleading only while its incident is open: a resolved one asserts nothing', () => {
    // Open 80–86, resolved, reopened 120–126: two runs of 6 minutes, not one of 46.
    const gapped = score(
      [incident('INC-1', 80, 'control-plane-unreachable')],
      [
        ...tops('INC-1', 'control-plane-unreachable', 80, 86),
        ...tops('INC-1', 'control-plane-unreachable', 120, 126),
      ],
    );
    expect(gapped.misleadingSeconds).toBe(360);
    expect(gapped.outcome).not.toBe('misleading');
    const held = score(
      [incident('INC-1', 80, 'control-plane-unreachable')],
      tops('INC-1', 'control-plane-unreachable', 80, 126),
    );
    expect(held.misleadingSeconds).toBe(46 * 60);
    expect(held.outcome).toBe('misleading');
  });
});

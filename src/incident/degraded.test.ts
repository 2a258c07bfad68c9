import { describe, expect, it } from 'vitest';
import type { Signal } from '../detect/signal.ts';
import { hypothesis, t0 } from './fixtures.ts';
import { IncidentTracker } from './tracker.ts';

const min = 60_000;
const day = 86_400_000;

/** A signal as detectors emit it; only kind, subject and severity matter here. */
function signal(kind: Signal['kind'], subject: string, severity: Signal['severity']): Signal {
  return {
    detector: 'test',
    kind,
    subject,
    severity,
    sinceMs: t0,
    summary: kind,
    scope: {},
    evidence: [],
    facts: {},
  } as unknown as Signal;
}

const notReady = signal('node-not-ready', 'node/pool-1-28-1', 'critical');
const periodic = signal('periodic-onset', 'cluster', 'warning');
const timer = signal('agent-condition', 'condition/AutomaticUpgradeScheduled', 'info');
/** Reported for a day after the morning's upgrade failed, while the node serves again. */
const upgradeFailed = signal('agent-condition', 'condition/PackageUpgradeFailed', 'warning');

describe('degraded periods follow the symptoms, not the status', () => {
  it('closes a period when only context, info and host-state signals hold the cause, and opens one when trouble returns', () => {
    // A daily job: the cause (an enabled timer, a periodic onset) holds for days, the nodes
    // are NotReady for about an hour each morning.
    const t = new IncidentTracker({ resolveAfterMs: 3 * day, monitorAfterMs: 5 * min });
    const scheduled = hypothesis({
      pattern: 'node-scheduled-job',
      sinceMs: t0,
      signals: [
        'node-not-ready node/pool-1-28-1',
        'periodic-onset cluster',
        'agent-condition condition/AutomaticUpgradeScheduled',
        'agent-condition condition/PackageUpgradeFailed',
      ],
    });
    const quiet = {
      ...scheduled,
      signals: scheduled.signals.slice(1),
    };
    const round = (at: number, down: boolean) =>
      t.update(
        { hypotheses: [down ? scheduled : quiet], findings: [] },
        at,
        down ? [notReady, periodic, timer, upgradeFailed] : [periodic, timer, upgradeFailed],
      );
    for (const morning of [t0, t0 + day, t0 + 2 * day]) {
      for (let m = 0; m <= 60; m += 10) round(morning + m * min, true);
      for (let m = 70; m <= 180; m += 10) round(morning + m * min, false);
    }
    const [i] = t.incidents();
    // The cause never left, so the status never did: the incident is still open.
    expect(i.status).not.toBe('resolved');
    expect(i.degraded).toEqual([
      { startMs: t0 + 10 * min, endMs: t0 + 70 * min },
      { startMs: t0 + day, endMs: t0 + day + 70 * min },
      { startMs: t0 + 2 * day, endMs: t0 + 2 * day + 70 * min },
    ]);
  });

  it('counts trouble on the objects the hypothesis names, when it rests on context alone', () => {
    // A schedule and a timer name the cause; the nodes it names going NotReady are its trouble.
    const t = new IncidentTracker({ monitorAfterMs: 0 });
    const h = hypothesis({
      pattern: 'node-scheduled-job',
      sinceMs: t0,
      signals: ['periodic-onset cluster', 'agent-condition condition/AutomaticUpgradeScheduled'],
      blastRadius: { nodes: ['pool-1-28-1'] },
    });
    const elsewhere = signal('node-not-ready', 'node/other-pool-0', 'critical');
    t.update({ hypotheses: [h], findings: [] }, t0, [periodic, timer, notReady]);
    t.update({ hypotheses: [h], findings: [] }, t0 + 10_000, [periodic, timer, notReady]);
    t.update({ hypotheses: [h], findings: [] }, t0 + 20_000, [periodic, timer, elsewhere]);
    expect(t.incidents()[0].degraded).toEqual([{ startMs: t0 + 10_000, endMs: t0 + 20_000 }]);
  });

  it('starts a period on a round that cannot see the cluster, and ends one only on a round that can', () => {
    const t = new IncidentTracker({ monitorAfterMs: 0 });
    const down = signal('api-unreachable', 'cluster', 'critical');
    const h = hypothesis({
      pattern: 'control-plane-unreachable',
      sinceMs: t0,
      signals: ['api-unreachable cluster'],
    });
    t.update({ hypotheses: [h], findings: [] }, t0, [down]);
    t.update({ hypotheses: [h], findings: [] }, t0 + 10_000, [down]);
    const [i] = t.incidents();
    expect(i.degraded).toEqual([{ startMs: t0 + 10_000 }]);
    // The nodes' reflector no longer delivers: nothing seen is no sign that the trouble ended.
    const blind = signal('source-status', 'source/reflector/nodes', 'warning');
    (blind as unknown as { facts: object }).facts = { source: 'reflector/nodes', state: 'stale' };
    t.update({ hypotheses: [], findings: [] }, t0 + 20_000, [blind]);
    expect(i.degraded).toEqual([{ startMs: t0 + 10_000 }]);
    t.update({ hypotheses: [], findings: [] }, t0 + 30_000, [timer]);
    expect(i.degraded).toEqual([{ startMs: t0 + 10_000, endMs: t0 + 30_000 }]);
  });

  it('leaves the period open while the trouble goes on', () => {
    const t = new IncidentTracker();
    const h = hypothesis({ sinceMs: t0, signals: ['node-not-ready node/pool-1-28-1'] });
    t.update({ hypotheses: [h], findings: [] }, t0, [notReady]);
    t.update({ hypotheses: [h], findings: [] }, t0 + 10_000, [notReady]);
    expect(t.incidents()[0].degraded).toEqual([{ startMs: t0 + 10_000 }]);
  });
});

import { describe, expect, it } from 'vitest';
import { hypothesis, t0 } from '../incident/fixtures.ts';
import { IncidentTracker } from '../incident/tracker.ts';
import { buildPostmortem, timelineSteps } from './postmortem.ts';
import { renderHtml, renderMarkdown } from './postmortem-render.ts';

const min = 60_000;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000', '');

/** An incident lived through the tracker: onset, detection, identification, an action, resolution. */
function livedIncident() {
  const t = new IncidentTracker({ resolveAfterMs: 15 * min, monitorAfterMs: 0 });
  const h = hypothesis({
    sinceMs: t0,
    supporting: [
      {
        source: 'log',
        ref: 'pod/kube-system/coredns-1',
        atMs: t0 + 5_000,
        text: 'Authorization: Bearer abcdefghijklmnop1234 rejected',
      },
      { source: 'transition', ref: 'cluster', atMs: t0 - 3_600_000, text: 'kernel changed an hour before' },
    ],
    ruledOut: [{ pattern: 'kubelet-failure', why: 'kubelets restart fine' }],
    prevention: ['Alert on NotReady nodes by pool', 'Stagger node OS updates'],
    signals: ['node-not-ready cluster'],
  });
  const round = (at: number, hs = [h]) => t.update({ hypotheses: hs, findings: [] }, at);
  round(t0 + 60_000);
  round(t0 + 70_000);
  const [i] = t.incidents();
  t.note(i.id, 'restarted kubelets on aks-1..3', t0 + 20 * min, 'action', 'alice');
  t.note(i.id, 'db password=hunter2 was in the log', t0 + 21 * min, 'note', 'bob');
  round(t0 + 30 * min, []);
  round(t0 + 46 * min, []);
  return i;
}

describe('postmortem', () => {
  it('has onset, detection, identification, actions and resolution at their times, in order', () => {
    const i = livedIncident();
    expect(i.status).toBe('resolved');
    const before = { id: 1, atMs: t0 - 2 * 3_600_000, author: 'carol', text: 'upgraded node image' };
    const tooEarly = { id: 2, atMs: t0 - 2 * 86_400_000, author: 'carol', text: 'an old change' };
    const steps = timelineSteps(i, [before, tooEarly]);
    const at = (what: string) => steps.filter((s) => s.what === what).map((s) => s.atMs);
    expect(at('onset')).toEqual([t0]);
    expect(at('detected')).toEqual([t0 + 60_000]);
    expect(at('opened')).toEqual([t0 + 70_000]);
    expect(at('identified')).toEqual([t0 + 70_000]);
    expect(at('action')).toEqual([before.atMs, t0 + 20 * min]);
    expect(at('resolved')).toEqual([t0 + 46 * min]);
    expect(steps.map((s) => s.atMs)).toEqual([...steps.map((s) => s.atMs)].sort((a, b) => a - b));
  });

  it('renders every section, with secrets redacted', () => {
    const i = livedIncident();
    const md = renderMarkdown(buildPostmortem({ incident: i, cluster: 'prod', nowMs: t0 + 2 * 3_600_000 }));
    for (const h of [
      'Summary',
      'Impact',
      'Detection',
      'Timeline (UTC)',
      'Root cause',
      'Response',
      'Action items',
      'What went well',
      'What went badly',
    ])
      expect(md).toContain(`## ${h}`);
    expect(md).toContain(`Onset: ${iso(t0)}`);
    expect(md).toContain('Nodes (3): aks-1, aks-2, aks-3');
    expect(md).toContain('- [ ] Stagger node OS updates');
    expect(md).toContain('kubelet-failure: kubelets restart fine');
    expect(md).toContain(
      `| ${iso(t0 + 20 * min)} | action | alice | restarted kubelets on aks-1..3 | monitoring at ${iso(t0 + 30 * min)} (10 min later) |`,
    );
    expect(md).toContain('Bearer [REDACTED]');
    expect(md).toContain('password=[REDACTED]');
    expect(md).not.toMatch(/hunter2|abcdefghijklmnop1234/);
    expect(md).toContain('Resolved 46 min after the onset.');
  });

  it('says what is missing for an incident still open', () => {
    const t = new IncidentTracker();
    const h = hypothesis({ sinceMs: t0 });
    t.update({ hypotheses: [h], findings: [] }, t0 + 10_000);
    t.update({ hypotheses: [h], findings: [] }, t0 + 20_000);
    const md = renderMarkdown(buildPostmortem({ incident: t.incidents()[0], nowMs: t0 + 3_600_000 }));
    expect(md).toContain(`ongoing at ${iso(t0 + 3_600_000)}`);
    expect(md).toContain('No response action was recorded on the incident.');
    expect(md).toContain('Still identified when this draft was written');
  });

  it('renders HTML escaped', () => {
    const i = livedIncident();
    i.timeline.push({
      atMs: t0 + 22 * min,
      kind: 'note',
      text: '<img src=x onerror=alert(1)>',
      author: 'eve',
    });
    const html = renderHtml(buildPostmortem({ incident: i, nowMs: t0 + 3_600_000 }));
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img');
    expect(html).toContain('<h2>Timeline (UTC)</h2>');
  });
});

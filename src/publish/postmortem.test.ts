import { describe, expect, it } from 'vitest';
import type { ActionItem } from '../incident/action-items.ts';
import { hypothesis, t0 } from '../incident/fixtures.ts';
import { IncidentTracker } from '../incident/tracker.ts';
import { buildPostmortem, tidyEvidence, timelineSteps } from './postmortem.ts';
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
  t.note(i.id, 'restarted kubelets on aks-1..3', { atMs: t0 + 20 * min, kind: 'action', author: 'alice' });
  t.note(i.id, 'db password=hunter2 was in the log', { atMs: t0 + 21 * min, author: 'bob' });
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
      'Trigger',
      'Root cause',
      'Contributing factors',
      'Response',
      'Resolution',
      'Action items',
      'What went well',
      'What went badly',
      'Where we got lucky',
    ])
      expect(md).toContain(`## ${h}`);
    expect(md).toContain(`Onset: ${iso(t0)}`);
    expect(md).toContain('Nodes (3): aks-1, aks-2, aks-3');
    // Nothing agreed yet: the diagnosis's advice is offered apart, not filed as commitments.
    expect(md).toContain('None agreed yet');
    expect(md).toContain('- Stagger node OS updates (prevent)');
    expect(md).toContain('- Alert on NotReady nodes by pool (detect)');
    expect(md).not.toContain('(unassigned)');
    expect(md).toContain('kubelet-failure: kubelets restart fine');
    // What was done, without claiming what it caused.
    expect(md).toContain(`| ${iso(t0 + 20 * min)} | action | alice | restarted kubelets on aks-1..3 |\n`);
    expect(md).not.toContain('What followed');
    expect(md).toContain('Customer impact: ');
    // In users' terms, not only the platform's.
    expect(md).toContain('What users could notice: services on the affected machines were interrupted');
    // No internal signal ids on the timeline.
    expect(md).not.toContain('node-not-ready cluster');
    expect(md).toContain('Bearer [REDACTED]');
    expect(md).toContain('password=[REDACTED]');
    expect(md).not.toMatch(/hunter2|abcdefghijklmnop1234/);
    // Degraded until the signals cleared (monitoring at +30 min), not until resolved at +46.
    expect(md).toContain('Degraded for 30 min (severity critical); the incident was open 46 min.');
    expect(md).not.toContain('Resolved 46 min after the onset.');
    expect(md).toContain('No change before the onset was recorded');
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

describe('what the postmortem claims is only what the record shows', () => {
  it('praises a runbook only for a run that finished, not for a note that names one', () => {
    const i = livedIncident();
    const action = (atMs: number, text: string) =>
      i.timeline.push({ atMs, kind: 'action', text, author: 'alice' });
    action(t0 + 22 * min, 'looked for the node-restart runbook; it needs SSH we do not have');
    const md = () => renderMarkdown(buildPostmortem({ incident: i, nowMs: t0 + 3_600_000 }));
    const wellOf = (text: string) =>
      text.slice(text.indexOf('## What went well'), text.indexOf('## What went badly'));
    expect(wellOf(md())).not.toMatch(/runbook/i);
    action(
      t0 + 23 * min,
      'remediate restart-nodes: run-1 FAILED: node aks-2 did not come back; the steps so far are above, and rerunning resumes',
    );
    action(t0 + 25 * min, 'remediate restart-nodes: run-2 finished: every step done and verified');
    const text = md();
    const well = wellOf(text);
    const badly = text.slice(text.indexOf('## What went badly'), text.indexOf('## Where we got lucky'));
    expect(well).toContain(
      `Runbook restart-nodes ran to the end, every step done and verified (${iso(t0 + 25 * min)})`,
    );
    expect(badly).toContain(
      `Runbook restart-nodes did not finish (${iso(t0 + 23 * min)}): FAILED: node aks-2`,
    );
  });

  it('names changes just before the onset without calling them the trigger, and keeps them out of Response', () => {
    const i = livedIncident();
    i.timeline.push(
      { atMs: t0 - 15 * min, kind: 'change', text: 'node os 6.1.0-12 → 6.1.0-13 on 2 node(s)' },
      { atMs: t0 - 3 * 3_600_000, kind: 'change', text: 'an older change' },
      { atMs: t0 + 10 * min, kind: 'change', text: 'nodes left the cluster' },
    );
    i.timeline.sort((a, b) => a.atMs - b.atMs);
    const md = renderMarkdown(buildPostmortem({ incident: i, nowMs: t0 + 3_600_000 }));
    const section = (title: string, next: string) =>
      md.slice(md.indexOf(`## ${title}`), md.indexOf(`## ${next}`));
    const trigger = section('Trigger', 'Root cause');
    expect(trigger).toContain('Not established from the record.');
    expect(trigger).toContain(`${iso(t0 - 15 * min)} node os 6.1.0-12 → 6.1.0-13 on 2 node(s)`);
    expect(trigger).not.toContain('an older change');
    const response = section('Response', 'Resolution');
    expect(response).not.toContain('nodes left the cluster');
    expect(response).toContain('restarted kubelets on aks-1..3');
    expect(md).toContain(`| ${iso(t0 + 10 * min)} | change | nodes left the cluster |`);
  });

  it('counts each return of the failure the periods show, even while the status stayed up', () => {
    const i = livedIncident();
    i.degraded = [0, 1, 2].map((d) => ({
      startMs: t0 + d * 86_400_000,
      endMs: t0 + d * 86_400_000 + 60 * min,
    }));
    const md = renderMarkdown(buildPostmortem({ incident: i, nowMs: t0 + 3 * 86_400_000 }));
    expect(md).toContain('The failure came back 2 time(s) after it had cleared.');
  });

  it('does not call the runner-up hypothesis a contributing factor', () => {
    const i = livedIncident();
    i.runnerUp = hypothesis({ pattern: 'kubelet-failure', title: 'Kubelets crashed', confidence: 0.4 });
    const md = renderMarkdown(buildPostmortem({ incident: i, nowMs: t0 + 3_600_000 }));
    const factors = md.slice(md.indexOf('## Contributing factors'), md.indexOf('## Response'));
    expect(factors).not.toContain('Kubelets crashed');
    expect(md).toContain('Runner-up hypothesis: Kubelets crashed (40%).');
  });

  it('states a signal once when several reasons rest on it', () => {
    const summary = 'API server unreachable from kubetriage since 19:21:00 (40 failures: timeout)';
    const e = (text: string) => ({ source: 'probe' as const, ref: 'cluster', atMs: t0, text });
    expect(
      tidyEvidence([e(summary), e(`10 watches fail as well: ${summary}`), e('kubelets post status')]).map(
        (x) => x.text,
      ),
    ).toEqual([summary, '10 watches fail as well', 'kubelets post status']);
    // Another object's summary is not this one's.
    expect(tidyEvidence([{ ...e(summary), ref: 'node/a' }, e(`x: ${summary}`)])[1].text).toBe(
      `x: ${summary}`,
    );
  });
});

describe('postmortem action items', () => {
  const item = (over: Partial<ActionItem>): ActionItem => ({
    id: 1,
    incidentId: 'INC-0001',
    text: 'Stagger node OS updates',
    type: 'prevent',
    status: 'open',
    createdAtMs: t0,
    createdBy: 'alice',
    updatedAtMs: t0,
    updatedBy: 'alice',
    ...over,
  });

  it('renders the stored items with owner, due date and status, and only the advice not taken up', () => {
    const i = livedIncident();
    const actionItems = [
      item({ owner: 'team-nodes', dueDate: '2024-04-01' }),
      item({ id: 2, text: 'Write the node-pool runbook | with a pipe', type: 'process', status: 'done' }),
    ];
    const doc = buildPostmortem({ incident: i, actionItems, nowMs: t0 + 3_600_000 });
    const md = renderMarkdown(doc);
    expect(md).toContain('| Action | Type | Owner | Due | Status |');
    expect(md).toContain('| Stagger node OS updates | prevent | team-nodes | 2024-04-01 | open |');
    expect(md).toContain(
      '| Write the node-pool runbook \\| with a pipe | process | (unassigned) | (no date) | done |',
    );
    expect(md).not.toContain('None agreed yet');
    // Accepted (in other case, even): no longer suggested; the other advice still is.
    expect(md).not.toContain('- Stagger node OS updates (prevent)');
    expect(md).toContain('- Alert on NotReady nodes by pool (detect)');
    const html = renderHtml(doc);
    expect(html).toContain('<td>team-nodes</td><td>2024-04-01</td><td>open</td>');
  });

  it('offers no suggestions once every piece of advice is an item', () => {
    const i = livedIncident();
    const actionItems = [
      item({ text: 'stagger node os updates ' }),
      item({ id: 2, text: 'Alert on NotReady nodes by pool', type: 'detect' }),
    ];
    const md = renderMarkdown(buildPostmortem({ incident: i, actionItems, nowMs: t0 + 3_600_000 }));
    expect(md).not.toContain('Suggested by the diagnosis');
  });
});

describe('impact counts the time actually degraded', () => {
  it('adds up the periods the failure was on, not the days between them', () => {
    const t = new IncidentTracker({ resolveAfterMs: 3 * 86_400_000, monitorAfterMs: 0 });
    const h = hypothesis({ sinceMs: t0 });
    const day = 86_400_000;
    for (const start of [t0, t0 + day, t0 + 2 * day]) {
      t.update({ hypotheses: [{ ...h, sinceMs: start }], findings: [] }, start + 10_000);
      t.update({ hypotheses: [{ ...h, sinceMs: start }], findings: [] }, start + 20_000);
      t.update({ hypotheses: [], findings: [] }, start + 90 * min);
    }
    const [i] = t.incidents();
    const md = renderMarkdown(buildPostmortem({ incident: i, nowMs: t0 + 3 * day }));
    expect(md).toMatch(/Degraded for 4 h 3\d min in 3 periods/);
    expect(md).not.toMatch(/Degraded for \d+ d/);
  });

  it('counts the periods the rounds saw trouble in, while the cause kept the status up for days', () => {
    const t = new IncidentTracker({ resolveAfterMs: 3 * 86_400_000, monitorAfterMs: 0 });
    const h = hypothesis({ sinceMs: t0 });
    t.update({ hypotheses: [h], findings: [] }, t0 + 10_000);
    t.update({ hypotheses: [h], findings: [] }, t0 + 20_000);
    const [i] = t.incidents();
    const day = 86_400_000;
    // Identified from the first morning to the third evening; trouble for an hour each morning.
    i.degraded = [0, 1, 2].map((d) => ({ startMs: t0 + d * day, endMs: t0 + d * day + 60 * min }));
    const md = renderMarkdown(buildPostmortem({ incident: i, nowMs: t0 + 2 * day + 12 * 3_600_000 }));
    expect(md).toContain('Degraded for 3 h 0 min in 3 periods');
    expect(md).toContain(`- ${iso(t0 + day)} to ${iso(t0 + day + 60 * min)} (60 min)`);
  });

  it('names the trigger apart from the root cause, and summarises churn', () => {
    const i = livedIncident();
    i.rootCause = {
      ...i.top,
      changes: [
        {
          signal: 'change a',
          atMs: t0 - 30 * min,
          text: 'node image 1.2 → 1.3 on pool a',
          scopeMatch: 1,
          fleetWide: false,
        },
        {
          signal: 'change b',
          atMs: t0 - 20 * min,
          text: 'kernel 6.1 → 6.2',
          scopeMatch: 0.5,
          fleetWide: false,
        },
      ],
    };
    for (let n = 0; n < 5; n++)
      i.timeline.push({ atMs: t0 + 40 * min + n * min, kind: 'change', text: `node aks-${n} joined` });
    i.timeline.sort((a, b) => a.atMs - b.atMs);
    const md = renderMarkdown(buildPostmortem({ incident: i, nowMs: t0 + 3_600_000 }));
    expect(md).toContain(
      `${iso(t0 - 30 * min)}: node image 1.2 → 1.3 on pool a (it touched 100% of what failed)`,
    );
    expect(md).toContain(`- ${iso(t0 - 20 * min)}: kernel 6.1 → 6.2`);
    expect(md).toContain(
      `5 cluster changes until ${iso(t0 + 44 * min)}: node aks-0 joined; node aks-1 joined; node aks-2 joined and 2 more`,
    );
  });
});

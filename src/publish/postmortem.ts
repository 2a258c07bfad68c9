/**
 * The postmortem draft, built from the incident record alone (pure: the same record always
 * gives the same draft). Sections follow the blameless template most teams use and our
 * reference postmortems follow: summary, impact, detection, timeline (UTC), root cause with
 * its evidence and the look-alikes ruled out, response (actions and what followed them),
 * the action items the team keeps on the incident (with the diagnosis's prevention advice
 * not yet taken up listed apart, as suggestions), what went well and what did not.
 *
 * The draft is a small document model that renders to Markdown or HTML
 * (postmortem-render.ts); every string in it is redacted first.
 */
import type { Hypothesis } from '../diagnose/hypothesis.ts';
import { type ActionItem, suggestedActionItems } from '../incident/action-items.ts';
import { type Incident, rootCauseOf, type TimelineEntry } from '../incident/incident.ts';
import type { ActionRecord } from '../incident/store/store.ts';
import { rfc3339 } from '../time/clock.ts';
import { customerImpact, degradedPeriods, type Period, totalMs } from './postmortem-impact.ts';
import { publicTitle } from './public-words.ts';
import { redact } from './redact.ts';

export type Block =
  | { kind: 'p'; text: string }
  | { kind: 'list'; items: string[]; checklist?: boolean }
  | { kind: 'table'; head: string[]; rows: string[][] }
  | { kind: 'code'; text: string };

export interface Section {
  title: string;
  blocks: Block[];
}

export interface PostmortemDoc {
  title: string;
  meta: string[];
  sections: Section[];
}

export interface PostmortemInput {
  incident: Incident;
  /** Actions recorded outside the incident (before it opened, say); those in its window are used. */
  actions?: readonly ActionRecord[];
  /** The incident's stored action items (ActionItemStore.listActionItems). */
  actionItems?: readonly ActionItem[];
  cluster?: string;
  /** When the draft is written (for an incident still open). */
  nowMs: number;
}

/** A step on the postmortem timeline. */
export interface TimelineStep {
  atMs: number;
  what:
    | 'onset'
    | 'detected'
    | 'opened'
    | 'identified'
    | 'status'
    | 'hypothesis'
    | 'signal'
    | 'change'
    | 'action'
    | 'note'
    | 'resolved'
    | 'update';
  text: string;
  author?: string;
}

const t = rfc3339;
const pct = (c: number) => `${Math.round(c * 100)}%`;
/** Changes and actions this long before the onset are still part of the story. */
const leadInMs = 24 * 3_600_000;

export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 120) return `${m} min`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h} h ${m % 60} min` : `${Math.floor(h / 24)} d ${h % 24} h`;
}

/**
 * When the failure began: the top hypothesis's own estimate (its symptoms' start), or the
 * first diagnosis if that came earlier. Changes that preceded it are not the onset, even
 * when they are evidence; they stay on the timeline before it.
 */
export function onsetOf(i: Incident): number {
  return Math.min(rootCauseOf(i).sinceMs, i.detectedAtMs ?? i.openedAtMs, i.openedAtMs);
}

function statusTarget(e: TimelineEntry): string | undefined {
  return e.kind === 'status' ? /→ (\w+)/.exec(e.text)?.[1] : undefined;
}

export function identifiedAt(i: Incident): number | undefined {
  return i.timeline.find((e) => statusTarget(e) === 'identified')?.atMs;
}

/** Every step of the story in time order: what the record says, plus onset and detection. */
export function timelineSteps(i: Incident, actions: readonly ActionRecord[] = []): TimelineStep[] {
  return collapseChurn(allSteps(i, actions));
}

/** Consecutive cluster changes within this long read as one row: churn, summarised. */
const churnWindowMs = 15 * 60_000;

/**
 * The timeline people read: cluster changes that come in a burst (nodes joining, pods
 * rescheduled) as one row each burst, and the detectors' own signal rows left out (they
 * are internal ids; the evidence is under Root cause).
 */
function collapseChurn(steps: readonly TimelineStep[]): TimelineStep[] {
  const out: TimelineStep[] = [];
  let burst: TimelineStep[] = [];
  const flush = () => {
    if (burst.length === 1) out.push(burst[0]);
    else if (burst.length > 1)
      out.push({
        atMs: burst[0].atMs,
        what: 'change',
        text: `${burst.length} cluster changes until ${t(burst.at(-1)!.atMs)}: ${summarise(
          burst.map((b) => b.text),
          3,
        )}`,
      });
    burst = [];
  };
  for (const s of steps) {
    if (s.what === 'signal') continue;
    if (s.what === 'change' && (!burst.length || s.atMs - burst.at(-1)!.atMs <= churnWindowMs)) {
      burst.push(s);
      continue;
    }
    flush();
    if (s.what === 'change') burst.push(s);
    else out.push(s);
  }
  flush();
  return out;
}

/**
 * The root cause as it was stated when the incident opened: later rounds restate it from
 * the latest samples (a probe's streak, a count that grew), and the postmortem tells the
 * story from its first evidence.
 */
export function statementAtOpening(i: Incident): string {
  const h = rootCauseOf(i);
  const opened = i.timeline.find((e) => e.kind === 'opened');
  const prefix = `${h.title} (`;
  if (opened?.text.startsWith(prefix)) {
    const at = opened.text.indexOf('): ');
    if (at > 0) return opened.text.slice(at + 3);
  }
  return h.statement;
}

function allSteps(i: Incident, actions: readonly ActionRecord[]): TimelineStep[] {
  const onset = onsetOf(i);
  const end = i.resolvedAtMs ?? Number.POSITIVE_INFINITY;
  const steps: TimelineStep[] = [
    { atMs: onset, what: 'onset', text: `the failure begins: ${statementAtOpening(i)}` },
  ];
  if (i.detectedAtMs !== undefined && i.detectedAtMs < i.openedAtMs)
    steps.push({
      atMs: i.detectedAtMs,
      what: 'detected',
      text: `kubetriage first diagnosed ${rootCauseOf(i).title}`,
    });
  const signals = i.timeline.filter((e) => e.kind === 'signal');
  for (const e of i.timeline) {
    if (e.kind === 'signal') continue;
    const target = statusTarget(e);
    const what: TimelineStep['what'] =
      e.kind === 'opened'
        ? 'opened'
        : target === 'identified'
          ? 'identified'
          : target === 'resolved'
            ? 'resolved'
            : e.kind;
    const text = e.kind === 'opened' ? `incident opened: ${e.text}` : e.text;
    steps.push({ atMs: e.atMs, what, text, author: e.author });
    if (e.kind === 'opened') {
      const first = signals.filter((s) => s.atMs === e.atMs).map((s) => s.text);
      if (first.length) steps.push({ atMs: e.atMs, what: 'signal', text: `signals: ${summarise(first)}` });
    }
  }
  const later = signals.filter((s) => s.atMs !== i.openedAtMs);
  for (const [atMs, texts] of groupByTime(later))
    steps.push({ atMs, what: 'signal', text: `new evidence: ${summarise(texts)}` });
  for (const u of i.updates)
    steps.push({
      atMs: u.atMs,
      what: 'update',
      text: `status page (${u.status}): ${u.message}`,
      author: u.author,
    });
  for (const a of actions)
    if (a.atMs >= onset - leadInMs && a.atMs <= end)
      steps.push({ atMs: a.atMs, what: 'action', text: a.text, author: a.author });
  const rank = (s: TimelineStep) => (s.what === 'onset' ? 0 : s.what === 'detected' ? 1 : 2);
  return steps
    .map((s, n) => ({ s, n }))
    .sort((a, b) => a.s.atMs - b.s.atMs || rank(a.s) - rank(b.s) || a.n - b.n)
    .map(({ s }) => s);
}

function groupByTime(entries: readonly TimelineEntry[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const e of entries) out.set(e.atMs, [...(out.get(e.atMs) ?? []), e.text]);
  return out;
}

function summarise(texts: readonly string[], max = 4): string {
  return texts.length <= max
    ? texts.join('; ')
    : `${texts.slice(0, max).join('; ')} and ${texts.length - max} more`;
}

/**
 * Evidence as people read it: the diagnosis words each clause as "reason: the signal's
 * summary", so four clauses met by one signal repeat its summary four times. Where the
 * summary is itself on the list (same object), the others keep only their reason.
 */
export function tidyEvidence(list: Hypothesis['supporting']): Hypothesis['supporting'] {
  return list.map((e) => {
    const same = list.find((o) => o !== e && o.ref === e.ref && e.text.endsWith(`: ${o.text}`));
    return same ? { ...e, text: e.text.slice(0, -(same.text.length + 2)) } : e;
  });
}

function scopeLines(h: Hypothesis): string[] {
  const s = h.blastRadius;
  const line = (label: string, v?: string[]) =>
    v?.length ? [`${label} (${v.length}): ${v.slice(0, 20).join(', ')}${v.length > 20 ? ', …' : ''}`] : [];
  return [
    ...line('Nodes', s.nodes),
    ...line('Node pools / images', s.pools),
    ...line('Namespaces', s.namespaces),
    ...line('Services', s.services),
    ...line('Workloads', s.workloads),
  ];
}

/**
 * What was done from the onset on, in order. Nothing here says what an action caused: the
 * record only knows what came after it, which the timeline shows.
 */
function response(steps: readonly TimelineStep[], onset: number): Block[] {
  // What people (and runbooks) did; the cluster's own changes meanwhile are on the timeline.
  const acts = steps.filter((s) => s.atMs >= onset && (s.what === 'action' || s.what === 'note'));
  if (acts.length === 0)
    return [{ kind: 'p', text: 'No actions were recorded. Add what was done and when.' }];
  const rows = acts.map((a) => [t(a.atMs), a.what, a.author ?? '', a.text]);
  return [{ kind: 'table', head: ['Time (UTC)', 'Kind', 'By', 'What'], rows }];
}

/** How it ended: who or what resolved it, and the last thing done before. */
function resolution(i: Incident, steps: readonly TimelineStep[]): Block[] {
  const resolved = steps.filter((s) => s.what === 'resolved').at(-1);
  if (!resolved) return [{ kind: 'p', text: `Not resolved yet (${i.status}).` }];
  const lastAction = steps.filter((s) => s.what === 'action' && s.atMs <= resolved.atMs).at(-1);
  // A status set by hand names its author in the entry ("… (set by maria)").
  const byHand =
    resolved.author && resolved.author !== 'kubetriage'
      ? resolved.author
      : /\(set by ([^)]+)\)/.exec(resolved.text)?.[1];
  const how = byHand
    ? `marked resolved by ${byHand}`
    : 'resolved by kubetriage once its signals had stayed clear';
  return [
    {
      kind: 'p',
      text: `${t(resolved.atMs)}: ${how}.${lastAction ? ` The last recorded action before it: ${lastAction.text}${lastAction.author ? ` (${lastAction.author}, ${t(lastAction.atMs)})` : ''}.` : ''}`,
    },
  ];
}

/** Changes this long before the onset are named when the diagnosis weighed none. */
const triggerLookbackMs = 3_600_000;

/** The change that set it off, as far as the record tells: the best-fitting change before the onset. */
function trigger(i: Incident, h: Hypothesis, onset: number): Block[] {
  const [first] = h.changes ?? [];
  if (!first) {
    // Changes the cluster showed just before, which the diagnosis did not weigh: listed as
    // what happened then, for the team to judge, never as the trigger.
    const before = i.timeline.filter(
      (e) => e.kind === 'change' && e.atMs <= onset && e.atMs >= onset - triggerLookbackMs,
    );
    return [
      {
        kind: 'p',
        text: before.length
          ? `Not established from the record. The cluster changed in the hour before the onset (whether this set it off is for the team to judge): ${summarise(
              before.map((e) => `${t(e.atMs)} ${e.text}`),
              3,
            )}.`
          : 'No change before the onset was recorded; the trigger is not known from the record.',
      },
    ];
  }
  return [
    {
      kind: 'p',
      text: `${t(first.atMs)}: ${first.text} (it touched ${Math.round(first.scopeMatch * 100)}% of what failed${first.fleetWide ? ', fleet-wide' : ''}).`,
    },
  ];
}

/**
 * Other things that made it likelier: the remaining changes that touched what failed. The
 * runner-up hypothesis is not one (it is another explanation of the same symptoms, named
 * under Root cause); the record cannot tell that it contributed.
 */
function contributing(h: Hypothesis): Block[] {
  const items = (h.changes ?? [])
    .slice(1)
    .filter((c) => c.scopeMatch > 0)
    .map((c) => `${t(c.atMs)}: ${c.text} (it touched ${pct(c.scopeMatch)} of what failed)`);
  return items.length
    ? [{ kind: 'list', items }]
    : [{ kind: 'p', text: 'None recorded. Add what the team knows (missing alerts, capacity, config).' }];
}

/**
 * How each runbook run ended, from the entry the run itself wrote (server/runbook-runs.ts:
 * "remediate NAME: ID finished: …" or "… STOPPED: …" / "… FAILED: …"). An operator's note that
 * merely mentions a runbook is not a run, and earns no line under What went well.
 */
function runbookRuns(
  steps: readonly TimelineStep[],
): { runbook: string; atMs: number; ok: boolean; how: string }[] {
  const out = [];
  for (const s of steps) {
    if (s.what !== 'action') continue;
    const m =
      /^remediate ([\w-]+): \S+ (finished: every step done and verified|(?:STOPPED|FAILED): .*)$/s.exec(
        s.text,
      );
    if (m) out.push({ runbook: m[1], atMs: s.atMs, ok: m[2].startsWith('finished'), how: m[2] });
  }
  return out;
}

function lessons(
  i: Incident,
  steps: readonly TimelineStep[],
  nowMs: number,
  periods: readonly Period[],
): Section[] {
  const onset = onsetOf(i);
  const detect = i.openedAtMs - onset;
  const ident = identifiedAt(i);
  const well: string[] = [];
  const badly: string[] = [];
  (detect <= 5 * 60_000 ? well : badly).push(
    // The onset is kubetriage's own first evidence: this measures its speed, not when people knew.
    `Detection: kubetriage opened the incident ${duration(detect)} after the first evidence it saw.`,
  );
  if (ident !== undefined)
    (ident - onset <= 30 * 60_000 ? well : badly).push(
      `Identification: root cause named ${duration(ident - onset)} after the onset (${rootCauseOf(i).title}, ${pct(rootCauseOf(i).confidence)}).`,
    );
  else badly.push('The root cause never reached Identified confidence; check the evidence below by hand.');
  for (const run of runbookRuns(steps))
    (run.ok ? well : badly).push(
      run.ok
        ? `Runbook ${run.runbook} ran to the end, every step done and verified (${t(run.atMs)}).`
        : `Runbook ${run.runbook} did not finish (${t(run.atMs)}): ${run.how}`,
    );
  // The periods of Impact count a return the status never showed (the cause kept it up).
  const reopened = Math.max(
    periods.length - 1,
    i.timeline.filter((e) => e.kind === 'status' && e.text.includes('it came back')).length,
  );
  if (reopened) badly.push(`The failure came back ${reopened} time(s) after it had cleared.`);
  const firstAction = steps.find((s) => s.what === 'action' && s.atMs >= onset);
  if (firstAction) {
    const wait = firstAction.atMs - onset;
    (wait <= 30 * 60_000 ? well : badly).push(`First recorded action ${duration(wait)} after the onset.`);
  } else badly.push('No response action was recorded on the incident.');
  if (i.resolvedAtMs === undefined)
    badly.push(`Still ${i.status} when this draft was written (${t(nowMs)}).`);
  const none = (items: string[]): Block =>
    items.length
      ? { kind: 'list', items }
      : { kind: 'p', text: 'Nothing in the record; add what the team saw.' };
  return [
    { title: 'What went well', blocks: [none(well)] },
    { title: 'What went badly', blocks: [none(badly)] },
    {
      title: 'Where we got lucky',
      blocks: [{ kind: 'p', text: 'The record cannot tell luck; the team fills this in.' }],
    },
  ];
}

/**
 * The items the team keeps, then the diagnosis's advice nobody has taken up yet, apart: a
 * suggestion is not a commitment, and the draft must not make it look like one.
 */
function actionItemBlocks(i: Incident, items: readonly ActionItem[]): Block[] {
  const suggestions = suggestedActionItems(i, items);
  const where = "the dashboard's Postmortem tab";
  const blocks: Block[] = items.length
    ? [
        {
          kind: 'table',
          head: ['Action', 'Type', 'Owner', 'Due', 'Status'],
          rows: items.map((a) => [
            a.text,
            a.type,
            a.owner ?? '(unassigned)',
            a.dueDate ?? '(no date)',
            a.status,
          ]),
        },
      ]
    : [
        {
          kind: 'p',
          text: `None agreed yet: add them, each with an owner and a due date, on ${where} or with POST /api/incidents/${i.id}/action-items.`,
        },
      ];
  if (suggestions.length)
    blocks.push(
      {
        kind: 'p',
        text: `Suggested by the diagnosis, not yet accepted (accept them on ${where}):`,
      },
      { kind: 'list', items: suggestions.map((s) => `${s.text} (${s.type})`) },
    );
  return blocks;
}

export function buildPostmortem(o: PostmortemInput): PostmortemDoc {
  const i = o.incident;
  const h = rootCauseOf(i);
  const onset = onsetOf(i);
  const end = i.resolvedAtMs ?? o.nowMs;
  const steps = timelineSteps(i, o.actions);
  const ident = identifiedAt(i);
  const periods = degradedPeriods(i, onset, o.nowMs);
  const impactMs = totalMs(periods);
  const firstStatement = statementAtOpening(i);
  const evidence = (list: Hypothesis['supporting']) =>
    tidyEvidence(list).map(
      (e) => `${e.atMs !== undefined ? `${t(e.atMs)} ` : ''}[${e.source}] ${e.ref}: ${e.text}`,
    );
  const doc: PostmortemDoc = {
    title: `Postmortem (draft): ${h.title}, ${i.id}`,
    meta: [
      `Cluster: ${o.cluster ?? 'default'}`,
      `Incident: ${i.id}, ${i.status}, severity ${i.severity}`,
      `Window: ${t(onset)} to ${i.resolvedAtMs !== undefined ? t(i.resolvedAtMs) : `ongoing at ${t(o.nowMs)}`} (${duration(end - onset)})`,
      `Drafted by kubetriage from the incident record at ${t(o.nowMs)}; review before publishing.`,
    ],
    sections: [
      {
        title: 'Summary',
        blocks: [
          {
            kind: 'p',
            text: `${publicTitle(i)} for ${duration(impactMs)}${periods.length > 1 ? ` in ${periods.length} periods` : ''}, from ${t(onset)}${i.resolvedAtMs !== undefined ? ` to ${t(i.resolvedAtMs)}` : ''}. Root cause: ${firstStatement}`,
          },
        ],
      },
      {
        title: 'Impact',
        blocks: [
          {
            kind: 'p',
            text: `Degraded for ${duration(impactMs)}${periods.length > 1 ? ` in ${periods.length} periods` : ''} (severity ${i.severity}); the incident was open ${duration(end - onset)}.`,
          },
          ...(periods.length > 1
            ? [
                {
                  kind: 'list',
                  items: periods.map(
                    (p) => `${t(p.startMs)} to ${t(p.endMs)} (${duration(p.endMs - p.startMs)})`,
                  ),
                } as Block,
              ]
            : []),
          { kind: 'p', text: `Customer impact: ${customerImpact(i)}` },
          { kind: 'p', text: 'In the cluster:' },
          {
            kind: 'list',
            items: scopeLines(h).length ? scopeLines(h) : ['No objects in the blast radius were recorded.'],
          },
        ],
      },
      {
        title: 'Detection',
        blocks: [
          {
            kind: 'list',
            items: [
              `Onset: ${t(onset)}, the first evidence of it.`,
              `First detected: ${t(i.detectedAtMs ?? i.openedAtMs)} by kubetriage: ${firstStatement}`,
              `Incident opened: ${t(i.openedAtMs)}, ${duration(i.openedAtMs - onset)} after the onset.`,
              ident !== undefined
                ? `Identified: ${t(ident)}, ${duration(ident - onset)} after the onset.`
                : 'Never reached Identified.',
            ],
          },
        ],
      },
      {
        title: 'Timeline (UTC)',
        blocks: [
          {
            kind: 'table',
            head: ['Time (UTC)', 'Event', 'Details'],
            rows: steps.map((s) => [
              t(s.atMs),
              s.what,
              s.author && s.author !== 'kubetriage' ? `${s.text} (${s.author})` : s.text,
            ]),
          },
        ],
      },
      { title: 'Trigger', blocks: trigger(i, h, onset) },
      {
        title: 'Root cause',
        blocks: [
          { kind: 'p', text: `${h.title} (confidence ${pct(h.confidence)}): ${firstStatement}` },
          ...(h.supporting.length
            ? [
                // The evidence is the diagnosis's last reading; the onset above is its first.
                { kind: 'p', text: `Evidence for, as last read (${t(i.updatedAtMs)}):` } as Block,
                { kind: 'list', items: evidence(h.supporting) } as Block,
              ]
            : [{ kind: 'p', text: 'No evidence was kept with the diagnosis.' } as Block]),
          ...(h.contradicting.length
            ? [
                { kind: 'p', text: 'Evidence against:' } as Block,
                { kind: 'list', items: evidence(h.contradicting) } as Block,
              ]
            : []),
          ...(h.ruledOut.length
            ? [
                { kind: 'p', text: 'Look-alikes ruled out:' } as Block,
                { kind: 'list', items: h.ruledOut.map((r) => `${r.pattern}: ${r.why}`) } as Block,
              ]
            : []),
          ...(i.runnerUp
            ? [
                {
                  kind: 'p',
                  text: `Runner-up hypothesis: ${i.runnerUp.title} (${pct(i.runnerUp.confidence)}).`,
                } as Block,
              ]
            : []),
        ],
      },
      { title: 'Contributing factors', blocks: contributing(h) },
      { title: 'Response', blocks: response(steps, onset) },
      { title: 'Resolution', blocks: resolution(i, steps) },
      { title: 'Action items', blocks: actionItemBlocks(i, o.actionItems ?? []) },
      ...lessons(i, steps, o.nowMs, periods),
    ],
  };
  return redactDoc(doc);
}

function redactBlock(b: Block): Block {
  switch (b.kind) {
    case 'p':
    case 'code':
      return { ...b, text: redact(b.text) };
    case 'list':
      return { ...b, items: b.items.map(redact) };
    case 'table':
      return { ...b, head: b.head.map(redact), rows: b.rows.map((r) => r.map(redact)) };
  }
}

function redactDoc(d: PostmortemDoc): PostmortemDoc {
  return {
    title: redact(d.title),
    meta: d.meta.map(redact),
    sections: d.sections.map((s) => ({ title: s.title, blocks: s.blocks.map(redactBlock) })),
  };
}

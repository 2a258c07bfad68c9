/**
 * One incident: where it stands, the hypothesis with its evidence for and against and the
 * look-alikes ruled out, the commands to run next, the time axis of the symptoms with the
 * incident's status changes and actions on it, and the timeline. Runbooks, the status page
 * and the postmortem are tabs of the same page.
 */
import { useState } from 'react';
import { getJson } from '../api.ts';
import type {
  ActionRecord,
  Evidence,
  Hypothesis,
  Incident,
  SeriesJson,
  StatusReport,
  TimelineEntry,
} from '../api-types.ts';
import { SeverityBadge, StatusBadge } from '../components/Badge.tsx';
import { CommandLine } from '../components/CopyButton.tsx';
import { type Mark, SignalChart } from '../components/SignalChart.tsx';
import { seriesNotApplicable } from '../components/series-applicable.ts';
import { ago, percent, statusLabel, utc } from '../format.ts';
import { usePolled } from '../poll.ts';
import { withLooseActions } from '../timeline-order.ts';
import { PostmortemPanel } from './PostmortemPanel.tsx';
import { Problem } from './Problem.tsx';
import { RunbooksPanel } from './RunbooksPanel.tsx';
import { StatusAdmin } from './StatusAdmin.tsx';

export type IncidentTab = 'overview' | 'runbooks' | 'status-page' | 'postmortem';
const tabs: { tab: IncidentTab; label: string }[] = [
  { tab: 'overview', label: 'Overview' },
  { tab: 'runbooks', label: 'Runbooks' },
  { tab: 'status-page', label: 'Status page' },
  { tab: 'postmortem', label: 'Postmortem' },
];

function EvidenceList({ items, empty }: { items: Evidence[]; empty: string }) {
  if (items.length === 0) return <p className="muted">{empty}</p>;
  return (
    <ul className="evidence">
      {items.map((e, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: evidence has no identity beyond its place
        <li key={i}>
          <span className="tag">{e.source}</span> <code>{e.ref}</code>
          {e.atMs !== undefined && <span className="muted"> {utc(e.atMs)}</span>}
          <div>{e.text}</div>
        </li>
      ))}
    </ul>
  );
}

const verdictLabel = {
  'ruled-out': 'ruled out',
  weaker: 'weaker fit',
  'not-checked': 'not checked',
} as const;

/** What changed before the onset: the trigger candidates, best fitting first. */
function ChangesView({ h }: { h: Hypothesis }) {
  const changes = h.changes ?? [];
  return (
    <section aria-labelledby="changes">
      <h3 id="changes">What changed before it began</h3>
      {changes.length === 0 ? (
        <p className="muted">No change was seen before the onset.</p>
      ) : (
        <ul className="changes">
          {changes.map((c) => (
            <li key={c.signal}>
              <span className="muted">{utc(c.atMs)}</span> {c.text}{' '}
              <span className="tag">
                {percent(c.scopeMatch)} of what failed{c.fleetWide ? ', fleet-wide' : ''}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** For "cause not identified": what was considered, why each fell short, what would decide. */
function ConsideredView({ h }: { h: Hypothesis }) {
  if (!h.considered?.length && !h.wouldDecide?.length) return null;
  return (
    <section aria-labelledby="considered">
      <h3 id="considered">Considered, not confirmed</h3>
      <ul className="considered">
        {(h.considered ?? []).map((c) => (
          <li key={c.pattern}>
            <strong>{c.pattern}</strong> ({percent(c.confidence)}): short by {c.shortBy}
          </li>
        ))}
      </ul>
      {h.wouldDecide?.length ? (
        <>
          <p>What would decide it:</p>
          <ul>
            {h.wouldDecide.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

function HypothesisView({ h, runnerUp }: { h: Hypothesis; runnerUp?: Hypothesis }) {
  const radius = Object.entries(h.blastRadius).filter(([, v]) => v && v.length > 0);
  return (
    <section aria-labelledby="hypothesis" className="hypothesis">
      <h2 id="hypothesis">
        Hypothesis: {h.title} <span className="confidence">{percent(h.confidence)} confidence</span>
      </h2>
      <p className="statement">{h.statement}</p>
      <p className="muted">
        Pattern <code>{h.pattern}</code>, since {utc(h.sinceMs)}
      </p>
      <div className="columns">
        <section aria-labelledby="supporting">
          <h3 id="supporting">Evidence for</h3>
          <EvidenceList items={h.supporting} empty="None listed." />
        </section>
        <section aria-labelledby="contradicting">
          <h3 id="contradicting">Evidence against</h3>
          <EvidenceList items={h.contradicting} empty="Nothing speaks against it." />
        </section>
        <section aria-labelledby="ruled-out">
          <h3 id="ruled-out">Look-alikes ruled out</h3>
          {h.ruledOut.length === 0 ? (
            <p className="muted">None.</p>
          ) : (
            <ul className="ruled-out">
              {h.ruledOut.map((r) => (
                <li key={r.pattern}>
                  {r.verdict && <span className={`tag verdict-${r.verdict}`}>{verdictLabel[r.verdict]}</span>}{' '}
                  <strong>{r.pattern}</strong>: {r.why}
                </li>
              ))}
            </ul>
          )}
          {runnerUp && (
            <p>
              Runner-up: <strong>{runnerUp.title}</strong> ({percent(runnerUp.confidence)})
            </p>
          )}
        </section>
      </div>
      <ChangesView h={h} />
      <ConsideredView h={h} />
      {radius.length > 0 && (
        <>
          <h3>Blast radius</h3>
          <dl className="radius">
            {radius.map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>
                  {(v as string[]).slice(0, 30).join(', ')}
                  {(v as string[]).length > 30 ? ` and ${(v as string[]).length - 30} more` : ''}
                </dd>
              </div>
            ))}
          </dl>
        </>
      )}
    </section>
  );
}

function NextSteps({ h }: { h: Hypothesis }) {
  return (
    <section aria-labelledby="next-steps">
      <h2 id="next-steps">Next steps</h2>
      <ol className="steps">
        {h.nextSteps.map((s, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: steps are ordered and have no id
          <li key={i}>
            <p>{s.say}</p>
            {s.command && <CommandLine command={s.command} label={`step ${i + 1}`} />}
          </li>
        ))}
      </ol>
    </section>
  );
}

function marksOf(story: readonly TimelineEntry[]): Mark[] {
  return story
    .filter((e) => e.kind === 'status' || e.kind === 'action' || e.kind === 'opened')
    .map((e) => ({
      atMs: e.atMs,
      kind: e.kind,
      label:
        e.kind === 'opened'
          ? 'opened'
          : e.kind === 'status'
            ? (Object.keys(statusLabel).find((s) => e.text.includes(`→ ${s}`)) ?? 'status')
            : `action${e.author ? ` (${e.author})` : ''}`,
    }));
}

/**
 * The incident's timeline as people read it: what happened and who did what. The
 * detectors' own signal rows (internal ids) are counted, and shown on request.
 */
function Timeline({ story }: { story: readonly TimelineEntry[] }) {
  const [showSignals, setShowSignals] = useState(false);
  const signals = story.filter((e) => e.kind === 'signal').length;
  const entries = showSignals ? story : story.filter((e) => e.kind !== 'signal');
  return (
    <section aria-labelledby="timeline">
      <h2 id="timeline">Timeline</h2>
      {signals > 0 && (
        <p className="muted">
          <label>
            <input type="checkbox" checked={showSignals} onChange={(e) => setShowSignals(e.target.checked)} />{' '}
            show the {signals} detector signal{signals === 1 ? '' : 's'} behind it
          </label>
        </p>
      )}
      <ol className="timeline">
        {entries.map((e, k) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: the timeline is append-only, its order by time fixed
          <li key={k} className={`kind-${e.kind}`}>
            <time dateTime={new Date(e.atMs).toISOString()}>{utc(e.atMs)}</time>{' '}
            <span className="tag">{e.kind}</span> {e.text}
            {e.author ? <span className="muted"> — {e.author}</span> : null}
          </li>
        ))}
      </ol>
    </section>
  );
}

export function IncidentPage({ id, tab }: { id: string; tab: IncidentTab }) {
  const path = `/api/incidents/${encodeURIComponent(id)}`;
  const incident = usePolled(() => getJson<Incident>(path), path);
  const series = usePolled(() => getJson<SeriesJson>('/api/dashboard/series'), 'series');
  const actions = usePolled(() => getJson<{ actions: ActionRecord[] }>('/api/actions'), 'actions');
  const view = usePolled(() => getJson<StatusReport>('/api/view'), 'view');
  const report = view.data && 'sources' in view.data ? view.data : undefined;
  const i = incident.data;
  // The upgrade an operator logged before anything broke belongs on this incident's chart and timeline.
  const story = i ? withLooseActions(i, actions.data?.actions ?? []) : [];
  const h = i ? (i.rootCause ?? i.top) : undefined;

  return (
    <>
      <p>
        <a href="#/">← Cluster</a>
      </p>
      <Problem polled={[incident, series]} />
      {!i || !h ? (
        <h1>{incident.error ? `Incident ${id}` : `Loading ${id}…`}</h1>
      ) : (
        <>
          <header className="incident-head">
            <h1>
              {i.id}: {h.title}
            </h1>
            <p className="badges">
              <span>
                Status: <StatusBadge status={i.status} />
              </span>{' '}
              <span>
                Severity: <SeverityBadge severity={i.severity} />
              </span>{' '}
              <span className="muted">
                opened {utc(i.openedAtMs)}
                {i.resolvedAtMs ? `, resolved ${utc(i.resolvedAtMs)}` : `, updated ${utc(i.updatedAtMs)}`}
              </span>
            </p>
          </header>
          <nav aria-label="Incident sections" className="tabs">
            {tabs.map((t) => (
              <a
                key={t.tab}
                href={`#/incidents/${encodeURIComponent(i.id)}${t.tab === 'overview' ? '' : `/${t.tab}`}`}
                aria-current={t.tab === tab ? 'page' : undefined}
              >
                {t.label}
              </a>
            ))}
          </nav>
          {tab === 'overview' && (
            <>
              {i.status === 'resolved' && i.resolvedAtMs !== undefined && (
                // After the outage the next thing to do is the write-up: say so where people land.
                <p className="resolved-note">
                  Resolved {utc(i.resolvedAtMs)}, {ago(i.openedAtMs, i.resolvedAtMs)} after it opened.{' '}
                  <a href={`#/incidents/${encodeURIComponent(i.id)}/postmortem`}>Read the postmortem draft</a>
                </p>
              )}
              <HypothesisView h={h} runnerUp={i.runnerUp} />
              <NextSteps h={h} />
              <section aria-labelledby="signals">
                <h2 id="signals">Signals over time</h2>
                {series.data ? (
                  <SignalChart
                    data={series.data}
                    marks={marksOf(story)}
                    omit={seriesNotApplicable(report, series.data)}
                    title={`Signals behind ${i.id}`}
                  />
                ) : (
                  <p>Loading…</p>
                )}
              </section>
              <Timeline story={story} />
            </>
          )}
          {tab === 'runbooks' && <RunbooksPanel incident={i} />}
          {tab === 'status-page' && <StatusAdmin incident={i} onChange={incident.refresh} />}
          {tab === 'postmortem' && <PostmortemPanel incident={i} onChange={incident.refresh} />}
        </>
      )}
    </>
  );
}

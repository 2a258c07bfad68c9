/**
 * What a runbook would do for this incident, step by step, before anyone runs it: the plan
 * the server computes (`GET /api/incidents/ID/runbooks`), its warnings, or why it refuses.
 * Where serve may remediate (`--allow-remediation`), a plan can be approved here: the
 * approver names themselves, confirms they read the steps, and the server runs exactly the
 * plan shown (its digest), then the run is followed live below it. Where the server cannot
 * aim a runbook the diagnosis offers (no plan), it is listed as a dry-run command to run from
 * a terminal.
 */
import { type FormEvent, useState } from 'react';
import { getJson, postJson } from '../api.ts';
import type { Incident, RunbookPlan, RunbookRun, RunbooksAnswer } from '../api-types.ts';
import { CommandLine } from '../components/CopyButton.tsx';
import { usePolled } from '../poll.ts';
import { RunbookRunView } from './RunbookRunView.tsx';

const loadPlans = (id: string) =>
  getJson<RunbooksAnswer>(`/api/incidents/${encodeURIComponent(id)}/runbooks`);

const authorKey = 'kubetriage.author';

/** Approve and apply: who is acting, that they read the plan, then one POST with the plan's digest. */
function Approve({
  incident,
  p,
  busy,
  onChange,
}: {
  incident: Incident;
  p: RunbookPlan;
  busy: RunbookRun | undefined;
  onChange: () => void;
}) {
  const [open, setOpen] = useState(false);
  const [author, setAuthor] = useState(() => sessionStorage.getItem(authorKey) ?? '');
  // The plan is re-read every few seconds: a confirmation holds for the plan as it was read.
  const [readDigest, setReadDigest] = useState<string | undefined>(undefined);
  const read = readDigest !== undefined && readDigest === p.digest;
  const changed = readDigest !== undefined && readDigest !== p.digest;
  const [result, setResult] = useState('');
  const [sending, setSending] = useState(false);
  const id = `approve-${p.runbook}`;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSending(true);
    try {
      sessionStorage.setItem(authorKey, author.trim());
      await postJson(
        `/api/incidents/${encodeURIComponent(incident.id)}/runbooks/${encodeURIComponent(p.runbook)}/apply`,
        { digest: readDigest, author: author.trim() },
      );
      setOpen(false);
      setReadDigest(undefined);
      setResult('');
      onChange();
    } catch (err) {
      setResult(`Not started: ${(err as Error).message}`);
      // A plan that changed or a run that started elsewhere: show the server's view now.
      onChange();
    } finally {
      setSending(false);
    }
  }

  if (busy)
    return (
      <p className="muted">
        {busy.id} ({busy.runbook}) is running; another run can be approved when it ends.
      </p>
    );
  if (!open)
    return (
      <button type="button" onClick={() => setOpen(true)} aria-controls={id}>
        Approve and apply…
      </button>
    );
  return (
    <form id={id} className="form approve" onSubmit={submit} aria-label={`Approve ${p.title}`}>
      <p>
        This runs the {p.steps.length} steps above against the cluster, now, from the kubetriage server. Each
        step is recorded on {incident.id}&apos;s timeline under your name. It stops by itself on a regression.
      </p>
      <label htmlFor={`${id}-author`}>Your name (for the record)</label>
      <input
        id={`${id}-author`}
        required
        maxLength={100}
        autoComplete="name"
        value={author}
        onChange={(e) => setAuthor(e.target.value)}
      />
      <label>
        <input
          type="checkbox"
          checked={read}
          onChange={(e) => setReadDigest(e.target.checked ? p.digest : undefined)}
        />{' '}
        I have read the {p.steps.length} steps and the warnings
      </label>
      {changed && (
        <p role="alert" className="warnings">
          The plan changed while you were reading it (the cluster moved on): read it again and confirm.
        </p>
      )}
      <div>
        <button type="submit" disabled={!read || !author.trim() || sending}>
          Apply {p.runbook} now
        </button>{' '}
        <button type="button" className="link" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
      {result && <p role="alert">{result}</p>}
    </form>
  );
}

function Plan({
  p,
  incident,
  apply,
  busy,
  onChange,
}: {
  p: RunbookPlan;
  incident: Incident;
  apply: RunbooksAnswer['apply'];
  busy: RunbookRun | undefined;
  onChange: () => void;
}) {
  return (
    <article className="runbook" aria-labelledby={`rb-${p.runbook}`}>
      <h3 id={`rb-${p.runbook}`}>{p.title}</h3>
      {p.refusal && (
        <p className="bad" role="note">
          Refuses to run: {p.refusal}
        </p>
      )}
      <CommandLine command={p.command} label={`runbook ${p.runbook}`} />
      {p.targets.length > 0 && <p>Targets: {p.targets.join(', ')}</p>}
      {p.warnings.length > 0 && (
        <ul className="warnings" aria-label="Warnings">
          {p.warnings.map((w) => (
            <li key={w}>Warning: {w}</li>
          ))}
        </ul>
      )}
      <ol className="plan">
        {p.steps.map((s) => (
          <li key={s.n} value={s.n}>
            <strong>{s.action}</strong> <code>{s.target}</code>: {s.detail}
          </li>
        ))}
      </ol>
      {apply.enabled && !p.refusal && <Approve incident={incident} p={p} busy={busy} onChange={onChange} />}
    </article>
  );
}

export function RunbooksPanel({ incident }: { incident: Incident }) {
  const plans = usePolled(() => loadPlans(incident.id), `runbooks ${incident.id}`, 5_000);
  const offered = (incident.rootCause ?? incident.top).runbooks;
  const answer = plans.data;
  const runs = [...(answer?.runs ?? [])].reverse();
  const busy = runs.find((r) => r.state === 'running');
  return (
    <section aria-labelledby="runbooks">
      <h2 id="runbooks">Runbooks</h2>
      {plans.error && <p role="alert">Could not load the plans: {plans.error}</p>}
      {plans.data === undefined && !plans.error && <p>Loading…</p>}
      {answer?.runbooks.length === 0 &&
        (offered.length === 0 ? (
          <p>The diagnosis offers no runbook for this root cause; follow the next steps on the overview.</p>
        ) : (
          <>
            <p>
              kubetriage cannot aim these runbooks from what it sees. Print what a runbook would do, without
              doing it, from a terminal:
            </p>
            {offered.map((r) => (
              <CommandLine key={r} command={`kubetriage remediate ${r} --dry-run`} label={`runbook ${r}`} />
            ))}
          </>
        ))}
      {answer && answer.runbooks.length > 0 && !answer.apply.enabled && (
        <p className="muted">Applying from the dashboard is off: {answer.apply.why}</p>
      )}
      {answer?.runbooks.map((p) => (
        <Plan
          key={p.runbook}
          p={p}
          incident={incident}
          apply={answer.apply}
          busy={busy}
          onChange={plans.refresh}
        />
      ))}
      {runs.length > 0 && (
        <>
          <h2 id="runbook-runs">Runs</h2>
          {runs.map((r) => (
            <RunbookRunView key={r.id} run={r} onEnded={plans.refresh} />
          ))}
        </>
      )}
    </section>
  );
}

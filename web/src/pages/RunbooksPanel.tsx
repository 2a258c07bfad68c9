/**
 * What a runbook would do for this incident, step by step, before anyone runs it: the plan
 * the server computes (`GET /api/incidents/ID/runbooks`), its warnings, or why it refuses.
 * Where the server has no plans (an older server: 404; none configured: an empty list), the
 * runbooks the diagnosis offers are listed as dry-run commands to run from a terminal.
 */
import { ApiError, getJson } from '../api.ts';
import type { Incident, RunbookPlan } from '../api-types.ts';
import { CommandLine } from '../components/CopyButton.tsx';
import { usePolled } from '../poll.ts';

async function loadPlans(id: string): Promise<RunbookPlan[] | 'absent'> {
  try {
    return (await getJson<{ runbooks: RunbookPlan[] }>(`/api/incidents/${encodeURIComponent(id)}/runbooks`))
      .runbooks;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return 'absent';
    throw err;
  }
}

function Plan({ p }: { p: RunbookPlan }) {
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
    </article>
  );
}

export function RunbooksPanel({ incident }: { incident: Incident }) {
  const plans = usePolled(() => loadPlans(incident.id), `runbooks ${incident.id}`, 5_000);
  const offered = (incident.rootCause ?? incident.top).runbooks;
  return (
    <section aria-labelledby="runbooks">
      <h2 id="runbooks">Runbooks</h2>
      {plans.error && <p role="alert">Could not load the plans: {plans.error}</p>}
      {plans.data === undefined && !plans.error && <p>Loading…</p>}
      {(plans.data === 'absent' || plans.data?.length === 0) &&
        (offered.length === 0 ? (
          <p>The diagnosis offers no runbook for this root cause; follow the next steps on the overview.</p>
        ) : (
          <>
            <p>
              This server has no plan for these runbooks. Print what a runbook would do, without doing it,
              from a terminal:
            </p>
            {offered.map((r) => (
              <CommandLine key={r} command={`kubetriage remediate ${r} --dry-run`} label={`runbook ${r}`} />
            ))}
          </>
        ))}
      {Array.isArray(plans.data) && plans.data.map((p) => <Plan key={p.runbook} p={p} />)}
    </section>
  );
}

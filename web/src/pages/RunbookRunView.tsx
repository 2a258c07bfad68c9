/**
 * One runbook run, followed live: while it runs the page asks the server every second
 * (`GET /api/runbook-runs/RUN`) and shows each step as it starts, waits, finishes or
 * stops, newest last, announced politely to screen readers. A finished run stays as it
 * ended; the incident's timeline keeps the record.
 */
import { useEffect } from 'react';
import { getJson } from '../api.ts';
import type { RunbookRun, StepEvent } from '../api-types.ts';
import { utc } from '../format.ts';
import { usePolled } from '../poll.ts';

const stateWords: Record<RunbookRun['state'], string> = {
  running: 'Running',
  done: 'Done',
  stopped: 'Stopped',
  failed: 'Failed',
};

const statusMark: Record<StepEvent['status'], string> = {
  started: '…',
  waiting: '⏳',
  done: '✓',
  warning: '!',
  stopped: '✗',
};

/** The highest plan step finished so far. */
function stepsDone(run: RunbookRun): number {
  return Math.max(0, ...run.events.filter((e) => e.status === 'done').map((e) => e.n));
}

function Follow({ run, onEnded }: { run: RunbookRun; onEnded: () => void }) {
  const live = usePolled(
    async () => (await getJson<{ run: RunbookRun }>(`/api/runbook-runs/${encodeURIComponent(run.id)}`)).run,
    `run ${run.id}`,
    1_000,
  );
  const ended = live.data !== undefined && live.data.state !== 'running';
  // The plans above may change once a run ends (a bypassed Deployment is no longer offered).
  useEffect(() => {
    if (ended) onEnded();
  }, [ended, onEnded]);
  return <RunBody run={live.data ?? run} error={live.error} />;
}

function RunBody({ run, error }: { run: RunbookRun; error?: string }) {
  const headingId = `run-${run.id}`;
  return (
    <article
      className={`run run-${run.state}`}
      aria-labelledby={headingId}
      data-run={run.id}
      data-state={run.state}
    >
      <h3 id={headingId}>
        {run.title}: <span className="run-state">{stateWords[run.state]}</span>
      </h3>
      <p className="muted">
        {run.id}, approved by {run.author} at {utc(Date.parse(run.startedAt))}
        {run.endedAt ? `, ended ${utc(Date.parse(run.endedAt))}` : ''}. Step {stepsDone(run)} of{' '}
        {run.planSteps} done.
      </p>
      {run.error && (
        <p className="bad" role="alert">
          {stateWords[run.state]}: {run.error}
        </p>
      )}
      {error && <p role="alert">Could not follow the run: {error}</p>}
      <ol className="run-events" aria-live="polite" aria-label={`Steps of ${run.id}`}>
        {run.events.map((e, i) => (
          <li
            // Events are appended and only the last wait is replaced, so the index is stable.
            // biome-ignore lint/suspicious/noArrayIndexKey: see above
            key={i}
            className={`event-${e.status}`}
            data-status={e.status}
          >
            <span aria-hidden="true">{statusMark[e.status]}</span>{' '}
            <span className="muted">{utc(e.atMs)}</span> step {e.n || '–'} <strong>{e.action}</strong>{' '}
            <code>{e.target}</code> {e.status}: {e.detail}
          </li>
        ))}
      </ol>
    </article>
  );
}

export function RunbookRunView({ run, onEnded }: { run: RunbookRun; onEnded: () => void }) {
  return run.state === 'running' ? <Follow run={run} onEnded={onEnded} /> : <RunBody run={run} />;
}

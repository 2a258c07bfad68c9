/**
 * Runbooks approved from the dashboard, run inside serve and followed live. One run at a
 * time per serve (restart-nodes also holds its Lease, so a terminal run elsewhere never
 * overlaps it). Every step worth remembering goes on the incident's timeline as an action,
 * with the approver as author, exactly as `remediate --incident` records it; the runs
 * themselves, with every step event, are kept in memory for the page that follows them
 * (the timeline is the durable record).
 */
import type { RunbookOffer } from '../respond/offer.ts';
import { planDigest } from '../respond/offer.ts';
import type { RunbookName } from '../respond/plan.ts';
import type { StepEvent, StepHandler } from '../respond/step-events.ts';
import { stepText, worthRecording } from '../respond/timeline-recorder.ts';
import { type Clock, rfc3339 } from '../time/clock.ts';
import type { IncidentDesk } from './desk.ts';

export type RunState = 'running' | 'done' | 'stopped' | 'failed';

export interface RunbookRun {
  id: string;
  incident: string;
  runbook: RunbookName;
  title: string;
  command: string;
  /** The plan digest the approver saw (respond/offer.ts). */
  digest: string;
  /** How many steps the approved plan had. */
  planSteps: number;
  author: string;
  /** The named API token that approved it, whatever author it claimed (TimelineEntry.via). */
  via?: string;
  state: RunState;
  startedAt: string;
  endedAt?: string;
  /** Every step event so far; a step's repeated waits collapse into its latest. */
  events: StepEvent[];
  /** Why it stopped or failed. */
  error?: string;
}

/**
 * Runs an offer to its end, reporting each step; throws to stop (RunbookStoppedError and
 * kin). Stops before its next step once `signal` is aborted.
 */
export type RunbookExecutor = (
  offer: RunbookOffer,
  run: { id: string; author: string },
  onStep: StepHandler,
  signal: AbortSignal,
) => Promise<void>;

export class RunConflictError extends Error {}

export interface RunbookRunsOptions {
  desk: IncidentDesk;
  clock: Clock;
  /** Absent when serve was not allowed to remediate; then `disabledBecause` says why. */
  execute?: RunbookExecutor;
  disabledBecause?: string;
  /** Finished runs kept for the dashboard (default 20). */
  keep?: number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

const stoppedNames = new Set([
  'RunbookStoppedError',
  'RunbookRefusedError',
  'LockHeldError',
  'LockLostError',
]);

export class RunbookRuns {
  private readonly o: RunbookRunsOptions;
  private readonly runs: RunbookRun[] = [];
  private seq = 0;
  private current: Promise<void> | undefined;
  private abort: AbortController | undefined;

  constructor(o: RunbookRunsOptions) {
    this.o = o;
  }

  /** Why approving is refused here, or undefined when it is allowed. */
  get disabledBecause(): string | undefined {
    return this.o.execute ? undefined : (this.o.disabledBecause ?? 'this server does not apply runbooks');
  }

  list(incident?: string): RunbookRun[] {
    return this.runs.filter((r) => incident === undefined || r.incident === incident);
  }

  get(id: string): RunbookRun | undefined {
    return this.runs.find((r) => r.id === id);
  }

  /** Resolves when the run in progress (if any) has ended, or after `limitMs` when given. */
  async settled(limitMs?: number): Promise<void> {
    const current = this.current;
    if (!current || limitMs === undefined) return current;
    await new Promise<void>((resolve) => {
      const limit = this.o.clock.after(limitMs, resolve);
      void current.then(() => {
        limit.cancel();
        resolve();
      });
    });
  }

  /** Starts the approved offer; the run goes on after this returns. */
  start(incident: string, offer: RunbookOffer, by: { author: string; via?: string }): RunbookRun {
    const { author, via } = by;
    const execute = this.o.execute;
    if (!execute) throw new RunConflictError(this.disabledBecause);
    const busy = this.runs.find((r) => r.state === 'running');
    if (busy)
      throw new RunConflictError(
        `${busy.id} (${busy.runbook} for ${busy.incident}, approved by ${busy.author}) is still running`,
      );
    const nowMs = this.o.clock.now();
    const run: RunbookRun = {
      id: `run-${++this.seq}`,
      incident,
      runbook: offer.runbook,
      title: offer.plan.title,
      command: offer.plan.command,
      digest: planDigest(offer.plan),
      planSteps: offer.plan.steps.length,
      author,
      ...(via ? { via } : {}),
      state: 'running',
      startedAt: rfc3339(nowMs),
      events: [],
    };
    this.runs.push(run);
    this.forgetOld();
    this.record(
      run,
      nowMs,
      `remediate ${run.runbook}: approved by ${author}${via ? ` (token ${via})` : ''} in the dashboard (plan ${run.digest}, ${run.planSteps} steps; same as: ${run.command})`,
    );
    this.abort = new AbortController();
    this.current = execute(offer, { id: run.id, author }, (e) => this.onStep(run, e), this.abort.signal)
      .then(
        () => this.end(run, 'done'),
        (err: unknown) => {
          const e = err instanceof Error ? err : new Error(String(err));
          this.end(run, stoppedNames.has(e.name) ? 'stopped' : 'failed', e.message);
        },
      )
      .finally(() => {
        this.current = undefined;
      });
    return run;
  }

  /**
   * Serve is stopping: a run still going stops before its next step and is marked stopped
   * on the record now, while the record can still be written. What it did is on the
   * timeline; rerunning resumes it (the restart Lease keeps its progress).
   */
  interrupt(why: string): void {
    this.abort?.abort(new Error(why));
    for (const run of this.runs) if (run.state === 'running') this.end(run, 'stopped', why);
  }

  private onStep(run: RunbookRun, e: StepEvent): void {
    if (run.state !== 'running') return;
    const last = run.events.at(-1);
    const sameWait =
      last?.status === 'waiting' &&
      e.status === 'waiting' &&
      last.n === e.n &&
      last.action === e.action &&
      last.target === e.target;
    if (sameWait) run.events[run.events.length - 1] = e;
    else run.events.push(e);
    if (worthRecording(e)) this.record(run, e.atMs, stepText(run.runbook, e));
  }

  private end(run: RunbookRun, state: RunState, error?: string): void {
    if (run.state !== 'running') return;
    const nowMs = this.o.clock.now();
    run.state = state;
    run.endedAt = rfc3339(nowMs);
    if (error) run.error = error;
    const how =
      state === 'done'
        ? 'finished: every step done and verified'
        : `${state === 'stopped' ? 'STOPPED' : 'FAILED'}: ${error}; the steps so far are above, and rerunning resumes`;
    this.record(run, nowMs, `remediate ${run.runbook}: ${run.id} ${how}`);
  }

  /** A timeline entry; a run never stops because its record could not be written. */
  private record(run: RunbookRun, atMs: number, text: string): void {
    try {
      this.o.desk.note(run.incident, text, { atMs, author: run.author, via: run.via, kind: 'action' });
    } catch (err) {
      this.o.log?.('cannot record a runbook step on the incident', {
        incident: run.incident,
        run: run.id,
        error: (err as Error).message,
      });
    }
  }

  private forgetOld(): void {
    const keep = this.o.keep ?? 20;
    while (this.runs.length > keep) {
      const i = this.runs.findIndex((r) => r.state !== 'running');
      if (i < 0) return;
      this.runs.splice(i, 1);
    }
  }
}

/**
 * Approving a runbook through the API: only when serve may remediate, only the plan the
 * approver saw, never while the plan refuses or another run is going, and every step on
 * the incident's timeline under the approver's name.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { t0 } from '../incident/fixtures.ts';
import type { Incident } from '../incident/incident.ts';
import { IncidentTracker } from '../incident/tracker.ts';
import { planDigest, type RunbookOffer } from '../respond/offer.ts';
import { numbered } from '../respond/plan.ts';
import { restartDefaults } from '../respond/restart-nodes-plan.ts';
import { RunbookStoppedError, type StepHandler } from '../respond/step-events.ts';
import { ManualClock } from '../time/manual-clock.ts';
import type { ApiToken } from './api-tokens.ts';
import { createApp } from './app.ts';
import { IncidentDesk } from './desk.ts';
import { openIncident as openTestIncident } from './fixtures.ts';
import { type RunbookExecutor, type RunbookRun, RunbookRuns } from './runbook-runs.ts';

const token = 'test-token-0123456789abcdef';
const json = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

function offer(targets = ['aks-1', 'aks-2'], refusal?: string): RunbookOffer {
  return {
    runbook: 'restart-nodes',
    options: { ...restartDefaults, nodes: targets },
    plan: {
      runbook: 'restart-nodes',
      title: `Restart ${targets.length} nodes`,
      command: `kubetriage remediate restart-nodes --nodes ${targets.join(',')} --max-unavailable 1`,
      targets,
      steps: numbered(targets.map((t) => ({ action: 'restart', target: `node/${t}`, detail: 'replace it' }))),
      warnings: [],
      ...(refusal ? { refusal } : {}),
    },
  };
}

/** An executor the test releases step by step. */
class FakeExecutor {
  calls: RunbookOffer[] = [];
  signals: AbortSignal[] = [];
  private release: (() => void) | undefined;
  fail: Error | undefined;
  private readonly clock: ManualClock;
  constructor(clock: ManualClock) {
    this.clock = clock;
  }
  readonly execute: RunbookExecutor = async (o, _run, onStep: StepHandler, signal) => {
    this.calls.push(o);
    this.signals.push(signal);
    for (const s of o.plan.steps) {
      await onStep({ ...s, status: 'started', atMs: this.clock.now() });
      for (let i = 0; i < 3; i++)
        await onStep({ ...s, status: 'waiting', detail: `wait ${i}`, atMs: this.clock.now() });
      await new Promise<void>((r) => {
        this.release = r;
      });
      if (this.fail) throw this.fail;
      await onStep({ ...s, status: 'done', detail: `${s.target} back`, atMs: this.clock.now() });
    }
  };
  step(): void {
    this.release?.();
    this.release = undefined;
  }
}

let clock: ManualClock;
let tracker: IncidentTracker;
let desk: IncidentDesk;
let offers: RunbookOffer[];
let exec: FakeExecutor;
let runs: RunbookRuns;
let app: ReturnType<typeof createApp>;

const openIncident = (): Incident => openTestIncident({ desk, tracker, clock });

function build(o: { allowed: boolean; readOnly?: string; tokens?: ApiToken[] }): void {
  runs = new RunbookRuns({
    desk,
    clock,
    ...(o.allowed ? { execute: exec.execute } : { disabledBecause: 'serve runs read-only' }),
  });
  app = createApp({
    desk,
    clock,
    token: o.tokens ?? token,
    cluster: 'test',
    pageName: 'Test',
    findings: () => [],
    runbooks: () => offers,
    runs,
    readOnlyBecause: () => o.readOnly,
  });
}

const approve = (id: string, digest: string, runbook = 'restart-nodes', author = 'maria') =>
  app.request(`/api/incidents/${id}/runbooks/${runbook}/apply`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ digest, author }),
  });

async function listed(id: string) {
  const res = await app.request(`/api/incidents/${id}/runbooks`, { headers: json });
  expect(res.status).toBe(200);
  return (await res.json()) as {
    runbooks: { runbook: string; digest: string }[];
    apply: { enabled: boolean; why?: string };
    runs: RunbookRun[];
  };
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
};

beforeEach(() => {
  clock = new ManualClock(t0);
  tracker = new IncidentTracker();
  desk = new IncidentDesk({ tracker });
  offers = [offer()];
  exec = new FakeExecutor(clock);
});

describe('approving a runbook from the dashboard', () => {
  it('lists each plan with its digest and says why applying is off', async () => {
    build({ allowed: false });
    const i = openIncident();
    const l = await listed(i.id);
    expect(l.runbooks[0].digest).toBe(planDigest(offers[0].plan));
    expect(l.apply).toEqual({ enabled: false, why: 'serve runs read-only' });
    const res = await approve(i.id, l.runbooks[0].digest);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { hint: string }).hint).toContain('--allow-remediation');
    expect(exec.calls).toHaveLength(0);
  });

  it('runs the approved plan, folds repeated waits, and records each step under the approver', async () => {
    build({ allowed: true });
    const i = openIncident();
    const { runbooks, apply } = await listed(i.id);
    expect(apply.enabled).toBe(true);
    const res = await approve(i.id, runbooks[0].digest);
    expect(res.status).toBe(202);
    const { run } = (await res.json()) as { run: RunbookRun };
    expect(run).toMatchObject({
      incident: i.id,
      runbook: 'restart-nodes',
      author: 'maria',
      state: 'running',
    });
    expect(exec.calls[0]).toBe(offers[0]);
    await flush();

    const following = async () =>
      (
        (await (await app.request(`/api/runbook-runs/${run.id}`, { headers: json })).json()) as {
          run: RunbookRun;
        }
      ).run;
    let now = await following();
    // started, then three waits folded into the latest
    expect(now.events.map((e) => `${e.n} ${e.status} ${e.detail}`)).toEqual([
      '1 started replace it',
      '1 waiting wait 2',
    ]);

    // A second approval while this one runs is refused.
    expect((await approve(i.id, runbooks[0].digest)).status).toBe(409);

    exec.step();
    await flush();
    exec.step();
    await runs.settled();
    now = await following();
    expect(now.state).toBe('done');
    expect(now.events.filter((e) => e.status === 'done').map((e) => e.target)).toEqual([
      'node/aks-1',
      'node/aks-2',
    ]);

    const actions = (tracker.get(i.id)?.timeline ?? []).filter((t) => t.kind === 'action');
    expect(actions.map((a) => a.text)).toEqual([
      expect.stringContaining('remediate restart-nodes: approved by maria in the dashboard'),
      'remediate restart-nodes: step 1 restart node/aks-1 done: node/aks-1 back',
      'remediate restart-nodes: step 2 restart node/aks-2 done: node/aks-2 back',
      `remediate restart-nodes: ${run.id} finished: every step done and verified`,
    ]);
    expect(actions.every((a) => a.author === 'maria')).toBe(true);
    expect((await listed(i.id)).runs.map((r) => r.id)).toEqual([run.id]);
  });

  it('records which named token approved a run, beside the author the client claims', async () => {
    build({
      allowed: true,
      tokens: [
        { name: 'ci', token: 'ci-token-0123456789abcdef' },
        { name: 'pager', token },
      ],
    });
    const i = openIncident();
    const res = await approve(i.id, (await listed(i.id)).runbooks[0].digest);
    const { run } = (await res.json()) as { run: RunbookRun };
    expect(run).toMatchObject({ author: 'maria', via: 'pager' });
    const approval = tracker.get(i.id)?.timeline.findLast((t) => t.kind === 'action');
    expect(approval).toMatchObject({ author: 'maria', via: 'pager' });
    expect(approval?.text).toContain('approved by maria (token pager) in the dashboard');
  });

  it('refuses a plan that changed since it was shown, a refusing plan, and an unknown runbook', async () => {
    build({ allowed: true });
    const i = openIncident();
    const seen = (await listed(i.id)).runbooks[0].digest;
    offers = [offer(['aks-1', 'aks-2', 'aks-3'])];
    const changed = await approve(i.id, seen);
    expect(changed.status).toBe(409);
    expect(((await changed.json()) as { error: string }).error).toContain('plan changed');

    offers = [offer(['aks-1'], 'more than 50% of nodes are NotReady')];
    const refusing = await approve(i.id, planDigest(offers[0].plan));
    expect(refusing.status).toBe(409);
    expect(((await refusing.json()) as { error: string }).error).toContain('refuses to start');

    expect((await approve(i.id, seen, 'node-fix')).status).toBe(404);
    expect((await approve('INC-9999', seen)).status).toBe(404);
    const bad = await approve(i.id, 'not-a-digest');
    expect(bad.status).toBe(400);
    expect(exec.calls).toHaveLength(0);
  });

  it('a follower takes no approvals', async () => {
    build({ allowed: true, readOnly: 'kt-1 is a follower' });
    const i = openIncident();
    expect((await approve(i.id, (await listed(i.id)).runbooks[0].digest)).status).toBe(503);
    expect(exec.calls).toHaveLength(0);
  });

  it('a run that stops says so on the record, and serve stopping marks a running one stopped', async () => {
    build({ allowed: true });
    const i = openIncident();
    const digest = (await listed(i.id)).runbooks[0].digest;
    exec.fail = new RunbookStoppedError('restart', 'node/aks-1 did not come back within 15m');
    const { run } = (await (await approve(i.id, digest)).json()) as { run: RunbookRun };
    await flush();
    exec.step();
    await runs.settled();
    expect(runs.get(run.id)).toMatchObject({
      state: 'stopped',
      error: 'node/aks-1 did not come back within 15m',
    });
    expect(tracker.get(i.id)?.timeline.at(-1)?.text).toContain(
      `${run.id} STOPPED: node/aks-1 did not come back`,
    );

    exec.fail = undefined;
    const second = (await (await approve(i.id, digest)).json()) as { run: RunbookRun };
    await flush();
    runs.interrupt('serve stopped while it was running');
    expect(runs.get(second.run.id)?.state).toBe('stopped');
    // The run itself is told to stop before its next step, not only marked stopped.
    expect(exec.signals.at(-1)?.aborted).toBe(true);
    exec.step();
    await flush();
    // Steps after the interruption are not added to a run already ended.
    expect(runs.get(second.run.id)?.events.some((e) => e.status === 'done')).toBe(false);
  });
});

/**
 * A runbook's steps on the record: posted to a running `serve` they land on the incident's
 * timeline under the operator's name and show up in the postmortem; without serve they are
 * stored as actions; a refused post is an error that names the incident, not a silent loss.
 * Waits and starts are not recorded.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServeRuntime } from '../../src/cli/serve-runtime.ts';
import { hypothesis, t0 } from '../../src/incident/fixtures.ts';
import { openStore } from '../../src/incident/store/open-store.ts';
import type { StepEvent } from '../../src/respond/step-events.ts';
import { RecordingError, serveRecorder, storeRecorder } from '../../src/respond/timeline-recorder.ts';
import { ManualClock } from '../../src/time/manual-clock.ts';

const token = 'recording-test-token-0123456789';
let rt: ServeRuntime;
let origin: string;
let dir: string;

const step = (over: Partial<StepEvent>): StepEvent => ({
  n: 1,
  action: 'cordon',
  target: 'node/aks-1',
  status: 'done',
  detail: 'unschedulable',
  atMs: t0 + 60_000,
  ...over,
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kt-recording-'));
  rt = new ServeRuntime({ clock: new ManualClock(t0), cluster: 'test', token });
  const h = hypothesis({ sinceMs: t0 });
  for (const at of [t0 + 10_000, t0 + 20_000])
    rt.desk.afterRound(at, rt.pipeline.tracker.update({ hypotheses: [h], findings: [] }, at), []);
  origin = `http://127.0.0.1:${await rt.listen(0, '127.0.0.1')}`;
});

afterAll(async () => {
  await rt?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('runbook steps on the record', () => {
  it("go onto the incident's timeline through serve and into its postmortem", async () => {
    const id = rt.pipeline.tracker.incidents()[0].id;
    const record = serveRecorder({
      server: origin,
      token,
      incident: id,
      author: 'ana',
      runbook: 'restart-nodes',
    });
    await record(step({ status: 'started' }));
    await record(step({}));
    await record(step({ n: 2, action: 'drain', status: 'waiting', detail: 'budget shop/web blocks' }));
    await record(
      step({ n: 4, action: 'wait-ready', status: 'stopped', detail: 'aks-1 did not come back in 15m' }),
    );
    const actions = rt.pipeline.tracker.get(id)!.timeline.filter((e) => e.kind === 'action');
    expect(actions.map((e) => [e.author, e.text])).toEqual([
      ['ana', 'remediate restart-nodes: step 1 cordon node/aks-1 done: unschedulable'],
      [
        'ana',
        'remediate restart-nodes: step 4 wait-ready node/aks-1 STOPPED: aks-1 did not come back in 15m',
      ],
    ]);
    const md = await (
      await fetch(`${origin}/api/incidents/${id}/postmortem`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).text();
    expect(md).toContain('remediate restart-nodes: step 4 wait-ready node/aks-1 STOPPED');
  });

  it('fail loudly, naming the incident, when serve refuses them', async () => {
    const record = serveRecorder({
      server: origin,
      token,
      incident: 'INC-9999',
      author: 'ana',
      runbook: 'node-fix',
    });
    await expect(record(step({}))).rejects.toThrow(RecordingError);
    await expect(record(step({}))).rejects.toThrow(/INC-9999/);
    const wrongToken = serveRecorder({
      server: origin,
      token: 'nope',
      incident: rt.pipeline.tracker.incidents()[0].id,
      author: 'ana',
      runbook: 'node-fix',
    });
    await expect(wrongToken(step({}))).rejects.toThrow(/401/);
  });

  it('are stored as actions when no serve is given', async () => {
    const store = await openStore({ dataDir: dir, cluster: 'test' });
    try {
      const record = storeRecorder({ store, author: 'ana', runbook: 'bypass-service-host' });
      await record(step({ action: 'patch', target: 'deployment/shop/web' }));
      await record(step({ status: 'waiting' }));
      const got = await store.listActions({ fromMs: 0, toMs: t0 + 3_600_000 });
      expect(got.map((a) => [a.author, a.text])).toEqual([
        ['ana', 'remediate bypass-service-host: step 1 patch deployment/shop/web done: unschedulable'],
      ]);
    } finally {
      await store.close();
    }
  });
});

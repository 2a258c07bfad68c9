/**
 * `kubetriage demo --live`: the outage as a cluster rather than a replay. The scenario's
 * simulated cluster is served over HTTPS on loopback (with a kubeconfig, so kubectl works
 * against it too), its time runs at --speed, and serve watches it the way it watches a real
 * cluster, with remediation allowed: you are the on-call, and a runbook approved in the
 * dashboard changes the cluster. The people of the story do not act (their actions are
 * left out), so the outage lasts until someone fixes it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simKubeconfig } from '../sim/kubeconfig.ts';
import type { Scenario } from '../sim/scenario/schema.ts';
import { Simulator } from '../sim/simulator.ts';
import { realClock } from '../time/clock.ts';
import { VirtualClock } from '../time/virtual-clock.ts';
import { startLiveSession } from './live-session.ts';
import { remediationExecutor } from './remediation-executor.ts';
import { ServeRuntime } from './serve-runtime.ts';

export interface LiveDemoOptions {
  scenario: Scenario;
  /** Where paced time starts: the cluster is fast-forwarded to here first. */
  paceFromMs: number;
  speed: number;
  token: string;
  log: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface LiveDemo {
  runtime: ServeRuntime;
  kubeconfig: string;
  /** Until stop() is called. */
  stop(): Promise<void>;
}

/** Wall time between steps of the cluster's time and between serve's rounds. */
const tickMs = 100;
const roundEveryMs = 1_000;

export async function startLiveDemo(o: LiveDemoOptions): Promise<LiveDemo> {
  const clock = new VirtualClock(Date.parse(o.scenario.start));
  const sim = new Simulator({ scenario: o.scenario, clock, actionsBefore: o.paceFromMs });
  await clock.runUntil(o.paceFromMs);
  const url = await sim.start(0, '127.0.0.1');
  const dir = await mkdtemp(join(tmpdir(), 'kubetriage-demo-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(
    kubeconfig,
    simKubeconfig({ server: url, caPem: sim.caPem, contextName: o.scenario.name }),
    {
      mode: 0o600,
    },
  );

  let running = true;
  // The cluster lives on at --speed while people and serve watch it on the wall clock.
  const cluster = keepGoing(
    'the simulated cluster',
    o.log,
    async () => {
      await clock.runUntil(clock.now() + o.speed * tickMs);
      await realClock.sleep(tickMs);
    },
    () => running,
  );
  const session = await startLiveSession({ kubeconfig, timeout: '30' }, { components: true });
  const runtime = new ServeRuntime({
    clock: session.clock,
    cluster: o.scenario.name,
    token: o.token,
    log: o.log,
    remediate: remediationExecutor(session.loaded.kc, session.clock, 'demo'),
  });
  const rounds = keepGoing(
    'a detection round',
    o.log,
    async () => {
      runtime.round(session.view, session.clock.now());
      await realClock.sleep(roundEveryMs);
    },
    () => running,
  );
  return {
    runtime,
    kubeconfig,
    async stop() {
      running = false;
      await Promise.all([cluster, rounds]);
      await session.feed.stop();
      await runtime.close();
      await sim.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `step` until told to stop; a step that throws is logged and the loop goes on. */
async function keepGoing(
  what: string,
  log: LiveDemoOptions['log'],
  step: () => Promise<void>,
  going: () => boolean,
): Promise<void> {
  while (going()) {
    try {
      await step();
    } catch (err) {
      log(`${what} failed; going on`, { error: (err as Error).message });
      await realClock.sleep(roundEveryMs);
    }
  }
}

/**
 * Runs a scenario in virtual time, as fast as the machine allows, and hands everything the
 * product may see (watch events, probe answers, kube-proxy metrics, component logs, the
 * node agent's reports on the Nodes) to a consumer through the replay feed. The cluster
 * view it fills is the one a live run would build; `onTick` lets the pipeline look at it
 * every `tickMs` of virtual time. Only cli (and tests, benchmarks) may import the
 * simulator, so this entry point lives here.
 */
import type { Observation } from '../kube/observations.ts';
import { ClusterView } from '../observe/cluster-view.ts';
import { componentTargets } from '../observe/component-targets.ts';
import type { Scenario } from '../sim/scenario/schema.ts';
import { parseDuration } from '../sim/scenario/time-spec.ts';
import { Simulator } from '../sim/simulator.ts';
import { VirtualClock } from '../time/virtual-clock.ts';
import { startReplayFeed } from './replay-feed.ts';

export interface ReplayOptions {
  /** Stop this long after the start (default: the scenario's duration). */
  forMs?: number;
  /** Call `onTick` every this much virtual time (default 10 s). */
  tickMs?: number;
  onTick?: (view: ClusterView, nowMs: number) => void | Promise<void>;
  /** Every observation, before the view applies it. */
  onObservation?: (o: Observation) => void;
  view?: ClusterView;
  /** The virtual clock to run on (it must stand at the scenario's start): share it with consumers that ask for "now". */
  clock?: VirtualClock;
  /** Public URLs to probe from outside, as `--probe-url` does live. */
  probeUrls?: readonly string[];
  /** Asked after each tick: true ends the replay there (serve's SIGINT/SIGTERM). */
  stop?: () => boolean;
}

export interface ReplayResult {
  view: ClusterView;
  sim: Simulator;
  startMs: number;
  endMs: number;
  observations: number;
  wallMs: number;
}

/** Replays the scenario; the simulator is stopped before this returns. */
export async function replayScenario(scenario: Scenario, o: ReplayOptions = {}): Promise<ReplayResult> {
  const startMs = Date.parse(scenario.start);
  const clock = o.clock ?? new VirtualClock(startMs);
  if (clock.now() !== startMs)
    throw new Error(`the replay clock must start at the scenario's start, ${scenario.start}`);
  const sim = new Simulator({ scenario, clock, tls: false });
  const view = o.view ?? new ClusterView();
  let observations = 0;
  const stopFeed = startReplayFeed(
    sim,
    (obs) => {
      observations++;
      o.onObservation?.(obs);
      view.apply(obs);
    },
    { targets: () => componentTargets(view), probeUrls: o.probeUrls },
  );
  const endMs = startMs + (o.forMs ?? parseDuration(scenario.duration) ?? 0);
  const tickMs = o.tickMs ?? 10_000;
  const wallStart = performance.now();
  let yieldedAt = wallStart;
  try {
    for (let t = startMs; t < endMs && !o.stop?.(); ) {
      t = Math.min(endMs, t + tickMs);
      await clock.runUntil(t);
      await o.onTick?.(view, t);
      // The loop awaits only promises, which never let I/O in: `serve --replay` would answer
      // no HTTP request, /healthz included, until the replay ends. Give the event loop a
      // turn every 50 ms of work; virtual time stands still meanwhile.
      if (performance.now() - yieldedAt > 50) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        yieldedAt = performance.now();
      }
    }
  } finally {
    stopFeed();
    await sim.stop();
  }
  return { view, sim, startMs, endMs, observations, wallMs: performance.now() - wallStart };
}

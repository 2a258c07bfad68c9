/**
 * Healthy background change, so that a detector that fires on any change fails: routine
 * deploys at their cadence (with seeded jitter), an app that crash-loops for its own
 * reasons (a bad config, a panic, out of memory) on some or all of its pods, and machines
 * added and removed as an autoscaler would (removals drain first).
 */
import type { Clock, Timer } from '../../time/clock.ts';
import type { Scenario } from '../scenario/schema.ts';
import { parseDuration, resolveInstant } from '../scenario/time-spec.ts';
import type { NodeOps } from './node-operations.ts';
import type { ScenarioWorld } from './scenario-world.ts';
import type { WorkloadOps } from './workload-ops.ts';

export function startChurn(o: {
  scenario: Scenario;
  clock: Clock;
  world: ScenarioWorld;
  ops: NodeOps;
  workloads: WorkloadOps;
  startMs: number;
  endMs: number;
}): () => void {
  const { scenario: s, clock, world, startMs, endMs } = o;
  const timers: Timer[] = [];
  const at = (ms: number, fn: () => void) => {
    if (ms <= endMs) timers.push(clock.after(Math.max(0, ms - clock.now()), fn));
  };
  const instant = (text: string | undefined, fallback: number) =>
    text === undefined ? fallback : (resolveInstant(text, startMs) ?? fallback);

  for (const d of s.churn.rollingDeploys) {
    const every = parseDuration(d.every) ?? 3_600_000;
    const jitter = parseDuration(d.jitter ?? '') ?? 0;
    const until = instant(d.until, endMs);
    const next = (base: number): void => {
      const when = base + world.random() * jitter;
      if (when > until) return;
      at(when, () => {
        o.workloads.deploy(d.workload);
        next(base + every);
      });
    };
    next(instant(d.from, startMs));
  }

  for (const c of s.churn.crashLoops) {
    const chosen = new Set<string>();
    const failure = {
      exitCode: c.exitCode,
      reason: c.reason,
      log: c.log,
      runsForMs: parseDuration(c.runsFor) ?? 10_000,
    };
    const on = () =>
      world.setOwnFailure(c.workload, c.container, (pod) => {
        if (c.pods === undefined) return failure;
        if (chosen.has(pod)) return failure;
        if (chosen.size >= c.pods) return undefined;
        chosen.add(pod);
        return failure;
      });
    at(instant(c.from, startMs), on);
    if (c.until) at(instant(c.until, endMs), () => world.setOwnFailure(c.workload, c.container, undefined));
  }

  for (const n of s.churn.nodes) {
    at(instant(n.at, startMs), () => {
      if (n.change === 'add') {
        for (let i = 0; i < n.count; i++) world.addNode(n.pool);
        return;
      }
      // Scale-down takes the pool's newest machines, as autoscalers prefer empty-ish nodes:
      // `count` different ones, chosen before any drain ends (a node leaves the pool only then).
      const newest = [...world.pools]
        .filter(([, pool]) => pool === n.pool)
        .map(([name]) => name)
        .slice(-n.count);
      for (const node of newest)
        void (async () => {
          if (n.drain) await o.ops.drain(node);
          world.removeNode(node);
        })();
    });
  }

  return () => {
    for (const t of timers) t.cancel();
  };
}

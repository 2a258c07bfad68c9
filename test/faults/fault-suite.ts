import { monitorEventLoopDelay } from 'node:perf_hooks';
/**
 * The suite each fault test file runs for its share of the faults (two files, so that
 * vitest spreads them over two cores): per fault, ten rounds on a healthy cluster and ten
 * on one with a real incident open, side by side, each against its own `serve`. The
 * faults of a file run concurrently: each has its own clusters, and most of a round is
 * waiting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultKind } from './fault-kinds.ts';
import { type FaultCluster, type FaultRig, startFaultCluster, startFaultRig } from './fault-rig.ts';
import { openRealIncident, runFaultRounds, slowOnly, type Tally, watchCrashes } from './fault-rounds.ts';

export const roundsPerFault = 10;

/**
 * Waits (at most 30 s) until this process answers its timers promptly. serve measures the
 * API's latency from its own event loop, and its slow-API detector remembers a minute of
 * probes: a serve started while this worker or another is still busy loading modules
 * reads that as a slow API server, and the healthy cluster would not start healthy.
 */
async function calm(): Promise<void> {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  const started = performance.now();
  delay.enable();
  try {
    for (;;) {
      delay.reset();
      await new Promise((r) => setTimeout(r, 300));
      if (delay.max < 50e6 || performance.now() - started > 30_000) return;
    }
  } finally {
    delay.disable();
  }
}

export function faultSuite(title: string, kinds: readonly string[]): void {
  describe(title, { concurrent: true }, () => {
    let crashWatch: ReturnType<typeof watchCrashes>;
    const tallies: Tally[] = [];
    const rigs = new Map<string, { healthy: FaultRig; sick: FaultRig }>();
    const clusters: FaultCluster[] = [];
    const started: FaultRig[] = [];
    beforeAll(async () => {
      crashWatch = watchCrashes();
      // Every cluster first, then every serve (fault-rig.ts), one at a time.
      for (const name of kinds)
        for (const side of ['healthy', 'sick']) clusters.push(await startFaultCluster(`${side} ${name}`));
      for (const c of clusters) {
        await calm();
        started.push(await startFaultRig(c));
      }
      kinds.forEach((name, i) => {
        rigs.set(name, { healthy: started[2 * i], sick: started[2 * i + 1] });
      });
    });
    afterAll(async () => {
      // A rig stops its cluster; a cluster whose serve never started is stopped on its own.
      await Promise.all(started.map((r) => r.stop()));
      await Promise.all(clusters.slice(started.length).map((c) => c.cluster.stop()));
      crashWatch.dispose();
      const sum = (f: (t: Tally) => number) => tallies.reduce((n, t) => n + f(t), 0);
      // The figures for issue 22's note, quoted from the test log.
      console.log(
        `fault figures (${title}): ${kinds.length} faults, ${sum((t) => t.rounds)} rounds, ` +
          `${sum((t) => t.blindRounds)} serve rounds under a fault, ${sum((t) => t.crashes)} crashes, ` +
          `${sum((t) => t.faultIncidents)} honest incidents for the faults, ` +
          `${sum((t) => t.unwarranted.length)} unwarranted or duplicated, ` +
          `${sum((t) => t.slowReadings.length)} slow-API readings from the machine's load, ` +
          `${sum((t) => t.clears.length)} premature clears, ` +
          `${sum((t) => t.acknowledged)} writes acknowledged, ${sum((t) => t.lost)} lost`,
      );
    });

    for (const name of kinds) {
      const kind = faultKind(name);
      it(kind.name, async () => {
        const { healthy, sick } = rigs.get(name)!;
        // Nothing is open on the healthy cluster before the faults: every incident after is theirs.
        await healthy.nextRounds(3);
        expect(healthy.runtime.pipeline.tracker.incidents().filter((i) => !slowOnly(i))).toEqual([]);
        const real = await openRealIncident(sick);
        const [h, s] = await Promise.all([
          runFaultRounds({ rig: healthy, kind, rounds: roundsPerFault, crashes: crashWatch.crashes }),
          runFaultRounds({ rig: sick, kind, rounds: roundsPerFault, crashes: crashWatch.crashes, real }),
        ]);
        tallies.push(h, s);
        console.log(`${kind.name}: healthy ${JSON.stringify(h)}; incident open ${JSON.stringify(s)}`);
        for (const t of [h, s]) {
          expect(t.rounds).toBe(roundsPerFault);
          expect(t.crashes).toBe(0);
          expect(t.unwarranted).toEqual([]);
          expect(t.clears).toEqual([]);
          expect(t.acknowledged).toBeGreaterThanOrEqual(roundsPerFault);
          expect(t.lost).toBe(0);
        }
        // The real trouble is one incident, open from before the first fault to after the last.
        expect(sick.runtime.pipeline.tracker.incidents().filter((i) => i.family === 'nodes')).toHaveLength(1);
        expect(sick.runtime.pipeline.tracker.get(real.id)?.status).not.toMatch(/monitoring|resolved/);
      });
    }
  });
}

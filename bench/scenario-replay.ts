/**
 * Scenario replay speed (issue: the DigitalOcean scenario, three days, replays in under
 * 10 s; print the virtual-to-wall ratio for each scenario). Each shipped scenario runs its
 * whole timeline in virtual time through the replay feed into a cluster view, exactly as
 * `kubetriage replay` feeds the pipeline; the figures are wall seconds and virtual seconds
 * per wall second. A second run plays the simulator alone (no consumer), to separate the
 * simulator's own cost from the feed's and the view's.
 */
import { replayScenario } from '../src/cli/scenario-replay.ts';
import { listScenarios, loadScenario } from '../src/sim/scenario/loader.ts';
import type { Scenario } from '../src/sim/scenario/schema.ts';
import { parseDuration } from '../src/sim/scenario/time-spec.ts';
import { Simulator } from '../src/sim/simulator.ts';
import { VirtualClock } from '../src/time/virtual-clock.ts';
import type { Figure } from './figure.ts';

export async function scenarioReplay(o: {
  only?: string;
  report: (f: Figure) => void;
  progress: (m: string) => void;
}): Promise<void> {
  const names = o.only ? [o.only] : (await listScenarios()).map((s) => s.name);
  for (const name of names) {
    const scenario = await loadScenario(name);
    o.progress(`replaying ${name} (${scenario.duration} of virtual time)`);
    const r = await replayScenario(scenario);
    const wallS = r.wallMs / 1000;
    const virtualS = (r.endMs - r.startMs) / 1000;
    o.report({ bench: 'scenario-replay', figure: `${name} wall`, value: wallS, unit: 's' });
    o.report({
      bench: 'scenario-replay',
      figure: `${name} virtual/wall`,
      value: virtualS / wallS,
      unit: 'x',
    });
    o.report({
      bench: 'scenario-replay',
      figure: `${name} observations`,
      value: r.observations,
      unit: 'obs',
    });
    const simS = await simulatorAlone(scenario);
    o.report({ bench: 'scenario-replay', figure: `${name} simulator alone`, value: simS, unit: 's' });
  }
}

/** The simulator's own share: the same timeline with nobody watching, in wall seconds. */
export async function simulatorAlone(scenario: Scenario): Promise<number> {
  const start = Date.parse(scenario.start);
  const clock = new VirtualClock(start);
  const sim = new Simulator({ scenario, clock, tls: false });
  const began = performance.now();
  await clock.runUntil(start + (parseDuration(scenario.duration) ?? 0));
  const s = (performance.now() - began) / 1000;
  await sim.stop();
  return s;
}

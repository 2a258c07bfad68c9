/**
 * The whole pipeline's replay speed (issue: the three-day DigitalOcean replay through the
 * whole pipeline under 10 s, every shipped scenario together under 60 s, on 2 cores). Each
 * scenario runs exactly what `kubetriage replay NAME` runs (simulator, replay feed, view,
 * detectors, patterns, incident tracker and desk, the scenario's actions through the API),
 * one after another on one thread. The figures are wall seconds, virtual seconds per wall
 * second, and the simulator alone (no consumer) to show where the time goes.
 */
import { replayAndScore } from '../src/cli/commands/replay.ts';
import { listScenarios, loadScenario } from '../src/sim/scenario/loader.ts';
import { parseDuration } from '../src/sim/scenario/time-spec.ts';
import type { Figure } from './figure.ts';
import { simulatorAlone } from './scenario-replay.ts';

export async function pipelineReplay(o: {
  only?: string;
  report: (f: Figure) => void;
  progress: (m: string) => void;
}): Promise<void> {
  const names = o.only ? [o.only] : (await listScenarios()).map((s) => s.name);
  const figure = (name: string, value: number, unit: string) =>
    o.report({ bench: 'pipeline-replay', figure: name, value, unit });
  let totalWallS = 0;
  let totalVirtualS = 0;
  let totalSimS = 0;
  for (const name of names) {
    const scenario = await loadScenario(name);
    o.progress(`replaying ${name} through the whole pipeline (${scenario.duration} of virtual time)`);
    const virtualS = (parseDuration(scenario.duration) ?? 0) / 1000;
    const began = performance.now();
    await replayAndScore(name);
    const wallS = (performance.now() - began) / 1000;
    const simS = await simulatorAlone(scenario);
    figure(`${name} wall`, wallS, 's');
    figure(`${name} virtual/wall`, virtualS / wallS, 'x');
    figure(`${name} simulator alone`, simS, 's');
    totalWallS += wallS;
    totalVirtualS += virtualS;
    totalSimS += simS;
  }
  if (names.length > 1) {
    figure('all scenarios wall', totalWallS, 's');
    figure('all scenarios virtual/wall', totalVirtualS / totalWallS, 'x');
    figure('all scenarios simulator alone', totalSimS, 's');
  }
}

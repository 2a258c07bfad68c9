/**
 * A scenario's cluster run in virtual time to a moment of its story, then served over
 * HTTPS for real clients (kubectl, kubetriage as a process) to look at.
 */
import { loadScenario } from '../../src/sim/scenario/loader.ts';
import { Simulator } from '../../src/sim/simulator.ts';
import { VirtualClock } from '../../src/time/virtual-clock.ts';
import { type SimCluster, serveSimCluster } from './sim-cluster.ts';

export async function scenarioAt(name: string, moment: string): Promise<SimCluster> {
  const scenario = await loadScenario(name);
  const clock = new VirtualClock(Date.parse(scenario.start));
  const sim = new Simulator({ scenario, clock });
  await clock.runUntil(Date.parse(moment));
  return serveSimCluster(sim);
}

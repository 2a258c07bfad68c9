/** bad-rollout: fires on a workload failing right after its own rollout; loses to the app failing on its own. */
import type { PatternTable } from '../cases.ts';
import { change, crashLoop, flapping, hour, min, t0 } from '../fixtures.ts';

const checkout = (nodes: string[], exitCodes = ['1']) =>
  crashLoop(
    'shop',
    'checkout',
    nodes,
    { exitCodes, reasonCodes: exitCodes.map((c) => `Error/${c}=1`) },
    { sinceMs: t0 - 10 * min },
  );
const rollout = (sinceMs: number) =>
  change('rollout', { workload: 'shop/Deployment/checkout', namespace: 'shop' }, { sinceMs });

export const badRolloutCases: PatternTable = {
  pattern: 'bad-rollout',
  cases: [
    // 0.6 + 0.1 one way
    {
      name: 'checkout crash-loops with exit 1 five minutes after its rollout',
      signals: [checkout(['n4', 'n5']), rollout(t0 - 15 * min)],
      expect: { fires: true, identified: true },
    },
    {
      name: 'after its rollout, checkout crash-loops with exits 1 and 2',
      signals: [checkout(['n4', 'n5'], ['1', '2']), rollout(t0 - 15 * min)],
      expect: { fires: true, identified: false },
    },
    {
      name: 'the rollout went fine and nothing crashes',
      signals: [rollout(t0 - 15 * min)],
      expect: { quiet: true },
    },
    {
      name: 'a rollout just before, but its new pods fail only on the flapping nodes',
      signals: [flapping('n1'), flapping('n2'), checkout(['n1', 'n2']), rollout(t0 - 15 * min)],
      expect: { quiet: true },
    },
    {
      name: 'checkout crash-loops; its last rollout was two hours before',
      signals: [checkout(['n4', 'n5']), rollout(t0 - 2 * hour)],
      expect: { losesTo: 'app-bug' },
    },
  ],
};

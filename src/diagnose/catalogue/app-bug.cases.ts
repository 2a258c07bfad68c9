/** app-bug: fires on a workload crash-looping for its own reasons; loses to its own rollout. */
import type { PatternTable } from '../cases.ts';
import { change, crashLoop, flapping, min, t0 } from '../fixtures.ts';

const checkout = (nodes: string[], exitCodes = ['1']) =>
  crashLoop(
    'shop',
    'checkout',
    nodes,
    { exitCodes, reasonCodes: exitCodes.map((c) => `Error/${c}=1`) },
    { sinceMs: t0 - 10 * min },
  );

export const appBugCases: PatternTable = {
  pattern: 'app-bug',
  cases: [
    // 0.55 + 0.1 one way + 0.1 no node in trouble
    {
      name: 'checkout crash-loops with exit 1 on healthy nodes',
      signals: [checkout(['n4', 'n5'])],
      expect: { fires: true, identified: true },
    },
    // 0.75 - 0.2: the nodes changed under it, so "on its own" is not shown
    {
      name: 'checkout crash-loops with exit 1 only on the two nodes that took a new kernel an hour before',
      signals: [
        change('node-kernel', { nodes: ['n4', 'n5'], count: 2, clusterNodes: 6 }, { sinceMs: t0 - 70 * min }),
        checkout(['n4', 'n5']),
      ],
      expect: { fires: true, identified: false },
    },
    {
      name: 'checkout crash-loops on healthy nodes, one of which took a new kernel',
      signals: [
        change('node-kernel', { nodes: ['n4'], count: 1, clusterNodes: 6 }, { sinceMs: t0 - 70 * min }),
        checkout(['n4', 'n5']),
      ],
      expect: { fires: true, identified: true },
    },
    {
      name: 'checkout crash-loops with exits 1 and 137 on healthy nodes',
      signals: [checkout(['n4', 'n5'], ['1', '137'])],
      expect: { fires: true, identified: false },
    },
    {
      name: 'checkout crash-loops with exit 1 on a flapping node and on healthy ones',
      signals: [flapping('n1'), checkout(['n1', 'n4', 'n5'])],
      expect: { fires: true, identified: false },
    },
    {
      name: 'its pods fail only on the flapping nodes',
      signals: [flapping('n1'), flapping('n2'), checkout(['n1', 'n2'])],
      expect: { quiet: true },
    },
    {
      name: 'checkout crash-loops five minutes after its own rollout',
      signals: [
        checkout(['n4', 'n5']),
        change(
          'rollout',
          { workload: 'shop/Deployment/checkout', namespace: 'shop' },
          { sinceMs: t0 - 15 * min },
        ),
      ],
      expect: { losesTo: 'bad-rollout' },
    },
  ],
};

/**
 * Autoscaler churn: a scale-down of several nodes removes that many different machines
 * (the pool's newest), each drained first, and the pool ends where it started.
 */
import { describe, expect, it } from 'vitest';
import { minute, quietWorld } from './memory-fixture.ts';

const general = (n: { metadata: { labels?: Record<string, string> } }) =>
  n.metadata.labels?.['eks.amazonaws.com/nodegroup'] === 'general';

describe('autoscaler node churn', () => {
  it('removing three nodes removes three different ones, the newest, after draining them', async () => {
    const w = await quietWorld((input) => {
      input.expected = { category: 'healthy', rootCause: 'nothing breaks' };
      input.churn = {
        nodes: [
          { at: '+2m', change: 'add', pool: 'general', count: 3 },
          { at: '+20m', change: 'remove', pool: 'general', count: 3 },
        ],
      };
    }, []);
    await w.at(15 * minute);
    const grown = w.nodes().filter(general);
    expect(grown).toHaveLength(9);
    const added = grown.map((n) => n.metadata.name).slice(-3);
    await w.at(40 * minute);
    const after = w.nodes().filter(general);
    expect(after).toHaveLength(6);
    expect(after.map((n) => n.metadata.name).filter((n) => added.includes(n))).toEqual([]);
    // Their pods went elsewhere: none is left bound to a machine that is gone.
    expect(w.pods().filter((p) => added.includes(p.spec?.nodeName ?? ''))).toEqual([]);
    await w.sim.stop();
  });
});

import { describe, expect, it } from 'vitest';
import { node } from '../../respond/fixtures.ts';
import { planRestartNodes, restartDefaults } from '../../respond/restart-nodes-plan.ts';
import { renderPlan } from './remediate.ts';

describe('renderPlan', () => {
  it('lines the step table up in columns, whatever the targets’ lengths', () => {
    const plan = planRestartNodes(
      { nodes: [node('n1').build(), node('aks-agentpool-12345678-vmss000001').build()], pods: [], pdbs: [] },
      { ...restartDefaults, selector: 'pool=a' },
    );
    const lines = renderPlan(plan).split('\n');
    const header = lines.findIndex((l) => /^\s+step\s+action\s+target\s+detail$/.test(l));
    expect(header).toBeGreaterThan(0);
    const table = lines.slice(header, header + 1 + plan.steps.length);
    const detailAt = table[0].indexOf('detail');
    for (const [i, s] of plan.steps.entries()) {
      const row = table[i + 1];
      expect(row.indexOf(s.target), row).toBe(table[0].indexOf('target'));
      expect(row.slice(detailAt), row).toBe(s.detail);
    }
  });
});

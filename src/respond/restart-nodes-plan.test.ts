import { describe, expect, it } from 'vitest';
import { parseSelector, selectorMatches } from './facts.ts';
import { node, pdb, pod } from './fixtures.ts';
import { planRestartNodes, type RestartNodesOptions, restartDefaults } from './restart-nodes-plan.ts';

const opts = (o: Partial<RestartNodesOptions> = {}): RestartNodesOptions => ({
  ...restartDefaults,
  selector: 'pool=a',
  ...o,
});

describe('planRestartNodes', () => {
  it('takes NotReady nodes first, one at a time, each cordon → drain → restart → wait → wait pods', () => {
    const p = planRestartNodes(
      {
        nodes: [node('n1').build(), node('n2').notReady().build(), node('x1', { pool: 'b' }).build()],
        pods: [],
        pdbs: [],
      },
      opts(),
    );
    expect(p.targets).toEqual(['n2', 'n1']);
    expect(p.refusal).toBeUndefined();
    expect(p.steps.map((s) => `${s.n} ${s.action} ${s.target}`)).toEqual([
      '1 lock lease/kube-system/kubetriage-restart-nodes',
      '2 check cluster',
      '3 cordon node/n2',
      '4 drain node/n2',
      '5 restart node/n2',
      '6 wait-ready node/n2',
      '7 wait-pods node/n2',
      '8 cordon node/n1',
      '9 drain node/n1',
      '10 restart node/n1',
      '11 wait-ready node/n1',
      '12 wait-pods node/n1',
      '13 unlock lease/kube-system/kubetriage-restart-nodes',
    ]);
    expect(p.command).toBe('kubetriage remediate restart-nodes --selector pool=a --max-unavailable 1');
  });

  it('uncordons after a hook restart (the node keeps its name) and shows the hook per node', () => {
    const p = planRestartNodes(
      { nodes: [node('n1').build()], pods: [], pdbs: [] },
      opts({ mechanism: 'command', restartCommand: 'az vm restart -n {node}' }),
    );
    expect(p.steps.map((s) => s.action)).toContain('uncordon');
    expect(p.steps.find((s) => s.action === 'restart')?.detail).toContain('az vm restart -n n1');
    expect(p.command).toContain("--restart-command 'az vm restart -n {node}'");
  });

  it.each([
    { down: 2, of: 4, force: false, refuses: false },
    { down: 3, of: 4, force: false, refuses: true },
    { down: 3, of: 4, force: true, refuses: false },
  ])('$down of $of NotReady, force $force: refuses $refuses', ({ down, of, force, refuses }) => {
    const nodes = Array.from({ length: of }, (_, i) =>
      (i < down ? node(`n${i}`).notReady() : node(`n${i}`)).build(),
    );
    const p = planRestartNodes({ nodes, pods: [], pdbs: [] }, opts({ force }));
    expect(Boolean(p.refusal)).toBe(refuses);
    if (refuses) expect(p.refusal).toContain('--force');
  });

  it('refuses when nothing matches, naming the selector', () => {
    const p = planRestartNodes(
      { nodes: [node('n1').build()], pods: [], pdbs: [] },
      opts({ selector: 'pool=zzz' }),
    );
    expect(p.refusal).toContain('--selector pool=zzz');
  });

  it('names a budget that allows no disruption of a Ready pod, and a pod nothing recreates', () => {
    const p = planRestartNodes(
      {
        nodes: [node('n1').build()],
        pods: [
          pod('api/a-1', { app: 'a' }).on('n1').build(),
          pod('api/b-1', { app: 'b' }).on('n1').unready().build(),
          pod('api/solo').on('n1').bare().build(),
          pod('kube-system/proxy').on('n1').daemon().build(),
        ],
        pdbs: [
          pdb('api/a', 'a', { healthy: 2, desired: 2, allowed: 0 }),
          pdb('api/b', 'b', { healthy: 0, desired: 2, allowed: 0 }),
        ],
      },
      opts(),
    );
    expect(p.warnings.some((w) => w.startsWith('PodDisruptionBudget api/a allows no disruption'))).toBe(true);
    // An unready pod's broken budget does not block: it is not counted healthy anyway.
    expect(p.warnings.some((w) => w.includes('api/b '))).toBe(false);
    expect(p.warnings.some((w) => w.includes('api/solo') && w.includes('no controller'))).toBe(true);
    expect(p.steps.find((s) => s.action === 'drain')?.detail).toContain('evict 3 pod(s)');
  });

  it('batches by --max-unavailable', () => {
    const nodes = ['n1', 'n2', 'n3'].map((n) => node(n).build());
    const p = planRestartNodes({ nodes, pods: [], pdbs: [] }, opts({ maxUnavailable: 2 }));
    expect(p.steps.filter((s) => s.action === 'cordon').map((s) => s.detail)).toEqual([
      'mark n1 unschedulable (batch 1/2)',
      'mark n2 unschedulable (batch 1/2)',
      'mark n3 unschedulable (batch 2/2)',
    ]);
  });
});

describe('label selectors', () => {
  it.each([
    ['pool=a', { pool: 'a' }, true],
    ['pool=a', { pool: 'b' }, false],
    ['pool!=a', { pool: 'b' }, true],
    ['pool in (a, b),zone', { pool: 'b', zone: 'z1' }, true],
    ['pool notin (a)', {}, true],
    ['!spot', { spot: 'yes' }, false],
  ] as const)('%s on %j → %s', (sel, labels, want) => {
    expect(selectorMatches(parseSelector(sel), labels)).toBe(want);
  });

  it('rejects what it cannot read', () => {
    expect(() => parseSelector('a=(b')).toThrow(/cannot read/);
  });
});

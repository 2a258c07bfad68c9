import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ApiClient } from '../kube/api-client.ts';
import { node } from './fixtures.ts';
import { RestartHookError, restarterFor } from './node-restarters.ts';
import { planRestartNodes, type RestartNodesOptions, restartDefaults } from './restart-nodes-plan.ts';

// Never called: choosing a restarter sends nothing.
const api = new ApiClient(new KubeConfig(), { now: () => 0 });

const options = (o: Partial<RestartNodesOptions>): RestartNodesOptions => ({
  ...restartDefaults,
  nodes: ['n1'],
  ...o,
});

describe('restarterFor', () => {
  it.each([
    ['replace', {}],
    // A hook left in the options does not turn a plan that deletes nodes into one that runs it.
    ['replace', { restartCommand: 'az vm restart -n {node}' }],
    ['command', { mechanism: 'command', restartCommand: 'az vm restart -n {node}' }],
  ] as const)('restarts by %s for %j, as the plan says', (want, o) => {
    const opts = options(o);
    const plan = planRestartNodes({ nodes: [node('n1').build()], pods: [], pdbs: [] }, opts);
    const restartStep = plan.steps.find((s) => s.action === 'restart');
    expect(restartStep?.detail).toMatch(want === 'command' ? /run the restart hook/ : /delete Node n1/);
    expect(restarterFor(opts, api).mechanism).toBe(want);
  });

  it('refuses to restart by command without the hook', () => {
    expect(() => restarterFor(options({ mechanism: 'command' }), api)).toThrow(RestartHookError);
  });
});

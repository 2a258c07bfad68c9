/**
 * CircleCI: kube-proxy's iptables syncs fail on many nodes after a rollback left rules in
 * the newer format. Rebooting the nodes through the provider (a hook; here the simulator's
 * machines) four at a time writes fresh rules: afterwards no node agent reports failing
 * iptables-restore, the budgets hold, and never more than four nodes were out.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeRestarter } from '../../src/respond/node-restarters.ts';
import { applyRestartNodes } from '../../src/respond/restart-nodes-apply.ts';
import { restartDefaults } from '../../src/respond/restart-nodes-plan.ts';
import type { StepEvent } from '../../src/respond/step-events.ts';
import { type RemediationCluster, remediationAt } from './remediation-cluster.ts';

let cluster: RemediationCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

async function failingIptables(c: RemediationCluster): Promise<string[]> {
  const r = await c.kubectl([
    'get',
    'nodes',
    '-l',
    'node-pool in (system,services)',
    '-o',
    'jsonpath={range .items[*]}{.metadata.name} {.status.conditions[?(@.type=="IptablesRestoreFailing")].status}{"\\n"}{end}',
  ]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .filter((l) => l.endsWith(' True'))
    .map((l) => l.split(' ')[0]);
}

describe('restart-nodes on the CircleCI outage', () => {
  it('reboots system and services nodes four at a time and the iptables failures stop', {
    timeout: 600_000,
  }, async () => {
    const c = await remediationAt('circleci-2023', '2023-03-14T21:30:00Z');
    cluster = c;
    expect((await failingIptables(c)).length).toBeGreaterThan(0);
    const runner = c.sim.runner!;
    // The provider's reboot: the machine is down for three minutes, then boots.
    const providerReboot: NodeRestarter = {
      mechanism: 'command',
      restart: async (n) => {
        void runner.ops.reboot(n.name, 3 * 60_000);
      },
    };
    let out = 0;
    let maxOut = 0;
    const events: StepEvent[] = [];
    const outcome = await c.drive(
      applyRestartNodes({
        api: c.api,
        clock: c.applyClock,
        holder: 'test-circleci',
        options: {
          ...restartDefaults,
          selector: 'node-pool in (system,services)',
          maxUnavailable: 4,
          mechanism: 'command',
          restartCommand: 'provider-reboot {node}',
          podsTimeoutMs: 5 * 60_000,
        },
        restarter: providerReboot,
        onStep: (e) => {
          events.push(e);
          if (e.action === 'cordon' && e.status === 'started') out++;
          if (e.action === 'uncordon' && e.status === 'done') out--;
          maxOut = Math.max(maxOut, out);
        },
      }),
    );
    expect(outcome.done).toHaveLength(outcome.plan.targets.length);
    expect(outcome.plan.targets.length).toBeGreaterThanOrEqual(46);
    expect(maxOut).toBeLessThanOrEqual(4);
    expect(maxOut).toBeGreaterThan(1);
    expect(events.some((e) => e.status === 'stopped')).toBe(false);
    await c.clock.runUntil(c.clock.now() + 15 * 60_000);
    expect(await failingIptables(c)).toEqual([]);
    console.log(
      `circleci: ${outcome.done.length} nodes in ${Math.round((c.clock.now() - Date.parse('2023-03-14T21:30:00Z')) / 60_000)} virtual minutes; warnings: ${outcome.warnings.length}`,
    );
    const nodes = await c.kubectl(['get', 'nodes', '--no-headers']);
    expect(nodes.stdout).not.toMatch(/NotReady|SchedulingDisabled/);
  });
});

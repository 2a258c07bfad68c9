/**
 * DigitalOcean: a daily 06:00 upgrade timer breaks nodes three mornings running. The
 * generated DaemonSet, applied after the second morning, disables it on every node; the
 * node agents confirm it; on the third morning no node breaks. The same cluster left
 * alone breaks again, so the test can tell.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { applyNodeFix } from '../../src/respond/node-fix-apply.ts';
import { nodeFixDefaults } from '../../src/respond/node-fix-plan.ts';
import type { StepEvent } from '../../src/respond/step-events.ts';
import { type RemediationCluster, remediationAt } from './remediation-cluster.ts';

const afterSecondMorning = '2023-10-09T12:00:00Z';
const thirdMorning = Date.parse('2023-10-10T08:00:00Z');
const timer = 'apt-daily-upgrade.timer';

let cluster: RemediationCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

async function notReadyNodes(c: RemediationCluster): Promise<string[]> {
  const r = await c.kubectl(['get', 'nodes', '--no-headers']);
  expect(r.code).toBe(0);
  return r.stdout.split('\n').filter((l) => /\bNotReady\b/.test(l));
}

describe('node-fix disable-timer on the DigitalOcean outage', () => {
  it('left alone, the timer breaks nodes again on the third morning', async () => {
    const c = await remediationAt('digitalocean-2023', afterSecondMorning);
    cluster = c;
    expect(await notReadyNodes(c)).toEqual([]);
    await c.clock.runUntil(thirdMorning);
    expect((await notReadyNodes(c)).length).toBeGreaterThan(0);
  });

  it('applied after the second morning, it prevents the third', async () => {
    const c = await remediationAt('digitalocean-2023', afterSecondMorning);
    cluster = c;
    const events: StepEvent[] = [];
    const outcome = await c.drive(
      applyNodeFix({
        api: c.api,
        clock: c.applyClock,
        options: { ...nodeFixDefaults, timer, removeAfter: false },
        onStep: (e) => {
          events.push(e);
        },
      }),
    );
    expect(outcome.plan.targets.length).toBe(7);
    expect(events.map((e) => `${e.n} ${e.action} ${e.status}`)).toContain('3 verify done');
    // Every node agent now says the timer is off, and names it as disabled.
    const conds = await c.kubectl([
      'get',
      'nodes',
      '-o',
      'jsonpath={range .items[*]}{.metadata.name} {.status.conditions[?(@.type=="AutomaticUpgradeScheduled")].status} {.status.conditions[?(@.type=="AutomaticUpgradeScheduled")].message}{"\\n"}{end}',
    ]);
    const lines = conds.stdout.trim().split('\n');
    for (const l of lines) expect(l).toMatch(/ False /);
    expect(lines.filter((l) => l.includes(`disabled=${timer}`))).toHaveLength(7);
    const ds = await c.kubectl([
      '-n',
      'kube-system',
      'get',
      'daemonset',
      'kubetriage-disable-apt-daily-upgrade',
    ]);
    expect(ds.code).toBe(0);

    await c.clock.runUntil(thirdMorning);
    expect(await notReadyNodes(c)).toEqual([]);
  });
});

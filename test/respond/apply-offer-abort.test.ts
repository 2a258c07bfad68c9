/**
 * Cancelling an approved runbook: `applyOffer` hands its signal to each runbook's apply,
 * which stops before its next step with the caller's reason, touching nothing further.
 * One outage per runbook: Runway (the bypass), DigitalOcean (the node fix), AirMap (the
 * staggered restart).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { applyOffer } from '../../src/respond/apply-offer.ts';
import { readBypassFacts } from '../../src/respond/bypass-apply.ts';
import { planBypass } from '../../src/respond/bypass-plan.ts';
import { ClusterReader } from '../../src/respond/cluster-reader.ts';
import { nodeFixDefaults, planNodeFix } from '../../src/respond/node-fix-plan.ts';
import type { RunbookOffer } from '../../src/respond/offer.ts';
import { planRestartNodes, restartDefaults } from '../../src/respond/restart-nodes-plan.ts';
import type { StepEvent } from '../../src/respond/step-events.ts';
import { type RemediationCluster, remediationAt } from './remediation-cluster.ts';

let cluster: RemediationCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

/** Applies the offer, cancelling once `when` sees its event; the run must reject with the reason. Returns its events. */
async function cancelledRun(
  c: RemediationCluster,
  offer: RunbookOffer,
  when: (e: StepEvent) => boolean,
): Promise<StepEvent[]> {
  const controller = new AbortController();
  const events: StepEvent[] = [];
  const run = applyOffer({
    api: c.api,
    clock: c.applyClock,
    offer,
    holder: 'test',
    onStep: (e) => {
      events.push(e);
      if (when(e)) controller.abort(new Error('cancelled from the dashboard'));
    },
    signal: controller.signal,
  });
  await expect(c.drive(run)).rejects.toThrow('cancelled from the dashboard');
  return events;
}

describe('cancelling an approved runbook', () => {
  it('Runway: the bypass stops after the first Deployment, leaving the second unpatched', async () => {
    const c = await remediationAt('runway-2024', '2024-11-22T11:45:00Z');
    cluster = c;
    const deployments = ['ingress-nginx/ingress-nginx-controller', 'cert-manager/cert-manager'];
    const options = { deployments, revert: false };
    const plan = planBypass(await readBypassFacts(c.api, deployments), options);
    const events = await cancelledRun(
      c,
      { runbook: 'bypass-service-host', options, plan },
      (e) => e.action === 'patch' && e.status === 'done',
    );
    expect(events.filter((e) => e.action === 'patch' && e.status === 'done')).toHaveLength(1);
    expect(events.some((e) => e.action === 'verify')).toBe(false);
    const second = await c.kubectl([
      '-n',
      'cert-manager',
      'get',
      'deployment',
      'cert-manager',
      '-o',
      'jsonpath={.metadata.annotations}',
    ]);
    expect(second.stdout).not.toContain('kubetriage.io/bypass-service-host');
  });

  it('DigitalOcean: the node fix stops after creating its DaemonSet, before verifying or removing it', async () => {
    const c = await remediationAt('digitalocean-2023', '2023-10-09T12:00:00Z');
    cluster = c;
    const options = { ...nodeFixDefaults, timer: 'apt-daily-upgrade.timer', removeAfter: true };
    const plan = planNodeFix(await new ClusterReader(c.api).nodes(), options);
    const events = await cancelledRun(
      c,
      { runbook: 'node-fix', options, plan },
      (e) => e.action === 'create' && e.status === 'done',
    );
    expect(events.map((e) => e.action)).not.toContain('verify');
    const ds = await c.kubectl([
      '-n',
      'kube-system',
      'get',
      'daemonset',
      'kubetriage-disable-apt-daily-upgrade',
    ]);
    expect(ds.code, ds.stderr).toBe(0);
  });

  it('AirMap: the restart stops after cordoning its first node', async () => {
    const c = await remediationAt('airmap-2018', '2018-07-19T18:00:00Z');
    cluster = c;
    const options = { ...restartDefaults, selector: 'agentpool=agentpool' };
    const reader = new ClusterReader(c.api);
    const [nodes, pods, pdbs] = await Promise.all([reader.nodes(), reader.pods(), reader.pdbs()]);
    const plan = planRestartNodes({ nodes, pods, pdbs }, options);
    const events = await cancelledRun(
      c,
      { runbook: 'restart-nodes', options, plan },
      (e) => e.action === 'cordon' && e.status === 'done',
    );
    expect(events.filter((e) => e.action === 'cordon' && e.status === 'started')).toHaveLength(1);
    expect(events.map((e) => e.action)).not.toContain('drain');
  });
});

/**
 * Every shipped scenario's cluster, built and left alone, comes up healthy: nodes Ready,
 * every Deployment and DaemonSet fully ready, cluster DNS serving, nothing restarting.
 * Faults come only from the timeline, so a cluster that is unhealthy on its own would
 * make every diagnosis suspect.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../time/manual-clock.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import { listScenarios, loadScenario } from '../scenario/loader.ts';
import { Simulator } from '../simulator.ts';

const nodeType = resourceForKind('Node')!;
const podType = resourceForKind('Pod')!;
const deployType = resourceForKind('Deployment', 'apps')!;
const dsType = resourceForKind('DaemonSet', 'apps')!;

interface Status {
  status?: {
    conditions?: { type: string; status: string }[];
    readyReplicas?: number;
    numberReady?: number;
    desiredNumberScheduled?: number;
    containerStatuses?: { restartCount: number }[];
  };
  spec?: { replicas?: number };
}

const shipped = await listScenarios();

describe('scenario worlds before their timelines', () => {
  it('covers the reference outages, the baselines and the corpus', () => {
    expect(shipped.length).toBeGreaterThanOrEqual(7);
  });

  for (const { name } of shipped) {
    it(`${name}: the cluster comes up healthy on its own`, async () => {
      const scenario = await loadScenario(name);
      const clock = new ManualClock(Date.parse(scenario.start));
      const sim = new Simulator({ scenario, clock, tls: false, timeline: false });
      clock.advance(5 * 60_000);
      const nodes = sim.store.listObjects(nodeType) as (KubeObject & Status)[];
      const pools = scenario.cluster.nodePools.reduce((n, p) => n + p.count, 0);
      expect(nodes).toHaveLength(pools);
      const notReady = nodes.filter(
        (n) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True',
      );
      expect(notReady.map((n) => n.metadata.name)).toEqual([]);
      const short = (sim.store.listObjects(deployType) as (KubeObject & Status)[]).filter(
        (d) => (d.status?.readyReplicas ?? 0) !== (d.spec?.replicas ?? 1),
      );
      expect(short.map((d) => `${d.metadata.namespace}/${d.metadata.name}`)).toEqual([]);
      const daemons = sim.store.listObjects(dsType) as (KubeObject & Status)[];
      expect(
        daemons
          .filter((d) => d.status?.numberReady !== d.status?.desiredNumberScheduled || !d.status?.numberReady)
          .map((d) => d.metadata.name),
      ).toEqual([]);
      const restarts = (sim.store.listObjects(podType) as (KubeObject & Status)[]).filter((p) =>
        p.status?.containerStatuses?.some((c) => c.restartCount > 0),
      );
      expect(restarts.map((p) => p.metadata.name)).toEqual([]);
      expect(sim.world?.deps.cluster.dnsServing()).toBe(true);
      await sim.stop();
    });
  }
});

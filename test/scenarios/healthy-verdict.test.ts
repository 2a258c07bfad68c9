/**
 * Issue 23 item 6: a dashboard that is not red on a healthy cluster. The healthy baselines
 * are replayed through the feed a live run uses and the status report the dashboard shows
 * (`/api/view`) is read every round: the cluster must read healthy on every one, with
 * every source fresh or, where the cluster has nothing to serve it, named not applicable
 * with the reason. An app that crash-loops for its own reasons is listed, not held against
 * the cluster.
 */
import { describe, expect, it } from 'vitest';
import { replayScenario } from '../../src/cli/scenario-replay.ts';
import { buildStatusReport } from '../../src/observe/status-report.ts';
import { loadScenario } from '../../src/sim/scenario/loader.ts';

interface Verdicts {
  rounds: number;
  /** The rounds that did not read healthy, with why. */
  unhealthy: string[];
  /** Rounds on which a workload was short of replicas (the app that fails on its own). */
  workloadsShort: number;
  sources: Set<string>;
  notApplicable: Map<string, string>;
}

async function verdicts(name: string, forMs?: number): Promise<Verdicts> {
  const v: Verdicts = {
    rounds: 0,
    unhealthy: [],
    workloadsShort: 0,
    sources: new Set(),
    notApplicable: new Map(),
  };
  await replayScenario(await loadScenario(name), {
    forMs,
    onTick: (view, nowMs) => {
      const r = buildStatusReport(view, nowMs);
      v.rounds++;
      if (r.workloads.problems.length) v.workloadsShort++;
      for (const s of view.freshness(nowMs, 120_000)) v.sources.add(s.source);
      for (const s of r.sources.notApplicable) v.notApplicable.set(s.source, s.reason);
      if (r.clusterHealthy) return;
      const why = [
        ...r.controlPlane.checks.filter((c) => !c.ok).map((c) => `probe ${c.check}`),
        ...r.nodes.problems.filter((n) => n.ready !== 'True').map((n) => `node ${n.name} ${n.ready}`),
        ...r.kubeSystem.problems.filter((p) => !p.starting).map((p) => `${p.key} ${p.reason}`),
        ...r.sources.stale.map((s) => `${s.source} ${s.state}`),
      ];
      v.unhealthy.push(`${new Date(nowMs).toISOString()} ${why.join('; ')}`);
    },
  });
  return v;
}

describe('the dashboard verdict on healthy clusters', () => {
  it('healthy-day: healthy on every round of the day, every source fresh, the crash-looping app listed', async () => {
    const v = await verdicts('healthy-day');
    expect(v.rounds).toBe(8_640);
    expect(v.unhealthy).toEqual([]);
    // shop/recommendations crash-loops all day; it is shown, without turning the cluster red.
    expect(v.workloadsShort).toBeGreaterThan(v.rounds / 2);
    // kube-proxy runs here: its metrics are read, not waved away.
    expect([...v.sources].some((s) => s.startsWith('metrics/kube-proxy/'))).toBe(true);
    expect([...v.notApplicable.keys()]).not.toContain('metrics/kube-proxy');
  });

  it('a Cilium cluster without kube-proxy, before its fault: kube-proxy metrics never expected, named not applicable', async () => {
    // hcloud-cilium-wireguard-mtu-2026: Cilium replaces kube-proxy; the fault starts at 09:35.
    const v = await verdicts('hcloud-cilium-wireguard-mtu-2026', 90 * 60_000);
    expect(v.unhealthy).toEqual([]);
    expect([...v.sources].filter((s) => s.startsWith('metrics/kube-proxy'))).toEqual([]);
    expect(v.notApplicable.get('metrics/kube-proxy')).toMatch(
      /no kube-proxy pod .*Cilium's kube-proxy replacement/,
    );
  });
});

/**
 * Emergence for disk and PIDs: a `disk-fill` or `pid-leak` fault on one workload of the quiet
 * healthy baseline, and nothing else. The node's image GC fails to free enough, the kubelet
 * reports DiskPressure (or PIDPressure when a pid.available threshold is set), the node is
 * tainted and the writer is evicted with the eviction manager's own message; without a
 * pid.available threshold the node runs out of PIDs and goes NotReady on PLEG. Nothing here
 * scripts a symptom.
 */
import { describe, expect, it } from 'vitest';
import { type EventView, minute, quietWorld, shop } from './memory-fixture.ts';

type Pool = Record<string, unknown>;
const pools = (input: Record<string, unknown>) => (input.cluster as { nodePools: Pool[] }).nodePools;

/** One replica of shop/writer (no ephemeral-storage request) on 20Gi disks, 14Gi of them used. */
function writer(extra: (p: Pool) => void = () => {}) {
  return (input: Record<string, unknown>) => {
    for (const p of pools(input)) {
      p.capacity = { cpu: 2, memory: '8Gi', pods: 110, ephemeralStorage: '20Gi' };
      extra(p);
    }
    shop(input).deployments.push({
      name: 'writer',
      replicas: 1,
      containers: [{ name: 'writer', image: 'shop/writer:1.0' }],
    });
  };
}

describe('disk-fill and pid-leak, on a quiet baseline', () => {
  it('disk-fill: image GC fails, DiskPressure and its taint, the writer evicted for ephemeral-storage, then relief', async () => {
    const w = await quietWorld(writer(), [
      {
        at: '+10m',
        fault: { id: 'fill', type: 'disk-fill', workload: 'shop/writer', into: 'rootfs', rate: '200Mi/min' },
      },
    ]);
    try {
      await w.at(10 * minute);
      const first = w.pods().find((p) => p.metadata.labels?.app === 'writer')!;
      const victimNode = first.spec?.nodeName ?? '';
      const onVictim = (e: EventView) => e.involvedObject.name === victimNode;
      const node = () => w.nodes().find((n) => n.metadata.name === victimNode)!;
      expect(node().status?.capacity?.['ephemeral-storage']).toBe('20Gi');

      // 14Gi used of 20Gi: image GC's 85 % after ~15 min of writing, 15 % free ~8 min later.
      await w.at(38 * minute);
      const gc = w.events().find((e) => onVictim(e) && e.reason === 'FreeDiskSpaceFailed');
      expect(gc?.type).toBe('Warning');
      expect(gc?.message).toMatch(
        /^Failed to garbage collect required amount of images\. Attempted to free \d+ bytes, but only found \d+ bytes eligible to free\.$/,
      );
      expect(w.events().find((e) => onVictim(e) && e.reason === 'EvictionThresholdMet')?.message).toBe(
        'Attempting to reclaim ephemeral-storage',
      );
      expect(w.condition(node(), 'DiskPressure')).toMatchObject({
        status: 'True',
        reason: 'KubeletHasDiskPressure',
        message: 'kubelet has disk pressure',
      });
      expect(node().spec?.taints).toContainEqual(
        expect.objectContaining({ key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' }),
      );
      expect(w.events().some((e) => onVictim(e) && e.reason === 'NodeHasDiskPressure')).toBe(true);
      const evicted = w.pods().find((p) => p.metadata.name === first.metadata.name)!;
      expect(evicted.status).toMatchObject({ phase: 'Failed', reason: 'Evicted' });
      expect(evicted.status?.message).toMatch(
        /^The node was low on resource: ephemeral-storage\. Threshold quantity: \d+, available: \d+Ki\. Container writer was using \d+Ki, request is 0, has larger consumption of ephemeral-storage\. $/,
      );
      // Only the writer was evicted; no other node was short.
      expect(w.pods().filter((p) => p.status?.phase === 'Failed')).toHaveLength(1);
      for (const n of w.nodes().filter((x) => x.metadata.name !== victimNode))
        expect(w.condition(n, 'DiskPressure')?.status, n.metadata.name).toBe('False');
      for (const n of w.nodes()) expect(w.condition(n, 'PIDPressure')?.status).toBe('False');

      // Reclaimed: 5 min after the threshold was last met the condition and the taint clear.
      await w.at(45 * minute);
      expect(w.condition(node(), 'DiskPressure')).toMatchObject({
        status: 'False',
        reason: 'KubeletHasNoDiskPressure',
      });
      expect(node().spec?.taints ?? []).not.toContainEqual(
        expect.objectContaining({ key: 'node.kubernetes.io/disk-pressure' }),
      );
      expect(w.events().find((e) => onVictim(e) && e.reason === 'NodeHasNoDiskPressure')?.type).toBe(
        'Normal',
      );
    } finally {
      w.sim.stop();
    }
  });

  it('node-disk-fill: a writer outside pods fills one node; image GC fails, DiskPressure stays and pod after pod is evicted, until healed', async () => {
    const target = 'ip-10-0-1-3';
    const w = await quietWorld(writer(), [
      {
        at: '+10m',
        fault: {
          id: 'syslog',
          type: 'node-disk-fill',
          nodes: { names: [target] },
          rate: '100Mi/min',
          written: '2Gi',
        },
      },
      { at: '+70m', heal: { fault: 'syslog' } },
    ]);
    try {
      const onTarget = (e: EventView) => e.involvedObject.name === target;
      const node = () => w.nodes().find((n) => n.metadata.name === target)!;
      // 14Gi used of 20Gi, 2Gi already in the writer's files: image GC frees the 2Gi of unused
      // images at 84 %, 15 % free after ~30 min of writing (without what was already written, 60);
      // evicting pods frees next to nothing.
      await w.at(55 * minute);
      expect(w.events().some((e) => onTarget(e) && e.reason === 'FreeDiskSpaceFailed')).toBe(true);
      expect(w.events().some((e) => onTarget(e) && e.reason === 'ImageGCFailed')).toBe(true);
      expect(w.condition(node(), 'DiskPressure')?.status).toBe('True');
      expect(node().spec?.taints).toContainEqual(
        expect.objectContaining({ key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' }),
      );
      const evicted = w.pods().filter((p) => p.status?.reason === 'Evicted');
      expect(evicted.length).toBeGreaterThan(1);
      for (const p of evicted) {
        expect(p.spec?.nodeName).toBe(target);
        expect(p.status?.message).toMatch(/^The node was low on resource: ephemeral-storage\. /);
      }
      for (const n of w.nodes().filter((x) => x.metadata.name !== target))
        expect(w.condition(n, 'DiskPressure')?.status, n.metadata.name).toBe('False');

      // The files removed: 5 min after the threshold was last met the condition clears.
      await w.at(80 * minute);
      expect(w.condition(node(), 'DiskPressure')?.status).toBe('False');
    } finally {
      w.sim.stop();
    }
  });

  it('pid-leak with pid.available<10%: PIDPressure, its taint, the leaker evicted for pids', async () => {
    const w = await quietWorld(
      writer((p) => {
        p.pidMax = 32768;
        p.evictionHard = { 'pid.available': '10%' };
      }),
      [{ at: '+10m', fault: { id: 'fork', type: 'pid-leak', workload: 'shop/writer', rate: '1000/min' } }],
    );
    try {
      await w.at(10 * minute);
      const first = w.pods().find((p) => p.metadata.labels?.app === 'writer')!;
      const victimNode = first.spec?.nodeName ?? '';
      const onVictim = (e: EventView) => e.involvedObject.name === victimNode;
      // 32768 - 400 system - containers; 3276 left after ~29 min of leaking.
      await w.at(39 * minute + 30_000);
      const node = w.nodes().find((n) => n.metadata.name === victimNode)!;
      expect(w.condition(node, 'PIDPressure')).toMatchObject({
        status: 'True',
        reason: 'KubeletHasInsufficientPID',
        message: 'kubelet has insufficient PID available',
      });
      expect(node.spec?.taints).toContainEqual(
        expect.objectContaining({ key: 'node.kubernetes.io/pid-pressure', effect: 'NoSchedule' }),
      );
      expect(w.events().find((e) => onVictim(e) && e.reason === 'EvictionThresholdMet')?.message).toBe(
        'Attempting to reclaim pids',
      );
      expect(w.events().some((e) => onVictim(e) && e.reason === 'NodeHasInsufficientPID')).toBe(true);
      const evicted = w.pods().find((p) => p.metadata.name === first.metadata.name)!;
      expect(evicted.status).toMatchObject({ phase: 'Failed', reason: 'Evicted' });
      expect(evicted.status?.message).toMatch(
        /^The node was low on resource: pids\. Threshold quantity: 3276, available: \d+k?\. $/,
      );
      expect(w.condition(node, 'DiskPressure')?.status).toBe('False');
    } finally {
      w.sim.stop();
    }
  });

  it('pid-leak without a pid.available threshold: no PIDPressure; out of PIDs, the node goes NotReady on PLEG', async () => {
    const w = await quietWorld(
      writer((p) => {
        p.pidMax = 8192;
      }),
      [{ at: '+10m', fault: { id: 'fork', type: 'pid-leak', workload: 'shop/writer', rate: '1000/min' } }],
    );
    try {
      await w.at(10 * minute);
      const first = w.pods().find((p) => p.metadata.labels?.app === 'writer')!;
      const victimNode = first.spec?.nodeName ?? '';
      const agentPids = () =>
        w.condition(w.nodes().find((n) => n.metadata.name === victimNode)!, 'NodePIDsExhausted');
      expect(agentPids()).toMatchObject({ status: 'False', reason: 'PIDsAvailable' });
      // The node agent reads the tasks in use against pid_max (src/agent/checks/pids.ts): 90 %
      // of 8192 after ~7 min of leaking, well before the kernel refuses forks.
      await w.at(18 * minute);
      expect(agentPids()).toMatchObject({ status: 'True', reason: 'PIDsNearlyExhausted' });
      expect(agentPids()?.message).toMatch(
        /^the node is close to running out of process IDs; inUse=\d+ pidMax=8192 threadsMax=65536 percent=(9\d|100) since=\S+$/,
      );
      // ~7.7k to take at 1000/min: exhausted ~18 min, PLEG unhealthy 3 min later.
      await w.at(23 * minute);
      const node = w.nodes().find((n) => n.metadata.name === victimNode)!;
      expect(w.condition(node, 'Ready')).toMatchObject({ status: 'False', reason: 'KubeletNotReady' });
      expect(w.condition(node, 'Ready')?.message).toMatch(
        /^PLEG is not healthy: pleg was last seen active 3m[\d.]+s ago; threshold is 3m0s$/,
      );
      expect(w.condition(node, 'PIDPressure')?.status).toBe('False');
      expect(w.events().some((e) => e.reason === 'Evicted' || e.reason === 'EvictionThresholdMet')).toBe(
        false,
      );
      expect(agentPids()).toMatchObject({ status: 'True', reason: 'PIDsNearlyExhausted' });
      expect(agentPids()?.message).toContain('inUse=8192 pidMax=8192');
      for (const n of w.nodes().filter((x) => x.metadata.name !== victimNode)) {
        expect(w.condition(n, 'Ready')?.status, n.metadata.name).toBe('True');
        expect(w.condition(n, 'NodePIDsExhausted')?.status, n.metadata.name).toBe('False');
      }
    } finally {
      w.sim.stop();
    }
  });

  it('pid-leak under the default pid_max: threads-max (sized from memory) is the limit the node runs into', async () => {
    const w = await quietWorld(writer(), [
      { at: '+10m', fault: { id: 'fork', type: 'pid-leak', workload: 'shop/writer', rate: '10000/min' } },
    ]);
    try {
      await w.at(10 * minute);
      const victimNode = w.pods().find((p) => p.metadata.labels?.app === 'writer')!.spec?.nodeName ?? '';
      const node = () => w.nodes().find((n) => n.metadata.name === victimNode)!;
      // 8Gi: threads-max 65536, far below pid_max 4194304; ~6.5 min of leaking, PLEG 3 min later.
      await w.at(21 * minute);
      expect(w.condition(node(), 'Ready')?.message).toMatch(/^PLEG is not healthy: /);
      expect(w.condition(node(), 'NodePIDsExhausted')?.message).toContain(
        'inUse=65536 pidMax=4194304 threadsMax=65536 percent=100',
      );
    } finally {
      w.sim.stop();
    }
  });
});

/**
 * Emergence for memory: a `memory-leak` fault on one workload of the quiet healthy
 * baseline, and nothing else. Under a memory limit its containers are OOMKilled (exit 137)
 * and restarted with back-off; without one its node runs short, reports MemoryPressure,
 * is tainted, and its kubelet evicts the leaker with the eviction manager's own message.
 * Everything else stays as it was. Nothing here scripts a symptom.
 */
import { describe, expect, it } from 'vitest';
import { type EventView, limitedLeak, minute, quietWorld, unlimitedLeak } from './memory-fixture.ts';

describe('memory-leak, on a quiet baseline', () => {
  it('under a memory limit: the workload is OOMKilled (137) and crash-loops; nothing else restarts, no node is short', async () => {
    const w = await quietWorld(limitedLeak.edit, limitedLeak.timeline);
    try {
      await w.at(30 * minute);
      const cart = w.pods().filter((p) => p.metadata.labels?.app === 'cart');
      expect(cart.length).toBe(3);
      for (const p of cart) {
        // The limit reached ~3 min into the leak, then again after each restart.
        const s = p.status?.containerStatuses?.[0];
        expect(s?.lastState?.terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
        expect(s?.restartCount).toBeGreaterThanOrEqual(3);
        expect(p.status?.phase).toBe('Running');
        expect(p.spec?.containers?.[0].resources).toEqual({
          limits: { memory: '256Mi' },
          requests: { memory: '128Mi' },
        });
      }
      const backOff = w.events().filter((e) => e.reason === 'BackOff');
      expect(new Set(backOff.map((e) => e.involvedObject.name))).toEqual(
        new Set(cart.map((p) => p.metadata.name)),
      );
      // Nobody else restarted, and no node ran short.
      const others = w.pods().filter((p) => p.metadata.labels?.app !== 'cart');
      for (const p of others)
        for (const s of p.status?.containerStatuses ?? []) expect(s.restartCount, p.metadata.name).toBe(0);
      for (const n of w.nodes()) expect(w.condition(n, 'MemoryPressure')?.status).toBe('False');
      expect(w.events().some((e) => e.reason === 'Evicted' || e.reason === 'EvictionThresholdMet')).toBe(
        false,
      );
    } finally {
      w.sim.stop();
    }
  });

  it('without a limit: its node reports MemoryPressure, is tainted and evicts the leaker; the pressure clears after 5 min', async () => {
    const w = await quietWorld(unlimitedLeak.edit, unlimitedLeak.timeline);
    try {
      await w.at(10 * minute);
      const first = w.pods().find((p) => p.metadata.labels?.app === 'leaky')!;
      const victimNode = first.spec?.nodeName ?? '';
      const node = w.nodes().find((n) => n.metadata.name === victimNode)!;
      expect(node.status?.capacity?.memory).toBe('4Gi');
      expect(node.status?.allocatable?.memory).toBe('3996Mi');

      // ~3.3 GiB to fill at 200Mi/min: the threshold is met some 17 minutes in.
      await w.at(30 * minute);
      const evicted = w.pods().find((p) => p.metadata.name === first.metadata.name)!;
      expect(evicted.status?.phase).toBe('Failed');
      expect(evicted.status?.reason).toBe('Evicted');
      expect(evicted.status?.message).toMatch(
        /^The node was low on resource: memory\. Threshold quantity: 100Mi, available: -?\d+Ki\. Container leaky was using \d+Ki, request is 64Mi, has larger consumption of memory\. $/,
      );
      const onVictim = (e: EventView) => e.involvedObject.name === victimNode;
      expect(w.events().some((e) => onVictim(e) && e.reason === 'EvictionThresholdMet')).toBe(true);
      expect(w.events().find((e) => e.reason === 'EvictionThresholdMet' && onVictim(e))?.message).toBe(
        'Attempting to reclaim memory',
      );
      const evictedEvent = w.events().find((e) => e.reason === 'Evicted');
      expect(evictedEvent).toMatchObject({
        type: 'Warning',
        message: evicted.status?.message,
        involvedObject: { name: first.metadata.name },
      });
      expect(w.events().some((e) => onVictim(e) && e.reason === 'NodeHasInsufficientMemory')).toBe(true);
      const pressured = w.nodes().find((n) => n.metadata.name === victimNode)!;
      expect(w.condition(pressured, 'MemoryPressure')).toMatchObject({
        status: 'True',
        reason: 'KubeletHasInsufficientMemory',
        message: 'kubelet has insufficient memory available',
      });
      expect(pressured.spec?.taints).toContainEqual(
        expect.objectContaining({ key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' }),
      );
      // Only the leaker was evicted, and its ReplicaSet made a new one, which starts small.
      // (It may land on the same node: the taint follows the status the kubelet posts.)
      expect(w.pods().filter((p) => p.status?.phase === 'Failed')).toHaveLength(1);
      const replacement = w
        .pods()
        .find((p) => p.metadata.labels?.app === 'leaky' && p.status?.phase === 'Running');
      expect(replacement).toBeDefined();
      for (const n of w.nodes().filter((x) => x.metadata.name !== victimNode))
        expect(w.condition(n, 'MemoryPressure')?.status, n.metadata.name).toBe('False');

      // Reclaimed: the condition returns to False once the 5-min transition period is over.
      await w.at(40 * minute);
      const relieved = w.nodes().find((n) => n.metadata.name === victimNode)!;
      expect(w.condition(relieved, 'MemoryPressure')).toMatchObject({
        status: 'False',
        reason: 'KubeletHasSufficientMemory',
      });
      expect(relieved.spec?.taints ?? []).not.toContainEqual(
        expect.objectContaining({ key: 'node.kubernetes.io/memory-pressure' }),
      );
      expect(w.events().some((e) => onVictim(e) && e.reason === 'NodeHasSufficientMemory')).toBe(true);
    } finally {
      w.sim.stop();
    }
  });
});

/**
 * Emergence for memory: a `memory-leak` fault on one workload of the quiet healthy
 * baseline, and nothing else. Under a memory limit its containers are OOMKilled (exit 137)
 * and restarted with back-off; without one its node runs short, reports MemoryPressure,
 * is tainted, and its kubelet evicts the leaker with the eviction manager's own message.
 * Everything else stays as it was. Nothing here scripts a symptom.
 */
import { describe, expect, it } from 'vitest';
import { limitedLeak, minute, quietWorld } from './memory-fixture.ts';

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
});

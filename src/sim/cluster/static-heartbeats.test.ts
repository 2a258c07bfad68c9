import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../time/manual-clock.ts';
import { resourceForKind } from '../api/resources.ts';
import { Simulator } from '../simulator.ts';

const leaseType = resourceForKind('Lease', 'coordination.k8s.io')!;
const nodeType = resourceForKind('Node')!;

/** The newest lease renewal and node heartbeat, as seconds behind the clock. */
function staleness(sim: Simulator, clock: ManualClock): { lease: number; heartbeat: number } {
  const leases = sim.store.listObjects(leaseType, 'kube-node-lease') as unknown as {
    spec: { renewTime: string };
  }[];
  const nodes = sim.store.listObjects(nodeType) as unknown as {
    status: { conditions: { type: string; lastHeartbeatTime: string }[] };
  }[];
  const age = (t: string) => (clock.now() - Date.parse(t)) / 1000;
  return {
    lease: Math.max(...leases.map((l) => age(l.spec.renewTime))),
    heartbeat: Math.max(
      ...nodes.map((n) => age(n.status.conditions.find((c) => c.type === 'Ready')!.lastHeartbeatTime)),
    ),
  };
}

describe('the static cluster with heartbeats (kubetriage sim)', () => {
  it.each([
    [true, { lease: 11, heartbeat: 301 }],
    [false, { lease: 600, heartbeat: 600 }],
  ])(
    'heartbeats %s: after ten minutes the stalest lease and node heartbeat are under %j seconds old',
    (on, bound) => {
      const clock = new ManualClock(Date.UTC(2026, 0, 1));
      const sim = new Simulator({ clock, tls: false, heartbeats: on, workers: 3 });
      for (let s = 0; s < 600; s++) clock.advance(1000);
      const s = staleness(sim, clock);
      if (on) {
        expect(s.lease).toBeLessThan(bound.lease);
        expect(s.heartbeat).toBeLessThan(bound.heartbeat);
      } else {
        expect(s.lease).toBeGreaterThanOrEqual(bound.lease);
        expect(s.heartbeat).toBeGreaterThanOrEqual(bound.heartbeat);
      }
      void sim.stop();
    },
  );
});

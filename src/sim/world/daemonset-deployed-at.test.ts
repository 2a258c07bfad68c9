import { describe, expect, it } from 'vitest';
import { resourceForKind } from '../api/resources.ts';
import { loadScenario } from '../scenario/loader.ts';
import { minute, quietWorld, shop } from './memory-fixture.ts';

const dsType = resourceForKind('DaemonSet', 'apps')!;

describe('a DaemonSet deployed during the story', () => {
  it('is absent before its time, then created and run on every node', async () => {
    const w = await quietWorld(
      (input) => {
        (shop(input) as unknown as { daemonsets: unknown[] }).daemonsets = [
          {
            name: 'node-telemetry',
            deployedAt: '+10m',
            containers: [{ name: 'agent', image: 'example/node-telemetry:1.0' }],
          },
        ];
      },
      [{ at: '+30m', action: { type: 'set-env', workload: 'shop/cart', env: { A: '1' } } }],
    );
    await w.at(9 * minute);
    expect(w.sim.store.find(dsType, 'shop', 'node-telemetry')).toBeUndefined();
    await w.at(13 * minute);
    const ds = w.sim.store.find(dsType, 'shop', 'node-telemetry') as
      | { metadata: { creationTimestamp?: string }; status?: { numberReady?: number } }
      | undefined;
    const start = Date.parse((await loadScenario('healthy-day')).start);
    expect(Date.parse(ds?.metadata.creationTimestamp ?? '') - start).toBe(10 * minute);
    const agents = w.pods().filter((p) => p.metadata.name?.startsWith('node-telemetry-'));
    // Every node it tolerates: the workers, not the tainted control plane.
    expect(agents).toHaveLength(w.nodes().filter((n) => !n.spec?.taints?.length).length);
  });

  it('an API client running as its pods sends nothing before it exists, then one flow per ready pod', async () => {
    const w = await quietWorld(
      (input) => {
        (shop(input) as unknown as { daemonsets: unknown[] }).daemonsets = [
          {
            name: 'node-telemetry',
            deployedAt: '+10m',
            containers: [{ name: 'agent', image: 'example/node-telemetry:1.0' }],
          },
        ];
        (input.cluster as { apiClients: unknown[] }).apiClients = [
          {
            name: 'node-telemetry',
            serviceAccount: 'shop/node-telemetry',
            verb: 'list',
            resource: 'pods',
            every: '1s',
            daemonSet: 'shop/node-telemetry',
          },
        ];
      },
      [{ at: '+30m', action: { type: 'set-env', workload: 'shop/cart', env: { A: '1' } } }],
    );
    const demand = () => w.sim.load.levels().get('workload-low')?.demand ?? 0;
    await w.at(9 * minute);
    expect(demand()).toBe(0);
    await w.at(13 * minute);
    const agents = w.pods().filter((p) => p.metadata.name?.startsWith('node-telemetry-')).length;
    const pods = w.pods().length;
    // Each agent lists every pod once a second: ceil(pods / 100) seats for 3 ms + pods / 50000 s.
    expect(demand()).toBeCloseTo(agents * Math.ceil(pods / 100) * (0.003 + pods / 50_000), 3);
  });
});

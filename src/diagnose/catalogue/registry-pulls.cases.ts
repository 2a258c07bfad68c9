/** image-pull-failure: fires when a registry refuses or cannot serve pulls across nodes; loses to full disks. */
import type { PatternTable } from '../cases.ts';
import { crashLoop, pressure, registryPulls } from '../fixtures.ts';

const registry = 'registry.example.com';
const full = (node: string) =>
  pressure(node, {
    conditions: ['DiskPressure'],
    imagePullNoSpace: 3,
    imageGcFailures: 2,
    evictions: 2,
    evictedResources: ['ephemeral-storage'],
  });

export const registryPullsCases: PatternTable = {
  pattern: 'image-pull-failure',
  cases: [
    // 0.5 + 0.15 the registry says why + 0.1 across the fleet
    {
      name: 'after a pull secret rotation the registry answers 401 for every image on four nodes',
      signals: [
        registryPulls(registry, {
          causes: ['unauthorized=14'],
          nodes: ['n1', 'n2', 'n3', 'n4'],
          nodeCount: 4,
        }),
      ],
      expect: { fires: true, identified: true },
    },
    // 0.5 + 0.15
    {
      name: 'the registry rate-limits pulls (429) on two nodes during a rollout',
      signals: [registryPulls(registry, { causes: ['rate-limited=6'] })],
      expect: { fires: true, identified: false },
    },
    // 0.5 + 0.15 the registry answers 5xx + 0.1 on three nodes
    {
      name: 'the registry answers 500 to the CNI agent image on the three nodes that joined',
      signals: [
        registryPulls('quay.io', {
          causes: ['unavailable=3'],
          images: ['quay.io/coreos/flannel:v0.11.0-amd64'],
          imageCount: 1,
          nodes: ['n4', 'n5', 'n6'],
          nodeCount: 3,
          namespaces: ['kube-system'],
        }),
      ],
      expect: { fires: true, identified: true },
    },
    // 0.5: timeouts on two nodes may be the way to the registry, not the registry
    {
      name: 'pulls from the registry time out on two nodes',
      signals: [registryPulls(registry)],
      expect: { fires: true, identified: false },
    },
    {
      name: 'an app crash-loops; its image pulled fine',
      signals: [crashLoop('shop', 'cart', ['n4', 'n5'])],
      expect: { quiet: true },
    },
    // 0.5 - 0.3 against node disk at 0.4 + 0.15 + 0.1 + 0.1 - 0.2: the pulls fail for want of space, not the registry
    {
      name: 'pulls fail on two full nodes: no space left on device, image GC failing, pods evicted for storage',
      signals: [registryPulls(registry), full('n4'), full('n5')],
      expect: { losesTo: 'node-disk-exhaustion' },
    },
  ],
};

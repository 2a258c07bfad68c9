/**
 * Large clusters for benchmarks: N nodes and M pods shaped like the real thing (full
 * status, labels, owner references), loaded straight into a store.
 */
import { admitCreate, ClusterIpAllocator } from '../src/sim/api/admission.ts';
import { resourceForKind } from '../src/sim/api/resources.ts';
import { nameSuffix, nodeLease, nodeObject, runningPod } from '../src/sim/cluster/objects.ts';
import type { ObjectStore } from '../src/sim/store/object-store.ts';

export function loadLargeCluster(
  store: ObjectStore,
  opts: { nodes: number; pods: number; namespaces: number; nowMs: number },
): void {
  const ips = new ClusterIpAllocator();
  const put = (kind: string, obj: Parameters<ObjectStore['create']>[1], group = '') => {
    const r = resourceForKind(kind, group)!;
    admitCreate(r, obj, ips);
    store.create(r, obj);
  };
  for (let n = 0; n < opts.namespaces; n++) put('Namespace', { metadata: { name: `team-${n}` } });
  put('Namespace', { metadata: { name: 'kube-node-lease' } });
  const nodeName = (i: number) => `node-${String(i).padStart(5, '0')}`;
  const nodeIp = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  for (let i = 0; i < opts.nodes; i++) {
    put('Node', nodeObject({ name: nodeName(i), ip: nodeIp(i), nowMs: opts.nowMs, pool: `pool-${i % 8}` }));
    put('Lease', nodeLease(nodeName(i), opts.nowMs), 'coordination.k8s.io');
  }
  for (let p = 0; p < opts.pods; p++) {
    const node = p % opts.nodes;
    const app = `app-${p % 500}`;
    const ns = `team-${p % opts.namespaces}`;
    put(
      'Pod',
      runningPod({
        name: `${app}-${nameSuffix(app, 10)}-${nameSuffix(String(p), 5)}-${p}`,
        namespace: ns,
        node: nodeName(node),
        ip: `10.${128 + ((p >> 16) & 63)}.${(p >> 8) & 255}.${p & 255}`,
        hostIp: nodeIp(node),
        labels: { app, 'pod-template-hash': nameSuffix(app, 10), tier: p % 3 === 0 ? 'frontend' : 'backend' },
        owner: {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: `${app}-${nameSuffix(app, 10)}`,
          uid: `uid-${app}`,
        },
        containers: [
          {
            name: 'app',
            image: `registry.example.com/${app}:1.4.2`,
            ports: [{ containerPort: 8080, name: 'http' }],
          },
          { name: 'proxy', image: 'registry.example.com/sidecar:2.0.1' },
        ],
        // Pods started at different times, as in a real cluster, so no two share timestamps.
        startedMs: opts.nowMs - (p % 86_400) * 1000,
      }),
    );
  }
}

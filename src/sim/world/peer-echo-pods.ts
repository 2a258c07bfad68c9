/**
 * kubetriage's peer-echo DaemonSet in the simulated cluster (deploy/manifests, `kubetriage
 * peer-echo`): a pod on every node, on the pod network, behind the `kubetriage/kubetriage-peer`
 * Service. Its EndpointSlice, as the EndpointSlice controller writes it, lists the pods of
 * Ready nodes (a NotReady node's pods are marked not ready). The slice is rendered when the
 * agent lists it rather than kept in the store, so the pipeline's view of the cluster stays
 * the scenario's; each pod's IP is the second address of its node's podCIDR, where the CNI
 * hands out the first pod address.
 */
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import type { NodeCondition } from '../behaviour/node-condition.ts';
import type { ObjectStore } from '../store/object-store.ts';

const nodeType = resourceForKind('Node')!;

export const peerService = { namespace: 'kubetriage', name: 'kubetriage-peer', port: 8089 };

type NodeObject = KubeObject & {
  spec?: { podCIDR?: string };
  status?: { conditions?: NodeCondition[] };
};

export class PeerEchoPods {
  private readonly store: ObjectStore;
  private byIp = new Map<string, string>();

  constructor(store: ObjectStore) {
    this.store = store;
  }

  /** The pod IP of the peer-echo pod on a node (`10.244.3.0/24` → `10.244.3.2`). */
  private ipOf(n: NodeObject): string | undefined {
    const cidr = n.spec?.podCIDR;
    const m = cidr ? /^(\d+\.\d+\.\d+)\.0\/\d+$/.exec(cidr) : null;
    return m ? `${m[1]}.2` : undefined;
  }

  /** The node whose peer-echo pod has this IP, as of the last listing. */
  nodeOf(ip: string): string | undefined {
    return this.byIp.get(ip);
  }

  /** The Service's EndpointSlice list, in the discovery.k8s.io/v1 shape the agent reads. */
  endpointSlices(): { items: { endpoints: object[] }[] } {
    const endpoints: object[] = [];
    const byIp = new Map<string, string>();
    for (const n of this.store.listObjects(nodeType) as NodeObject[]) {
      const name = n.metadata.name ?? '';
      const ip = this.ipOf(n);
      if (!ip) continue;
      byIp.set(ip, name);
      const ready = n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
      endpoints.push({ addresses: [ip], nodeName: name, conditions: { ready } });
    }
    this.byIp = byIp;
    return { items: [{ endpoints }] };
  }
}

import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import { nameSuffix } from '../cluster/objects.ts';

import { QueuedController } from './queued-controller.ts';

const podType = resourceForKind('Pod')!;
const serviceType = resourceForKind('Service')!;
const sliceType = resourceForKind('EndpointSlice', 'discovery.k8s.io')!;
const endpointsType = resourceForKind('Endpoints')!;

interface ServiceView {
  metadata: KubeObject['metadata'];
  spec?: {
    selector?: Record<string, string>;
    ports?: { name?: string; port: number; targetPort?: number | string; protocol?: string }[];
  };
}

interface PodView {
  metadata: KubeObject['metadata'];
  spec?: { nodeName?: string };
  status?: { podIP?: string; conditions?: { type: string; status: string }[] };
}

export class EndpointSliceController extends QueuedController {
  protected watches(): ReturnType<QueuedController['watches']> {
    return [podType.storage, serviceType.storage];
  }

  syncAll(): void {
    for (const svc of this.store.listObjects(serviceType) as (KubeObject & ServiceView)[]) {
      if (svc.spec?.selector && Object.keys(svc.spec.selector).length > 0) this.sync(svc);
    }
  }

  private sync(svc: KubeObject & ServiceView): void {
    const ns = svc.metadata.namespace ?? '';
    const name = svc.metadata.name ?? '';
    const selector = svc.spec?.selector ?? {};
    const pods = (this.store.listObjects(podType, ns) as (KubeObject & PodView)[]).filter(
      (p) => p.status?.podIP && Object.entries(selector).every(([k, v]) => p.metadata.labels?.[k] === v),
    );
    const ready = (p: PodView) =>
      !p.metadata.deletionTimestamp &&
      (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);
    const ports = (svc.spec?.ports ?? []).map((p) => ({
      name: p.name ?? '',
      port: typeof p.targetPort === 'number' ? p.targetPort : p.port,
      protocol: p.protocol ?? 'TCP',
    }));
    const targetRef = (p: KubeObject) => ({
      kind: 'Pod',
      namespace: ns,
      name: p.metadata.name,
      uid: p.metadata.uid,
    });
    const sliceName = `${name}-${nameSuffix(`${ns}/${name}`, 5)}`;
    const slice = {
      metadata: {
        name: sliceName,
        namespace: ns,
        labels: {
          'kubernetes.io/service-name': name,
          'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
        },
        ownerReferences: [
          {
            apiVersion: 'v1',
            kind: 'Service',
            name,
            uid: svc.metadata.uid ?? '',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      addressType: 'IPv4',
      endpoints: pods
        .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))
        .map((p) => ({
          addresses: [p.status?.podIP],
          conditions: {
            ready: ready(p),
            serving: ready(p),
            terminating: Boolean(p.metadata.deletionTimestamp),
          },
          nodeName: p.spec?.nodeName,
          targetRef: targetRef(p),
        })),
      ports,
    };
    this.write(sliceType, ns, sliceName, slice);
    const address = (p: KubeObject & PodView) => ({
      ip: p.status?.podIP,
      nodeName: p.spec?.nodeName,
      targetRef: targetRef(p),
    });
    const readyAddrs = pods.filter(ready).map(address);
    const notReady = pods.filter((p) => !ready(p)).map(address);
    const subsets = pods.length
      ? [
          {
            ...(readyAddrs.length ? { addresses: readyAddrs } : {}),
            ...(notReady.length ? { notReadyAddresses: notReady } : {}),
            ports,
          },
        ]
      : [];
    this.write(endpointsType, ns, name, {
      metadata: { name, namespace: ns, labels: { ...svc.metadata.labels } },
      subsets,
    });
  }

  /** Creates or updates; the store drops writes that change nothing. */
  private write(r: typeof sliceType, ns: string, name: string, desired: KubeObject): void {
    const current = this.store.find(r, ns, name);
    if (!current) {
      this.store.create(r, desired);
      return;
    }
    this.store.update(r, {
      ...desired,
      metadata: {
        ...current.metadata,
        labels: desired.metadata.labels,
        ownerReferences: desired.metadata.ownerReferences,
      },
    });
  }
}

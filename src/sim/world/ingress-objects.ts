/**
 * The Ingress objects of a scenario whose `cluster.ingress` names its controller: one
 * IngressClass (where the server serves them, 1.19 on) and one Ingress per Service a
 * workload exposes, written in the apiVersion the cluster's manifests use, in that
 * version's shape (v1beta1 `backend.serviceName/servicePort`, v1 `backend.service`). All
 * versions share one storage, so after an upgrade removes the old version the objects are
 * still there through networking.k8s.io/v1, while clients that ask for the old version
 * find nothing (the deprecated API migration guide, v1.22). Each names its class the way
 * `cluster.ingress.classBy` says: the field, the annotation, or not at all.
 */
import type { KubeObject } from '../api/k8s-types.ts';
import type { Scenario } from '../scenario/schema.ts';

const classNames = {
  'ingress-nginx': ['nginx', 'k8s.io/ingress-nginx'],
  contour: ['contour', 'projectcontour.io/ingress-controller'],
  emissary: ['ambassador', 'getambassador.io/ingress-controller'],
  'envoy-gateway': ['eg', 'gateway.envoyproxy.io/gatewayclass-controller'],
} as const;

export function putIngressObjects(
  s: Scenario,
  put: (kind: string, o: KubeObject, group?: string) => unknown,
  minor: number,
): void {
  const ing = s.cluster.ingress;
  if (!ing) return;
  const [className, controller] = classNames[ing.kind];
  if (minor >= 19)
    put('IngressClass', { metadata: { name: className }, spec: { controller } }, 'networking.k8s.io');
  const [group, version] = ing.apiVersion.split('/');
  const classBy = ing.classBy ?? (version === 'v1' ? 'field' : 'annotation');
  for (const ns of s.workloads.namespaces)
    for (const w of [...ns.deployments, ...ns.daemonsets, ...ns.statefulsets]) {
      const svc = w.service;
      if (!svc?.ingress) continue;
      const name = svc.name ?? w.name;
      const port = svc.ports[0].port;
      const backend =
        version === 'v1'
          ? { service: { name, port: { number: port } } }
          : { serviceName: name, servicePort: port };
      const path = {
        path: svc.ingress.path,
        ...(version === 'v1' ? { pathType: 'Prefix' } : {}),
        backend,
      };
      put(
        'Ingress',
        {
          metadata: {
            name,
            namespace: ns.name,
            ...(classBy === 'annotation'
              ? { annotations: { 'kubernetes.io/ingress.class': className } }
              : {}),
          },
          spec: {
            ...(classBy === 'field' ? { ingressClassName: className } : {}),
            rules: [{ host: svc.ingress.host, http: { paths: [path] } }],
          },
        } as KubeObject,
        group,
      );
    }
}

/**
 * Which Ingress objects an ingress-nginx controller takes as its own, by its version, with
 * its default flags (`--ingress-class=nginx`, `--controller-class=k8s.io/ingress-nginx`,
 * `--watch-ingress-without-class=false`), as the controller's own source decides it:
 *
 * - 0.x (`internal/ingress/annotations/class/main.go` IsValid, controller-v0.49.0): an
 *   Ingress that names no class is taken when the controller's class is the default
 *   `nginx`; one that names a class (annotation, else `spec.ingressClassName`) is taken
 *   when that name is `nginx`.
 * - 1.0.0 on (`internal/ingress/controller/store/store.go` GetIngressClass,
 *   controller-v1.0.0): `spec.ingressClassName` must name an IngressClass whose
 *   `spec.controller` is `k8s.io/ingress-nginx` (others never reach its lister), else the
 *   `kubernetes.io/ingress.class` annotation must be `nginx`; an Ingress with neither is
 *   ignored with "ingress does not contain a valid IngressClass". Its hosts are then no
 *   server of the controller's nginx: requests for them land on the default server and get
 *   404, and are not counted per host (`--metrics-per-host`, socket.go "Skipping metric for
 *   host not being served"). The ingress-nginx FAQ "Migration to Kubernetes 1.22 and
 *   apiVersion networking.k8s.io/v1": "From version 1.0.0 of the ingress-nginx controller,
 *   an IngressClass object is required."
 */
import { klogHeader } from '../behaviour/kube-proxy.ts';

export const nginxAnnotationClass = 'nginx';
export const nginxControllerClass = 'k8s.io/ingress-nginx';

export interface IngressClassView {
  metadata: { name: string };
  spec?: { controller?: string };
}

export interface IngressView {
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec?: { ingressClassName?: string };
}

/**
 * The major version of an ingress-nginx controller image (`…/ingress-nginx/controller:v1.0.0@sha256:…`,
 * `…/nginx-ingress-controller:0.49.0`); undefined when the tag says none (`latest`, a digest only).
 */
export function nginxControllerMajor(image: string): number | undefined {
  const ref = image.split('@')[0];
  const colon = ref.lastIndexOf(':');
  if (colon < 0 || ref.lastIndexOf('/') > colon) return undefined;
  const m = /^v?(\d+)\.\d+/.exec(ref.slice(colon + 1));
  return m ? Number(m[1]) : undefined;
}

/** Whether the controller takes the Ingress: the class it found, or the error it logs. */
export type ClassVerdict = { taken: true; ingressClass: string } | { taken: false; error: string };

export function nginxClassVerdict(
  ing: IngressView,
  classes: readonly IngressClassView[],
  major: number | undefined,
): ClassVerdict {
  const annotation = ing.metadata.annotations?.['kubernetes.io/ingress.class'];
  const className = ing.spec?.ingressClassName;
  // An unknown version is taken as a 0.x one: the behaviour every release had before 1.0.0.
  if (major === undefined || major < 1) {
    const name = annotation ?? className ?? '';
    return name === '' || name === nginxAnnotationClass
      ? { taken: true, ingressClass: name || nginxAnnotationClass }
      : { taken: false, error: 'ingress class is not the one this controller satisfies' };
  }
  if (className !== undefined) {
    const known = classes.find(
      (c) => c.metadata.name === className && c.spec?.controller === nginxControllerClass,
    );
    return known
      ? { taken: true, ingressClass: className }
      : { taken: false, error: `no object matching key "${className}" in local store` };
  }
  if (annotation !== undefined)
    return annotation === nginxAnnotationClass
      ? { taken: true, ingressClass: annotation }
      : {
          taken: false,
          error: 'ingress class annotation is not equal to the expected by Ingress Controller',
        };
  return { taken: false, error: 'ingress does not contain a valid IngressClass' };
}

/** The lines a 1.x controller's store logs as its informer adds each Ingress (store.go, controller-v1.0.0). */
export function nginxStoreLines(ing: IngressView, verdict: ClassVerdict, atMs: number): string[] {
  const key = `${ing.metadata.namespace ?? ''}/${ing.metadata.name}`;
  if (!verdict.taken)
    return [
      `${klogHeader('I', atMs, 'store.go:361')} "Ignoring ingress because of error while validating ingress class" ingress="${key}" error="${verdict.error.replaceAll('"', '\\"')}"`,
    ];
  return [
    `${klogHeader('I', atMs, 'store.go:365')} "Found valid IngressClass" ingress="${key}" ingressclass="${verdict.ingressClass}"`,
  ];
}

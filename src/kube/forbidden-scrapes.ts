/**
 * The scrapes a default install is refused. kube-proxy's and the ingress controllers'
 * metrics are read through the API server's proxy, which the opt-in kubetriage-read-proxy
 * role grants (off by default: `get` on nodes/proxy can exec into containers through the
 * kubelet, docs/deployment.md). Their 403 is a source kubetriage may not read, not a cluster
 * in trouble: told once per component, with the step that grants it.
 */
import { ApiRequestError } from './api-client.ts';
import type { MetricsComponent } from './observations.ts';

/** A 403: the credentials are accepted, the request is not granted. */
export function isForbidden(err: unknown): boolean {
  return err instanceof ApiRequestError && err.status === 403;
}

export class ForbiddenScrapes {
  private readonly told = new Set<MetricsComponent>();
  private readonly warn: (message: string) => void;

  constructor(warn: (message: string) => void = () => {}) {
    this.warn = warn;
  }

  /** A scrape of `component` was refused with 403; the first time, says what to do. */
  refused(component: MetricsComponent, error: string): void {
    if (this.told.has(component)) return;
    this.told.add(component);
    this.warn(
      `${component} metrics are forbidden to kubetriage (${error}); the checks that read them say "not checked". ` +
        'To scrape them, grant the opt-in role kubetriage-read-proxy: kubectl apply -f deploy/manifests/read-proxy-rbac.yaml ' +
        '(Helm: --set metrics.apiServerProxy=true), after reading its risk in docs/deployment.md: get on nodes/proxy can exec into any container',
    );
  }
}

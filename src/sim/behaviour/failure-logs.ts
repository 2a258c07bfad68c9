/**
 * What programs print when something they need does not answer, in the formats real
 * components use, so detectors meet the same text they meet on a real cluster:
 *
 * - CoreDNS (its kubernetes plugin is a client-go informer): `plugin/kubernetes` list and
 *   watch failures naming the VIP URL, and `plugin/ready: Still waiting on: "kubernetes"`.
 * - Other API clients (controllers, operators, ingress controllers): client-go's reflector
 *   lines in klog format, `"Failed to watch" err="failed to list *v1.X: Get …: dial tcp …"`.
 * - Anything else: the Go-style error the program hit.
 */

import { findResource } from '../api/resources.ts';
import type { Unmet } from './dependencies.ts';
import { klogHeader } from './kube-proxy.ts';

/** `none`: the program logs nothing for it (a probe failure only the prober reports). */
export type LogStyle = 'coredns' | 'client-go' | 'plain' | 'none';

/** The URL a client-go informer lists first, through the address it dials. */
function listUrl(unmet: Unmet, resource: string): string {
  const target = /dial tcp (\S+?):/.exec(unmet.error)?.[1] ?? '10.96.0.1:443';
  return `https://${target}/api/v1/${resource}?limit=500&resourceVersion=0`;
}

/** The lines a program logs when `unmet` fails it, at `atMs`. */
export function failureLines(style: LogStyle, unmet: Unmet, atMs: number): string[] {
  if (style === 'none') return [];
  if (style === 'coredns' && (unmet.need === 'api' || unmet.need === 'api-endpoint')) {
    const reflector = 'pkg/mod/k8s.io/client-go@v0.29.3/tools/cache/reflector.go:229';
    const lines: string[] = [];
    for (const [type, resource] of [
      ['*v1.Service', 'services'],
      ['*v1.Namespace', 'namespaces'],
      ['*v1.EndpointSlice', 'endpointslices'],
    ]) {
      const url =
        resource === 'endpointslices'
          ? listUrl(unmet, resource).replace('/api/v1/', '/apis/discovery.k8s.io/v1/')
          : listUrl(unmet, resource);
      lines.push(
        `[INFO] plugin/kubernetes: ${reflector}: failed to list ${type}: Get "${url}": ${unmet.error}`,
        `[ERROR] plugin/kubernetes: ${reflector}: Failed to watch ${type}: failed to list ${type}: Get "${url}": ${unmet.error}`,
      );
    }
    lines.push('[INFO] plugin/ready: Still waiting on: "kubernetes"');
    return lines;
  }
  if (style === 'client-go' && unmet.need.startsWith('api:') && !unmet.error.startsWith('dial ')) {
    // An informer for a version the server no longer serves: the list gets a 404.
    const [group, version, plural] = unmet.need.slice('api:'.length).split('/');
    const kind = findResource(group, version, plural)?.kind ?? plural;
    const type = `*${version}.${kind}`;
    return [
      `${klogHeader('W', atMs, 'reflector.go:547')} k8s.io/client-go/informers/factory.go:159: failed to list ${type}: ${unmet.error}`,
      `${klogHeader('E', atMs, 'reflector.go:150')} k8s.io/client-go/informers/factory.go:159: Failed to watch ${type}: failed to list ${type}: ${unmet.error}`,
    ];
  }
  if (
    style === 'client-go' &&
    (unmet.need === 'api' || unmet.need === 'api-endpoint' || unmet.need.startsWith('api:'))
  ) {
    const url = listUrl(unmet, 'namespaces');
    const source = 'reflector.go:561';
    return [
      `${klogHeader('W', atMs, source)} k8s.io/client-go/informers/factory.go:160: failed to list *v1.Namespace: Get "${url}": ${unmet.error}`,
      `${klogHeader('E', atMs, 'reflector.go:158')} "Unhandled Error" err="k8s.io/client-go/informers/factory.go:160: Failed to watch *v1.Namespace: failed to list *v1.Namespace: Get \\"${url}\\": ${unmet.error}" logger="UnhandledError"`,
    ];
  }
  return [`error: ${unmet.error}`];
}

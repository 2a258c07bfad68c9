/**
 * For `/healthz`: whether kubetriage can read the cluster it serves, in one word a probe or
 * a person can act on. `refused (401)` means the API server answers but turns our
 * credentials away; `not reached (refused)` that it has never answered this process (a
 * wrong address or CA in the kubeconfig looks like this): nothing on the status page can
 * then be taken as current.
 */
import { apiAccess } from '../detect/api-access.ts';
import { apiHealth } from '../detect/api-health.ts';
import type { ClusterView } from '../observe/cluster-view.ts';

export function clusterAccess(view: ClusterView, nowMs: number): string {
  const denied = apiAccess(view, nowMs)[0];
  if (denied?.kind === 'api-access-denied') return `refused (${denied.facts.status})`;
  const silent = apiHealth(view, nowMs).find((s) => s.kind === 'api-never-reached');
  if (silent?.kind === 'api-never-reached') return `not reached (${silent.facts.errorKinds.join(', ')})`;
  return 'ok';
}

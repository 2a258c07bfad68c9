/**
 * For `/healthz`: whether kubetriage can read the cluster it serves, in one word a probe or
 * a person can act on. `refused (401)` means the API server answers but turns our
 * credentials away: nothing on the status page can then be taken as current.
 */
import { apiAccess } from '../detect/api-access.ts';
import type { ClusterView } from '../observe/cluster-view.ts';

export function clusterAccess(view: ClusterView, nowMs: number): string {
  const denied = apiAccess(view, nowMs)[0];
  if (denied?.kind === 'api-access-denied') return `refused (${denied.facts.status})`;
  return 'ok';
}

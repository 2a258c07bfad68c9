/**
 * For `/healthz`: whether kubetriage can read the cluster it serves, in one word a probe or
 * a person can act on. `refused (401)` means the API server answers but turns our
 * credentials away; `not reached (refused)` that it has never answered this process (a
 * wrong address or CA in the kubeconfig looks like this): nothing on the status page can
 * then be taken as current. Read from the latest round's signals, not detected again.
 */
import type { Signal } from '../detect/signal.ts';

export function clusterAccess(signals: readonly Signal[]): string {
  for (const s of signals) if (s.kind === 'api-access-denied') return `refused (${s.facts.status})`;
  for (const s of signals)
    if (s.kind === 'api-never-reached') return `not reached (${s.facts.errorKinds.join(', ')})`;
  return 'ok';
}

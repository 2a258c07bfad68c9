/**
 * The API server's clients it took down with it: system components whose containers ended
 * after the API trouble began (CoreDNS's kubernetes plugin, controllers that exit when they
 * lose their lease or cannot list). They are the control plane's impact, not a second story:
 * carried as its evidence, they stay with its incident while their restarts drain from the
 * terminations window after the API server recovers.
 */
import type { SignalOf } from '../../detect/signal.ts';
import type { SignalQuery } from '../query.ts';

/** Terminations that began this long before the API trouble was seen still follow it: detection lags. */
const slackMs = 30_000;

export function apiClientsEnded(
  q: SignalQuery,
  troubleSinceMs: number | undefined,
): SignalOf<'container-terminations'>[] {
  if (troubleSinceMs === undefined) return [];
  return q
    .of('container-terminations')
    .filter((s) => s.facts.systemComponent && Date.parse(s.facts.firstFinished) >= troubleSinceMs - slackMs);
}

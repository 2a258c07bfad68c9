/**
 * When a workload began failing. A crash-loop signal's own `sinceMs` starts its restart
 * window, which slides on while the loop lasts; its first restart seen (pods drained away
 * included) is when the failing began, as far as the view's history reaches.
 */
import type { SignalOf } from '../../detect/signal.ts';

export function failingSince(s: SignalOf<'crash-loop'> | SignalOf<'probe-failing'>): number {
  return s.kind === 'crash-loop' ? Math.min(s.sinceMs, s.facts.firstRestartMs) : s.sinceMs;
}

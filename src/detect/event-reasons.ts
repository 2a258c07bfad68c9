/**
 * Warning Events of the last hour by reason, the taxonomy's families and the reasons it does
 * not know: an overview for people and for patterns that ask "was anything else going on",
 * never trouble by itself. Unknown reasons are counted here rather than dropped, so a new
 * kind of failure still shows up by name.
 *
 * Emits one `warning-events` (subject `cluster`, severity info) when any Warning Event
 * occurred in the window. Facts: see WarningEventsFacts.
 */
import { eventFamilies } from '../observe/event-families.ts';
import type { EventRecord } from '../observe/event-ledger.ts';
import { bump, countsText, firstMs, newestEvidence, recentEvents } from './event-records.ts';
import type { Detector } from './signal.ts';

export const warningWindowMs = 60 * 60_000;

export const eventReasons: Detector = (view, nowMs) => {
  const warnings: EventRecord[] = [];
  for (const family of [...eventFamilies, 'unknown'] as const)
    for (const r of recentEvents(view, family, nowMs, warningWindowMs))
      if (r.type === 'Warning') warnings.push(r);
  if (warnings.length === 0) return [];
  const reasons = new Map<string, number>();
  const families = new Map<string, number>();
  const unknown = new Map<string, number>();
  let total = 0;
  for (const r of warnings) {
    total += r.count;
    bump(reasons, r.reason, r.count);
    bump(families, r.family, r.count);
    if (r.family === 'unknown') bump(unknown, r.reason, r.count);
  }
  const top = countsText(reasons, 5);
  return [
    {
      detector: 'event-reasons',
      kind: 'warning-events',
      subject: 'cluster',
      severity: 'info',
      sinceMs: firstMs(warnings),
      summary: `${total} warning event(s) in the last hour (${top.join(', ')}); see kubectl get events -A --field-selector type=Warning`,
      scope: {},
      facts: {
        warnings: total,
        reasons: countsText(reasons),
        families: countsText(families),
        unknownReasons: countsText(unknown),
        windowMinutes: warningWindowMs / 60_000,
      },
      evidence: newestEvidence(
        warnings.filter((r) => r.family === 'unknown'),
        3,
      ),
    },
  ];
};

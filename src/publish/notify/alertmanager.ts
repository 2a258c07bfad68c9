/**
 * Incidents as Alertmanager alerts, for teams that already route pages through it. Alerts go
 * to `POST {base}/api/v2/alerts` as a JSON array of postableAlert objects (labels,
 * annotations, startsAt, endsAt, generatorURL; api/v2/openapi.yaml in prometheus/alertmanager).
 *
 * Alertmanager is a state store, not a message sink: an alert posted without `endsAt` is
 * given `now + resolve_timeout` (5 min by default) and silently resolves if nobody posts it
 * again. So the record's open incidents are re-posted every `resendEveryMs` (a minute by
 * default, as Prometheus does) while this process acts, and a resolved one is posted once
 * more with `endsAt` set. The re-posts read the incidents from the record, not from the
 * changes this process has sent, so incidents restored after a restart or a takeover keep
 * firing too.
 *
 * Labels are an alert's identity. When an incident's severity or top pattern changes, its
 * alert gets new labels and would become a second alert beside the stale one; the book below
 * remembers what it last posted and resolves the old label set in the same request.
 */
import type { Incident } from '../../incident/incident.ts';
import { rfc3339 } from '../../time/clock.ts';
import { firstStep, incidentUrl, type NotifyContext, percent } from './content.ts';

export const defaultResendEveryMs = 60_000;

export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL?: string;
}

/** `{base}/api/v2/alerts`, keeping any path prefix the base has (Alertmanager behind a proxy). */
export function alertsUrl(base: string): string {
  // A full `…/api/v2/alerts` URL (what people copy from Alertmanager's API docs) works as given.
  const trimmed = base.replace(/\/+$/, '');
  if (/\/api\/v2\/alerts$/.test(trimmed)) return trimmed;
  return new URL('api/v2/alerts', `${trimmed}/`).toString();
}

function labelsOf(incident: Incident, ctx: NotifyContext): Record<string, string> {
  const labels: Record<string, string> = {
    alertname: 'KubetriageIncident',
    cluster: ctx.cluster,
    incident: incident.id,
    pattern: incident.top.pattern,
    severity: incident.severity,
    family: incident.family,
  };
  // An empty label value means "no such label" to Alertmanager; leave it out rather than confuse.
  for (const [k, v] of Object.entries(labels)) if (!v) delete labels[k];
  return labels;
}

export function alertOf(incident: Incident, ctx: NotifyContext): PostableAlert {
  const top = incident.top;
  const annotations: Record<string, string> = {
    summary: top.title,
    description: top.statement,
    status: incident.status,
    confidence: percent(top.confidence),
  };
  const step = firstStep(top.nextSteps);
  if (step) annotations.next_step = step.command ? `${step.say}: ${step.command}` : step.say;
  if (top.runbooks.length) annotations.runbook = `kubetriage remediate ${top.runbooks[0]}`;
  const url = incidentUrl(ctx, incident.id);
  return {
    labels: labelsOf(incident, ctx),
    annotations,
    startsAt: rfc3339(incident.openedAtMs),
    ...(incident.status === 'resolved' && { endsAt: rfc3339(incident.resolvedAtMs ?? incident.updatedAtMs) }),
    ...(url && { generatorURL: url }),
  };
}

const sameLabels = (a: Record<string, string>, b: Record<string, string>): boolean =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

/** What an Alertmanager target was last sent for each incident: the labels to resolve when they change. */
export class AlertBook {
  private readonly ctx: NotifyContext;
  private readonly posted = new Map<string, PostableAlert>();

  constructor(ctx: NotifyContext) {
    this.ctx = ctx;
  }

  /** Incidents whose last posted alert is still firing there. */
  get size(): number {
    return this.posted.size;
  }

  /**
   * The alerts to post for `incidents` as they are now, each followed by a resolving copy of
   * its previous alert when the labels have changed since.
   */
  alerts(nowMs: number, incidents: readonly Incident[]): PostableAlert[] {
    const out: PostableAlert[] = [];
    for (const incident of incidents) {
      const alert = alertOf(incident, this.ctx);
      const before = this.posted.get(incident.id);
      if (before && !sameLabels(before.labels, alert.labels)) out.push({ ...before, endsAt: rfc3339(nowMs) });
      out.push(alert);
    }
    return out;
  }

  /**
   * Alertmanager took `alerts` (as built by `alerts()`): remember each incident's alert as it
   * now stands there, or forget the incident once its own alert went with `endsAt` (resolved).
   */
  delivered(alerts: readonly PostableAlert[]): void {
    const last = new Map<string, PostableAlert>();
    for (const a of alerts) last.set(a.labels.incident, a);
    for (const [id, alert] of last) {
      if (alert.endsAt === undefined) this.posted.set(id, alert);
      else this.posted.delete(id);
    }
  }

  forget(id: string): void {
    this.posted.delete(id);
  }
}

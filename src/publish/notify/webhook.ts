/**
 * The generic JSON webhook: one POST per incident event, `Content-Type: application/json`,
 * for receivers that are not Slack or Alertmanager (PagerDuty/Opsgenie bridges, ChatOps bots,
 * a ticketing hook). The body, schema version 1:
 *
 *   {
 *     "version": 1,
 *     "event": "opened" | "updated" | "status" | "resolved",
 *     "cluster": string,
 *     "incident": {
 *       "id": string,                 // INC-0001
 *       "status": "investigating" | "identified" | "monitoring" | "resolved",
 *       "severity": "info" | "warning" | "critical",
 *       "pattern": string,            // the top hypothesis's failure pattern id
 *       "title": string,
 *       "statement": string,          // the root cause in a sentence or two
 *       "openedAt": string,           // RFC 3339 UTC, second precision
 *       "resolvedAt"?: string,        // only once resolved
 *       "confidence": number,         // 0..1
 *       "blastRadius": { "nodes"?, "namespaces"?, "services"?, "workloads"?, "pools"?: string[] },
 *       "nextSteps": [{ "say": string, "command"?: string }],
 *       "url"?: string                // the incident page, when kubetriage has a public URL
 *     },
 *     "sentAt": string                // RFC 3339 UTC
 *   }
 *
 * Several changes close together arrive as one event carrying the latest state; `event` is
 * the most important of them (resolved, then opened, then status, then updated). Fields are
 * only ever added within a version; a breaking change bumps `version`.
 */
import type { Scope, Severity } from '../../detect/signal.ts';
import type { NextStep } from '../../diagnose/hypothesis.ts';
import type { Incident, IncidentStatus } from '../../incident/incident.ts';
import { rfc3339 } from '../../time/clock.ts';
import { incidentUrl, type NotifyContext, type NotifyEvent } from './content.ts';

export interface WebhookPayload {
  version: 1;
  event: NotifyEvent;
  cluster: string;
  incident: {
    id: string;
    status: IncidentStatus;
    severity: Severity;
    pattern: string;
    title: string;
    statement: string;
    openedAt: string;
    resolvedAt?: string;
    confidence: number;
    blastRadius: Scope;
    nextSteps: NextStep[];
    url?: string;
  };
  sentAt: string;
}

export function webhookPayload(
  incident: Incident,
  event: NotifyEvent,
  ctx: NotifyContext,
  nowMs: number,
): WebhookPayload {
  const top = incident.top;
  const url = incidentUrl(ctx, incident.id);
  return {
    version: 1,
    event,
    cluster: ctx.cluster,
    incident: {
      id: incident.id,
      status: incident.status,
      severity: incident.severity,
      pattern: top.pattern,
      title: top.title,
      statement: top.statement,
      openedAt: rfc3339(incident.openedAtMs),
      ...(incident.resolvedAtMs !== undefined && { resolvedAt: rfc3339(incident.resolvedAtMs) }),
      confidence: top.confidence,
      blastRadius: top.blastRadius,
      nextSteps: top.nextSteps.map((s) => (s.command ? { say: s.say, command: s.command } : { say: s.say })),
      ...(url && { url }),
    },
    sentAt: rfc3339(nowMs),
  };
}

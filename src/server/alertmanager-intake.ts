/**
 * Alertmanager in: the alerts a team already has become evidence on kubetriage's incidents.
 * Alertmanager's webhook receiver POSTs a group of alerts (payload version 4: `status`,
 * `alerts[]` with `status`, `labels`, `annotations`, `startsAt`, `endsAt`, `fingerprint`;
 * https://prometheus.io/docs/alerting/latest/configuration/#webhook_config). Each alert
 * is matched to the open incident whose blast radius holds what its labels name (node,
 * namespace, service, workload); one that matches none goes on the record as an action
 * outside any incident, which the postmortem's timeline shows beside the incident it
 * preceded. Pure: the route (alertmanager-routes.ts) does the writing.
 */
import { z } from 'zod';
import { type Incident, rootCauseOf } from '../incident/incident.ts';
import { withoutControls } from './text-input.ts';

export const alertmanagerPayload = z.object({
  version: z.string().optional(),
  status: z.enum(['firing', 'resolved']).optional(),
  alerts: z
    .array(
      z.object({
        status: z.enum(['firing', 'resolved']),
        labels: z.record(z.string(), z.string()),
        annotations: z.record(z.string(), z.string()).optional(),
        startsAt: z.string().optional(),
        endsAt: z.string().optional(),
        fingerprint: z.string().optional(),
      }),
    )
    .max(1000),
});
export type AlertmanagerPayload = z.infer<typeof alertmanagerPayload>;
type Alert = AlertmanagerPayload['alerts'][number];

export interface AlertNote {
  /** The open incident it is evidence for, or undefined: an action outside any incident. */
  incidentId?: string;
  atMs: number;
  text: string;
  /** Fingerprint, status and start: the same alert sent again is not recorded twice. */
  key: string;
}

/** The labels that name cluster objects, as kube-state-metrics and node-exporter rules carry them. */
function names(a: Alert): { nodes: string[]; namespaces: string[]; services: string[]; workloads: string[] } {
  const l = a.labels;
  const node = l.node ?? l.nodename ?? (l.instance ? l.instance.replace(/:\d+$/, '') : undefined);
  const ns = l.namespace;
  const workload = l.deployment ?? l.daemonset ?? l.statefulset ?? l.workload;
  return {
    nodes: node ? [node] : [],
    namespaces: ns ? [ns] : [],
    services: ns && l.service ? [`${ns}/${l.service}`] : [],
    workloads: ns && workload ? [workload] : [],
  };
}

function matches(a: Alert, i: Incident): boolean {
  const scope = rootCauseOf(i).blastRadius;
  const n = names(a);
  if (n.nodes.some((x) => scope.nodes?.includes(x))) return true;
  if (n.services.some((x) => scope.services?.includes(x))) return true;
  if (n.workloads.some((w) => scope.workloads?.some((s) => s.endsWith(`/${w}`)))) return true;
  return n.namespaces.some((x) => scope.namespaces?.includes(x)) && !n.nodes.length;
}

function describe(a: Alert): string {
  const name = a.labels.alertname ?? 'alert';
  const about = ['node', 'instance', 'namespace', 'pod', 'deployment', 'service']
    .filter((k) => a.labels[k])
    .map((k) => `${k}=${a.labels[k]}`)
    .join(' ');
  const summary = a.annotations?.summary ?? a.annotations?.description ?? '';
  return `Alertmanager: ${name} ${a.status}${about ? ` (${about})` : ''}${summary ? `: ${summary}` : ''}`;
}

/** What to record for each alert; `nowMs` stands in for a missing or zero time. */
export function alertNotes(p: AlertmanagerPayload, open: readonly Incident[], nowMs: number): AlertNote[] {
  return p.alerts.map((a) => {
    const startsAt = a.startsAt ? Date.parse(a.startsAt) : Number.NaN;
    const endsAt = a.endsAt ? Date.parse(a.endsAt) : Number.NaN;
    // Alertmanager sends 0001-01-01T00:00:00Z as the end of an alert still firing.
    const at = a.status === 'resolved' && endsAt > 0 ? endsAt : startsAt > 0 ? startsAt : nowMs;
    const incident = open.find((i) => matches(a, i));
    return {
      incidentId: incident?.id,
      atMs: at,
      text: withoutControls(describe(a)),
      key: `${a.fingerprint ?? JSON.stringify(a.labels)} ${a.status} ${a.startsAt ?? ''}`,
    };
  });
}

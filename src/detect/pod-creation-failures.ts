/**
 * Controllers that cannot create their pods: `FailedCreate` Events of the ReplicaSet,
 * DaemonSet, StatefulSet and Job controllers, read for why the API server refused
 * (event-messages.ts): an admission webhook that failed (timeout, TLS, refused, no
 * endpoints) or denied, a ResourceQuota, Pod Security, a LimitRange. The controllers retry
 * with back-off, so a refusal that persists has an Event in the last 15 min.
 *
 * Emits:
 * - `pod-creation-failing` per workload (subject `workload/<ns>/<Kind>/<name>`, warning;
 *   critical for kube-system). Facts: see PodCreationFailingFacts.
 * - `webhook-failing` per webhook whose calls fail (not deny: fail), subject
 *   `webhook/<name>`: with `failurePolicy: Fail` every matching write is refused. Critical
 *   when it blocks kube-system or 2 or more namespaces, else warning. Facts: see
 *   WebhookFailingFacts.
 */
import type { EventRecord } from '../observe/event-ledger.ts';
import { type CreateFailureCause, parseCreateFailureMessage, type WebhookError } from './event-messages.ts';
import {
  bump,
  byWorkload,
  countsText,
  eventCounts,
  eventWorkloads,
  firstMs,
  newestEvidence,
  recentEvents,
} from './event-records.ts';
import type { Detector, Signal } from './signal.ts';
import { uniqueSorted } from './signal.ts';

export const creationWindowMs = 15 * 60_000;

export const podCreationFailures: Detector = (view, nowMs) => {
  const records = recentEvents(view, 'controller', nowMs, creationWindowMs).filter(
    (r) => r.reason === 'FailedCreate',
  );
  if (records.length === 0) return [];
  const workloadOf = eventWorkloads(view);
  const out: Signal[] = [];
  const byWebhook = new Map<string, EventRecord[]>();
  for (const { key, workload: w, records: list } of byWorkload(view, records)) {
    const causes = new Map<string, number>();
    const webhooks = new Set<string>();
    const errors = new Set<WebhookError>();
    const quotas = new Set<string>();
    const resources = new Set<string>();
    for (const r of list) {
      const m = parseCreateFailureMessage(r.message);
      bump(causes, m.cause, r.count);
      if (m.webhook) webhooks.add(m.webhook);
      if (m.webhookError) errors.add(m.webhookError);
      if (m.quota) quotas.add(m.quota);
      for (const x of m.resources) resources.add(x);
      if (m.cause === 'webhook') {
        const l = byWebhook.get(m.webhook) ?? [];
        l.push(r);
        byWebhook.set(m.webhook, l);
      }
    }
    const ranked = countsText(causes);
    const cause = ranked[0].split('=')[0] as CreateFailureCause;
    out.push({
      detector: 'pod-creation-failures',
      kind: 'pod-creation-failing',
      subject: `workload/${key}`,
      severity: w.namespace === 'kube-system' ? 'critical' : 'warning',
      sinceMs: firstMs(list),
      summary:
        `${w.kind} ${w.namespace}/${w.name} cannot create pods (${cause}${webhooks.size ? ` ${[...webhooks].join(', ')}` : ''}` +
        `${quotas.size ? ` ${[...quotas].join(', ')}` : ''}); see kubectl describe ${w.kind.toLowerCase()} -n ${w.namespace} ${w.name}`,
      scope: { namespaces: [w.namespace], workloads: [key] },
      facts: {
        ...eventCounts(list, creationWindowMs),
        namespace: w.namespace,
        workloadKind: w.kind,
        workloadName: w.name,
        cause,
        causes: ranked,
        webhooks: [...webhooks].sort(),
        webhookErrors: [...errors].sort(),
        quotas: [...quotas].sort(),
        resources: [...resources].sort(),
      },
      evidence: newestEvidence(list, 3),
    });
  }
  for (const [webhook, list] of [...byWebhook].sort((a, b) => a[0].localeCompare(b[0]))) {
    const namespaces = uniqueSorted(list.map((r) => r.namespace));
    const workloads = uniqueSorted(list.map((r) => workloadOf(r).key));
    const kubeSystem = namespaces.includes('kube-system');
    const errorKinds = uniqueSorted(
      list.map((r) => parseCreateFailureMessage(r.message).webhookError ?? 'other'),
    ) as WebhookError[];
    out.push({
      detector: 'pod-creation-failures',
      kind: 'webhook-failing',
      subject: `webhook/${webhook}`,
      severity: kubeSystem || namespaces.length >= 2 ? 'critical' : 'warning',
      sinceMs: firstMs(list),
      summary:
        `admission webhook "${webhook}" fails (${errorKinds.join(', ')}) and blocks pod creation for ${workloads.length} workload(s) ` +
        `in ${namespaces.length} namespace(s); see kubectl get validatingwebhookconfigurations,mutatingwebhookconfigurations`,
      scope: { namespaces, workloads },
      facts: {
        ...eventCounts(list, creationWindowMs),
        webhook,
        errorKinds,
        workloads,
        namespaces,
        kubeSystem,
      },
      evidence: newestEvidence(list, 3),
    });
  }
  return out;
};

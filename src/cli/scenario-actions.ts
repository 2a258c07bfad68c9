/**
 * A scenario's operator (and provider) actions as the people would have logged them: one
 * line each, at the time they happened. `serve --replay` posts them through the JSON API
 * like an operator would, so the incident record and its postmortem carry the response.
 * Faults and heals are ground truth and are never posted.
 */
import type { Action, Scenario } from '../sim/scenario/schema.ts';
import { resolveInstant } from '../sim/scenario/time-spec.ts';

export interface LoggedAction {
  atMs: number;
  author: string;
  text: string;
  /**
   * The people then closed the incident by hand: the workloads moved to a rebuilt cluster,
   * so this one's failure no longer hurts anyone, though its signals never clear.
   */
  closesIncident: boolean;
}

function targets(nodes: unknown): string {
  if (!nodes || typeof nodes !== 'object') return 'nodes';
  const n = nodes as { pools?: string[]; names?: string[]; condition?: string; count?: number };
  const parts = [
    n.count ? `${n.count}` : '',
    n.condition ? `${n.condition}` : '',
    'node(s)',
    n.pools?.length ? `in ${n.pools.join(', ')}` : '',
    n.names?.length ? n.names.join(', ') : '',
  ];
  return parts.filter(Boolean).join(' ');
}

export function describeAction(a: Action): string {
  switch (a.type) {
    case 'restart-nodes':
    case 'replace-nodes':
      return `${a.type === 'restart-nodes' ? 'restarted' : 'replaced'} ${targets(a.nodes)}${a.maxUnavailable ? `, ${a.maxUnavailable} at a time` : ''}`;
    case 'restart-kubelet':
      return `restarted the kubelet on ${targets(a.nodes)}`;
    case 'cordon-nodes':
    case 'drain-nodes':
    case 'uncordon-nodes':
      return `${a.type.replace('-nodes', 'ed')} ${targets(a.nodes)}`;
    case 'upgrade':
    case 'rollback':
      return `${a.type === 'upgrade' ? 'upgraded' : 'rolled back'} ${a.component}${a.from ? ` ${a.from}` : ''} → ${a.to}`;
    case 'restart-workload':
      return `rollout restart ${a.workload}`;
    case 'scale-workload':
      return `scaled ${a.workload} to ${a.replicas}`;
    case 'set-env':
      return `set env on ${a.workload}: ${Object.keys(a.env).join(', ')}`;
    case 'set-resources':
      return `set resources on ${a.workload} container ${a.container}`;
    case 'set-image':
      return `set image on ${a.workload}: ${a.container}=${a.image}`;
    case 'disable-node-timer':
      return `disabled ${a.timer} on nodes (via ${a.via})`;
    case 'label-nodes':
      return `labelled ${targets(a.nodes)}: ${Object.entries(a.labels)
        .map(([k, v]) => (v === null ? `${k}-` : `${k}=${v}`))
        .join(' ')}`;
    case 'register-lb-targets':
      return 'registered the node pools with the load balancer again';
    case 'rebuild-cluster':
    case 'outside-cluster':
      return a.what;
    case 'apply-webhook':
      return `applied ${a.webhook.type} webhook configuration ${a.webhook.name}`;
    case 'delete-webhook':
      return `deleted webhook configuration ${a.webhook}`;
    case 'renew-certificates':
      return `renewed the ${a.which.join(' and ')} certificates`;
  }
}

/** The scenario's actions in time order. */
export function scenarioActions(s: Scenario): LoggedAction[] {
  const startMs = Date.parse(s.start);
  return s.timeline
    .filter((e) => e.action !== undefined)
    .map((e) => {
      const a = e.action as Action;
      const text = describeAction(a);
      return {
        atMs: resolveInstant(e.at, startMs) ?? startMs,
        author: a.by,
        text: e.note ? `${text} (${e.note})` : text,
        closesIncident: a.type === 'rebuild-cluster',
      };
    })
    .sort((a, b) => a.atMs - b.atMs);
}

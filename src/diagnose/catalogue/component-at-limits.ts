/**
 * What a system component killed at its limits looks like, for the DNS and the general
 * patterns: every replica OOMKilled in the half hour (`system-component-oom`), or all of them
 * ending together for another reason, with the component's Service losing its endpoints.
 */
import type { SignalOf } from '../../detect/signal.ts';
import { hitOn } from '../evidence/clauses.ts';
import { nodeName } from '../evidence/node-trouble.ts';
import type { Clause } from '../pattern.ts';
import type { SignalQuery } from '../query.ts';
import { at, said } from '../slots.ts';

export interface ComponentCase {
  oom: SignalOf<'system-component-oom'>;
  /** The component's Deployment or DaemonSet short of Ready replicas. */
  short: SignalOf<'workload-unavailable'> | undefined;
  /** Memory pressure on the nodes its replicas ran on (then the node picked the victim). */
  pressure: SignalOf<'node-pressure'>[];
}

/** Every system component killed at its limits; which pattern takes it is a requirement of each. */
export function componentCases(q: SignalQuery): ComponentCase[] {
  return q.of('system-component-oom').map((oom) => {
    const key = `${oom.facts.namespace}/${oom.facts.workloadKind}/${oom.facts.workloadName}`;
    const nodes = new Set(oom.facts.nodes);
    return {
      oom,
      short: q.of('workload-unavailable').find((w) => w.subject === `workload/${key}`),
      pressure: q
        .of('node-pressure')
        .filter(
          (p) =>
            nodes.has(nodeName(p.subject)) &&
            (p.facts.conditions.includes('MemoryPressure') || p.facts.systemOoms > 0),
        ),
    };
  });
}

/** Every replica OOMKilled in the last half hour, of cluster DNS (`dns`) or of another component. */
export function allReplicasOomKilled(dns: boolean): Clause<ComponentCase> {
  return {
    id: dns ? 'dns-replicas-oom-killed' : 'component-replicas-oom-killed',
    weight: 0,
    reason: dns
      ? 'every replica of cluster DNS OOMKilled in the last half hour'
      : 'every replica of a system component other than cluster DNS OOMKilled in the last half hour',
    reads: ['system-component-oom'],
    test: (c) => ((c.oom.facts.component === 'dns') === dns ? { signals: [c.oom] } : undefined),
  };
}

export const keepsRestarting: Clause<ComponentCase> = {
  id: 'keeps-restarting',
  weight: 0.1,
  reason: 'it was OOMKilled again and again ({restarts} restarts)',
  reads: ['system-component-oom'],
  test: (c) =>
    c.oom.facts.restartsInWindow >= 3
      ? { signals: [c.oom], slots: { restarts: said(c.oom.facts.restartsInWindow, c.oom)! } }
      : undefined,
};

export const serviceDown: Clause<ComponentCase> = {
  id: 'component-down',
  weight: 0.15,
  reason: 'it has {ready} of {desired} replicas Ready',
  reads: ['workload-unavailable'],
  test: (c) =>
    c.short
      ? {
          signals: [c.short],
          slots: {
            ready: said(String(c.short.facts.ready), c.short)!,
            desired: said(String(c.short.facts.desired), c.short)!,
          },
        }
      : undefined,
};

export const nodesShortOfMemory: Clause<ComponentCase> = {
  id: 'nodes-short-of-memory',
  weight: -0.25,
  reason: 'the nodes it ran on were short of memory themselves, so the kernel chose it as a victim',
  reads: ['node-pressure'],
  test: (c) => hitOn(c.pressure),
};

export const componentSlots = {
  component: (c: ComponentCase) =>
    said(`${c.oom.facts.workloadKind} ${c.oom.facts.namespace}/${c.oom.facts.workloadName}`, c.oom),
  replicas: (c: ComponentCase) => said(`${c.oom.facts.oomKilledReplicas} of ${c.oom.facts.replicas}`, c.oom),
  since: (c: ComponentCase) => at(Date.parse(c.oom.facts.firstOom) || c.oom.sinceMs, c.oom),
  ns: (c: ComponentCase) => said(c.oom.facts.namespace, c.oom),
  name: (c: ComponentCase) => said(c.oom.facts.workloadName, c.oom),
  kind: (c: ComponentCase) => said(c.oom.facts.workloadKind.toLowerCase(), c.oom),
};

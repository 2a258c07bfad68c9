/**
 * What the kubetriage node agent reports on Node objects (`docs/node-agent-report.md`):
 * one condition per node-side check, `True` meaning the node is in that problem state.
 * Read per condition type across all nodes, because the spread is the message: the VIP
 * failing on every node while the endpoints answer is a service-routing fault; a resolver
 * failing on three nodes is those nodes.
 *
 * Staleness: the agent heartbeats every 5 min, so a condition whose `lastHeartbeatTime`
 * is older than 11 min is stale. A stale `True` was true then and still counts (listed in
 * staleNodes); a stale `False` proves nothing and is not counted as reporting.
 *
 * Emits one `agent-condition` signal per type that is `True` on some node, subject
 * `condition/<type>` (e.g. `condition/KubernetesServiceVIPUnreachable`). Severity: info
 * for AutomaticUpgradeScheduled and RebootRequired (states an operator may choose);
 * critical for the network types (VIP, API endpoint, cluster DNS, node resolver, probe
 * service) when fresh on 2 or more nodes and half the reporting nodes; else warning.
 *
 * Facts on every one: type, nodes (True), count, staleNodes, nodesReporting (fresh True
 * or False), fraction (fresh True / nodesReporting), reasons, firstSince (RFC 3339: the
 * earliest `since` field or lastTransitionTime). Per type, from the message fields
 * (lists unique and sorted):
 * - KubernetesServiceVIPUnreachable, ProbeServiceUnreachable: targets, services, stages, errors
 * - PodNetworkPeersUnreachable: unreachable (peer nodes whose pods refuse or time out),
 *   stalled (peer nodes whose full-size responses stall), services, errors
 * - APIEndpointUnreachable: targets, reachable (endpoints that still answered), stages, errors
 * - KubeletUnhealthy: targets (the /healthz address), errors
 * - ClusterDNSUnhealthy, NodeResolverUnhealthy: servers, names, rcodes, errors
 * - IptablesRestoreFailing: errors, failures (sum of increases in the window),
 *   failuresTotal (sum), firstFailure, lastFailure, oldestSuccessfulSync (RFC 3339)
 * - ConntrackTableFull: fullestPercent, drops (sum)
 * - NodeIOPressure: fullAvg60 and someAvg60 (the highest, percent), blockedTasks (sum),
 *   tasks (`comm:pid` the kernel named blocked)
 * - NodePIDsExhausted: pidsInUse (max `inUse`), pidsPercent (max `percent` of the smaller of
 *   pid_max and threads-max)
 * - AutomaticUpgradeScheduled: timers, units, schedules (OnCalendar), randomizedDelay
 *   (the longest, Go duration), randomizedDelaySeconds, nextRun (earliest at or after now)
 * - PackageUpgradeInProgress: units, timers, scheduled, started (earliest), delays, notable
 *   (packages `name@version`)
 * - PackageUpgradeFailed: results (timeout, exit-code…), units, halfInstalled (max), packages, exitCodes
 * - RebootRequired: newestKernel, runningKernels, installedBy
 */

import { listField, parseAgentMessage, parseGoDuration } from '../kube/agent-message.ts';
import { type AgentConditionType, agentConditionTypes } from '../kube/node-agent-conditions.ts';
import { isLeaving, type NodeCondition, type NodeObject } from './node-attributes.ts';
import { type Detector, type Evidence, type Severity, type Signal, uniqueSorted } from './signal.ts';
import type { AgentConditionFacts } from './signal-kinds.ts';
import { isoSeconds, timeMs } from './timestamps.ts';

/** Two 5 min heartbeats plus 1 min. */
export const agentStaleMs = 11 * 60_000;

const networkTypes = new Set<string>([
  'KubernetesServiceVIPUnreachable',
  'APIEndpointUnreachable',
  'ClusterDNSUnhealthy',
  'NodeResolverUnhealthy',
  'ProbeServiceUnreachable',
  'PodNetworkPeersUnreachable',
]);
const stateTypes = new Set<string>(['AutomaticUpgradeScheduled', 'RebootRequired']);

/** Fact name → message field, collected as unique sorted lists; list fields are split. */
const listFacts: Record<AgentConditionType, Record<string, string>> = {
  KubernetesServiceVIPUnreachable: {
    targets: 'target',
    services: 'service',
    stages: 'stage',
    errors: 'error',
  },
  ProbeServiceUnreachable: { targets: 'target', services: 'service', stages: 'stage', errors: 'error' },
  PodNetworkPeersUnreachable: {
    unreachable: 'unreachable',
    stalled: 'stalled',
    services: 'service',
    errors: 'error',
  },
  APIEndpointUnreachable: { targets: 'target', reachable: 'reachable', stages: 'stage', errors: 'error' },
  ClusterDNSUnhealthy: { servers: 'server', names: 'name', rcodes: 'rcode', errors: 'error' },
  NodeResolverUnhealthy: { servers: 'server', names: 'name', rcodes: 'rcode', errors: 'error' },
  KubeletUnhealthy: { targets: 'target', errors: 'error' },
  IptablesRestoreFailing: { errors: 'error' },
  ConntrackTableFull: {},
  NodeIOPressure: { tasks: 'tasks' },
  NodePIDsExhausted: {},
  AutomaticUpgradeScheduled: { timers: 'timer', units: 'unit', schedules: 'onCalendar' },
  PackageUpgradeInProgress: {
    units: 'unit',
    timers: 'timer',
    scheduled: 'scheduled',
    delays: 'delay',
    notable: 'notable',
  },
  PackageUpgradeFailed: {
    results: 'result',
    units: 'unit',
    packages: 'packages',
    exitCodes: 'exitCode',
  },
  RebootRequired: { runningKernels: 'running', installedBy: 'installedBy' },
};
const splitFields = new Set([
  'target',
  'reachable',
  'notable',
  'packages',
  'unreachable',
  'stalled',
  'tasks',
]);

interface Report {
  node: string;
  condition: NodeCondition;
  stale: boolean;
  groups: Record<string, string>[];
  fields: Record<string, string>;
}

/** The per-type part of an agent signal's facts. */
type Facts = Partial<AgentConditionFacts>;

function sum(reports: Report[], field: string): number {
  return reports.reduce((s, r) => s + (Number(r.fields[field]) || 0), 0);
}

function highest(reports: Report[], field: string): number {
  return reports.reduce((m, r) => Math.max(m, Number(r.fields[field]) || 0), 0);
}

function times(reports: Report[], field: string): number[] {
  return reports.map((r) => timeMs(r.fields[field])).filter((t): t is number => t !== undefined);
}

/** Kernel release strings compared by their numbers: 6.1.0-13 is newer than 6.1.0-9. */
function newerKernel(a: string, b: string): boolean {
  const pa = a.match(/\d+/g)?.map(Number) ?? [];
  const pb = b.match(/\d+/g)?.map(Number) ?? [];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    if ((pa[i] ?? -1) !== (pb[i] ?? -1)) return (pa[i] ?? -1) > (pb[i] ?? -1);
  }
  return false;
}

/** The per-type facts that are not plain lists. */
function computedFacts(type: AgentConditionType, reports: Report[], nowMs: number): Facts {
  switch (type) {
    case 'IptablesRestoreFailing': {
      const first = times(reports, 'first');
      const last = times(reports, 'last');
      const synced = times(reports, 'lastSuccessfulSync');
      return {
        failures: sum(reports, 'failures'),
        failuresTotal: sum(reports, 'failuresTotal'),
        firstFailure: first.length ? isoSeconds(Math.min(...first)) : '',
        lastFailure: last.length ? isoSeconds(Math.max(...last)) : '',
        oldestSuccessfulSync: synced.length ? isoSeconds(Math.min(...synced)) : '',
      };
    }
    case 'ConntrackTableFull': {
      let fullest = 0;
      for (const r of reports) {
        const count = Number(r.fields.count);
        const max = Number(r.fields.max);
        if (count > 0 && max > 0) fullest = Math.max(fullest, Math.round((count / max) * 100));
      }
      return { fullestPercent: fullest, drops: sum(reports, 'drops') };
    }
    case 'NodeIOPressure': {
      const most = (field: string) => highest(reports, field);
      return {
        fullAvg60: most('fullAvg60'),
        someAvg60: most('someAvg60'),
        blockedTasks: sum(reports, 'blockedTasks'),
      };
    }
    case 'NodePIDsExhausted': {
      return { pidsInUse: highest(reports, 'inUse'), pidsPercent: highest(reports, 'percent') };
    }
    case 'AutomaticUpgradeScheduled': {
      let longest = 0;
      let longestText = '';
      const next: number[] = [];
      for (const r of reports)
        for (const g of r.groups) {
          const d = parseGoDuration(g.randomizedDelay);
          if (d !== undefined && d >= longest) {
            longest = d;
            longestText = g.randomizedDelay;
          }
          const n = timeMs(g.nextRun);
          if (n !== undefined && n >= nowMs) next.push(n);
        }
      return {
        randomizedDelay: longestText,
        randomizedDelaySeconds: Math.round(longest / 1000),
        nextRun: next.length ? isoSeconds(Math.min(...next)) : '',
      };
    }
    case 'PackageUpgradeInProgress': {
      const started = times(reports, 'started');
      return { started: started.length ? isoSeconds(Math.min(...started)) : '' };
    }
    case 'PackageUpgradeFailed':
      return { halfInstalled: reports.reduce((m, r) => Math.max(m, Number(r.fields.halfInstalled) || 0), 0) };
    case 'RebootRequired': {
      let newest = '';
      for (const r of reports) {
        const k = r.fields.installed;
        if (k && (!newest || newerKernel(k, newest))) newest = k;
      }
      return { newestKernel: newest };
    }
    default:
      return {};
  }
}

function listedFacts(type: AgentConditionType, reports: Report[]): Facts {
  const out: Facts = {};
  for (const [fact, field] of Object.entries(listFacts[type])) {
    const values: string[] = [];
    for (const r of reports)
      for (const g of r.groups) {
        const v = g[field];
        if (v === undefined || v === '') continue;
        if (splitFields.has(field)) values.push(...listField(v).items);
        else values.push(v);
      }
    (out as Record<string, unknown>)[fact] = uniqueSorted(values);
  }
  return out;
}

function severityOf(type: string, fresh: number, reporting: number): Severity {
  if (stateTypes.has(type)) return 'info';
  if (networkTypes.has(type) && fresh >= 2 && fresh >= reporting / 2) return 'critical';
  return 'warning';
}

function sinceOf(r: Report): number | undefined {
  return timeMs(r.fields.since) ?? timeMs(r.condition.lastTransitionTime);
}

export const nodeAgent: Detector = (view, nowMs) => {
  const known = new Set<string>(agentConditionTypes);
  const trueReports = new Map<string, Report[]>();
  const reporting = new Map<string, number>();
  for (const n of view.list('nodes') as NodeObject[]) {
    if (isLeaving(n)) continue;
    for (const c of n.status?.conditions ?? []) {
      if (!known.has(c.type)) continue;
      const beat = timeMs(c.lastHeartbeatTime);
      const stale = beat === undefined || nowMs - beat > agentStaleMs;
      if (!stale && (c.status === 'True' || c.status === 'False'))
        reporting.set(c.type, (reporting.get(c.type) ?? 0) + 1);
      if (c.status !== 'True') continue;
      const parsed = parseAgentMessage(c.message ?? '');
      const list = trueReports.get(c.type) ?? [];
      list.push({ node: n.metadata.name, condition: c, stale, groups: parsed.groups, fields: parsed.fields });
      trueReports.set(c.type, list);
    }
  }
  const out: Signal[] = [];
  for (const type of agentConditionTypes) {
    const reports = trueReports.get(type);
    if (!reports) continue;
    reports.sort((a, b) => a.node.localeCompare(b.node));
    out.push(agentSignal(type, reports, reporting.get(type) ?? 0, nowMs));
  }
  return out;
};

function agentSignal(
  type: AgentConditionType,
  reports: Report[],
  nodesReporting: number,
  nowMs: number,
): Signal {
  const nodes = reports.map((r) => r.node);
  const staleNodes = reports.filter((r) => r.stale).map((r) => r.node);
  const fresh = reports.length - staleNodes.length;
  const sinces = reports.map(sinceOf).filter((t): t is number => t !== undefined);
  const sinceMs = sinces.length ? Math.min(...sinces) : nowMs;
  const reasons = uniqueSorted(reports.map((r) => r.condition.reason ?? '').filter(Boolean));
  return {
    detector: 'node-agent',
    kind: 'agent-condition',
    subject: `condition/${type}`,
    severity: severityOf(type, fresh, nodesReporting),
    sinceMs,
    summary:
      `${type} on ${nodes.length} of ${Math.max(nodesReporting, fresh)} reporting node(s)` +
      `${reasons.length ? ` (${reasons.join(', ')})` : ''}${staleNodes.length ? `, ${staleNodes.length} stale` : ''}` +
      `; see kubectl describe node ${nodes[0]}`,
    scope: { nodes },
    facts: {
      type,
      nodes,
      count: nodes.length,
      staleNodes,
      nodesReporting,
      fraction: nodesReporting ? Math.round((fresh / nodesReporting) * 1000) / 1000 : 0,
      reasons,
      firstSince: isoSeconds(sinceMs),
      ...listedFacts(type, reports),
      ...computedFacts(type, reports, nowMs),
    },
    evidence: reports.slice(0, 5).map(
      (r): Evidence => ({
        source: 'agent',
        ref: `node/${r.node}`,
        atMs: sinceOf(r),
        text: `${type}=True ${r.condition.reason ?? ''}${r.stale ? ' (stale)' : ''}: ${r.condition.message ?? ''}`,
      }),
    ),
  };
}

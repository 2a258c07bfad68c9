/**
 * Changes that can precede an outage, over the last 24 h (a day, because an upgrade step
 * rolled back one afternoon can break things the next): Deployment rollouts, DaemonSet
 * image changes (kube-proxy, CNI and DNS among them), node kubelet/kernel/OS/runtime
 * changes, nodes joining and leaving, and the control plane's version. Whether a change
 * caused anything is the patterns' call; this only lists what changed, when, from what to
 * what. Background churn is expected here, hence severity info.
 *
 * Read from the view's transitions (what changed while we watched) and from objects (what
 * changed before: a Deployment's newest ReplicaSet, a DaemonSet whose pods still run the
 * old image, a node's creation time, the OS packages the node agent saw an upgrade
 * install), and from the `/version` probe answers.
 *
 * Emits `change` (severity info). Subject: `workload/<ns>/<Kind>/<name>` for workload
 * changes, `cluster` for node and control-plane changes (several `change` signals can share
 * it; `what`, `from`, `to` tell them apart). Facts:
 * - what: rollout | daemonset-image | daemonset-created | node-version | node-kernel | node-os | node-runtime |
 *   node-labels | node-taints (changed keys only; the controller's own node.kubernetes.io/
 *   taints are symptoms and left out) | node-added | node-removed | control-plane-version
 * - from, to: the old and new value: template images (`container=image,…`, or `revision N`
 *   when only the revision is known), kubelet/kernel/OS/runtime version, gitVersion; for
 *   node-added `to` and node-removed `from` is the nodes' kubelet version ('' otherwise);
 *   for node-os from an upgrade the agent saw, `to` is the notable packages it installs
 *   (`name@version,…`) and `from` is '' (the agent does not report the old versions)
 * - count: nodes changed (node-*), nodes the DaemonSet schedules on (daemonset-image,
 *   daemonset-created: a new per-node agent is a change to every node it lands on),
 *   desired replicas (rollout), 1 (control-plane-version)
 * - at, lastAt: RFC 3339 of the first and last change in the group
 * - nodes: the nodes changed (node-* only, else [])
 * - namespace, workload (`ns/Kind/name`) ('' for node and control-plane changes)
 * - component: service-proxy | dns | cni | '' (by the workload's name)
 * - systemComponent: the workload is in kube-system
 * - clusterNodes: nodes in the cluster now (how much of the fleet a node change touched)
 */

import { parseAgentMessage } from '../kube/agent-message.ts';
import type { KubeObject } from '../kube/observations.ts';
import type { ClusterView } from '../observe/cluster-view.ts';
import { templateImages } from '../observe/transitions.ts';
import { conditionOf } from './node-attributes.ts';
import { controllerOf } from './pod-owner.ts';
import { probeGitVersion } from './probe-version.ts';
import type { Detector, Evidence, EvidenceSource, Signal } from './signal.ts';
import type { ChangeFacts, ChangeWhat } from './signal-kinds.ts';
import { isoSeconds, timeMs } from './timestamps.ts';

export const changeWindowMs = 24 * 3_600_000;
/** Nodes created within this of the oldest node are the cluster's first nodes, not additions. */
const clusterCreationSlackMs = 10 * 60_000;
/** A rollout seen in transitions and in its ReplicaSet within this is the same rollout. */
const sameChangeMs = 10 * 60_000;

interface Change {
  what: ChangeWhat;
  atMs: number;
  lastAtMs: number;
  from: string;
  to: string;
  count: number;
  nodes: string[];
  namespace: string;
  workload: string;
  evidence: Evidence[];
}

const nodeInfoWhat: Record<string, ChangeWhat> = {
  'nodeInfo/kubeletVersion': 'node-version',
  'nodeInfo/kernelVersion': 'node-kernel',
  'nodeInfo/osImage': 'node-os',
  'nodeInfo/containerRuntimeVersion': 'node-runtime',
};

export function componentOf(name: string): ChangeFacts['component'] {
  if (/^(kube-proxy|kube-router)/.test(name)) return 'service-proxy';
  if (/(coredns|kube-dns|node-local-dns|nodelocaldns)/.test(name)) return 'dns';
  if (
    /(calico|cilium|flannel|weave|canal|antrea|aws-node|azure-cni|azure-cns|kindnet|kube-ovn|multus|cni)/.test(
      name,
    )
  )
    return 'cni';
  return '';
}

interface WorkloadObject extends KubeObject {
  spec?: { replicas?: number };
  status?: { desiredNumberScheduled?: number; updatedNumberScheduled?: number };
}

/** Node changes of one kind, from and to the same values, are one change on N nodes. */
class NodeChanges {
  private readonly groups = new Map<string, Change>();

  add(
    what: ChangeWhat,
    node: string,
    from: string,
    to: string,
    atMs: number,
    text: string,
    source: EvidenceSource = 'transition',
  ): void {
    const key = `${what}\n${from}\n${to}`;
    let g = this.groups.get(key);
    if (!g) {
      g = {
        what,
        atMs,
        lastAtMs: atMs,
        from,
        to,
        count: 0,
        nodes: [],
        namespace: '',
        workload: '',
        evidence: [],
      };
      this.groups.set(key, g);
    }
    if (!g.nodes.includes(node)) g.nodes.push(node);
    g.count = g.nodes.length;
    g.atMs = Math.min(g.atMs, atMs);
    g.lastAtMs = Math.max(g.lastAtMs, atMs);
    if (g.evidence.length < 5) g.evidence.push({ source, ref: `node/${node}`, atMs, text });
  }

  list(): Change[] {
    return [...this.groups.values()];
  }
}

function workloadChange(
  what: ChangeWhat,
  o: WorkloadObject | undefined,
  key: string,
  kind: string,
  atMs: number,
  from: string,
  to: string,
  evidence: Evidence,
): Change {
  const [namespace, name] = key.split('/');
  const count = what === 'rollout' ? (o?.spec?.replicas ?? 1) : (o?.status?.desiredNumberScheduled ?? 0);
  return {
    what,
    atMs,
    lastAtMs: atMs,
    from,
    to,
    count,
    nodes: [],
    namespace,
    workload: `${namespace}/${kind}/${name}`,
    evidence: [evidence],
  };
}

/** Workload and node changes seen as they happened. */
function watchedChanges(view: ClusterView, fromMs: number, nowMs: number, nodes: NodeChanges): Change[] {
  const out: Change[] = [];
  const revisions = new Map<string, { from?: string; to?: string; atMs: number }>();
  for (const t of view.transitions.within(fromMs, nowMs)) {
    if (t.resource === 'nodes') {
      const what = nodeInfoWhat[t.field];
      if (what && t.from && t.to)
        nodes.add(what, t.key, t.from, t.to, t.atMs, `${t.field.slice(9)} ${t.from} → ${t.to}`);
      if (t.field === 'deleted') {
        const v = t.detail?.kubeletVersion ?? '';
        nodes.add('node-removed', t.key, v, '', t.atMs, 'node deleted');
      }
      if (t.field === 'labels')
        nodes.add(
          'node-labels',
          t.key,
          t.from ?? '',
          t.to ?? '',
          t.atMs,
          `labels ${t.from || '(none)'} → ${t.to || '(none)'}`,
        );
      if (t.field === 'taints' && t.from !== undefined) {
        // The node lifecycle controller's own taints (not-ready, unreachable, pressure) follow
        // the node's health: symptoms, not changes someone made.
        const own = (x: string | undefined) =>
          (x ?? '')
            .split(',')
            .filter((k) => k && !k.startsWith('node.kubernetes.io/'))
            .join(',');
        const from = own(t.from);
        const to = own(t.to);
        if (from !== to)
          nodes.add('node-taints', t.key, from, to, t.atMs, `taints ${from || '(none)'} → ${to || '(none)'}`);
      }
      continue;
    }
    if ((t.resource === 'deployments' || t.resource === 'daemonsets') && t.field === 'template/images') {
      const kind = t.resource === 'deployments' ? 'Deployment' : 'DaemonSet';
      const what = t.resource === 'deployments' ? 'rollout' : 'daemonset-image';
      const o = view.get(t.resource, t.key) as WorkloadObject | undefined;
      out.push(
        workloadChange(what, o, t.key, kind, t.atMs, t.from ?? '', t.to ?? '', {
          source: 'transition',
          ref: `${kind.toLowerCase()}/${t.key}`,
          atMs: t.atMs,
          text: `pod template images ${t.from} → ${t.to}`,
        }),
      );
    }
    if (t.resource === 'deployments' && t.field === 'revision' && t.from)
      revisions.set(`${t.key}\n${t.atMs}`, { from: t.from, to: t.to, atMs: t.atMs });
  }
  // A new revision without an image change is still a rollout (config, env, resources).
  for (const [k, r] of revisions) {
    const key = k.split('\n')[0];
    const workload = `${key.split('/')[0]}/Deployment/${key.split('/')[1]}`;
    if (out.some((c) => c.workload === workload && Math.abs(c.atMs - r.atMs) < sameChangeMs)) continue;
    const o = view.get('deployments', key) as WorkloadObject | undefined;
    out.push(
      workloadChange('rollout', o, key, 'Deployment', r.atMs, `revision ${r.from}`, `revision ${r.to}`, {
        source: 'transition',
        ref: `deployment/${key}`,
        atMs: r.atMs,
        text: `revision ${r.from} → ${r.to}`,
      }),
    );
  }
  return out;
}

/** Rollouts that began before we watched: a Deployment's newest ReplicaSet is recent. */
function replicaSetRollouts(view: ClusterView, fromMs: number, nowMs: number, seen: Change[]): Change[] {
  const byDeployment = new Map<string, { rs: KubeObject; atMs: number }[]>();
  for (const rs of view.list('replicasets')) {
    const owner = controllerOf(rs);
    const atMs = timeMs(rs.metadata.creationTimestamp);
    if (owner?.kind !== 'Deployment' || atMs === undefined) continue;
    const key = `${rs.metadata.namespace}/${owner.name}`;
    const list = byDeployment.get(key) ?? [];
    list.push({ rs, atMs });
    byDeployment.set(key, list);
  }
  const out: Change[] = [];
  for (const [key, list] of byDeployment) {
    if (list.length < 2) continue;
    list.sort((a, b) => a.atMs - b.atMs);
    const newest = list[list.length - 1];
    const previous = list[list.length - 2];
    if (newest.atMs < fromMs || newest.atMs > nowMs) continue;
    const [ns, name] = key.split('/');
    const workload = `${ns}/Deployment/${name}`;
    const to = templateImages(newest.rs);
    if (
      seen.some(
        (c) => c.workload === workload && (c.to === to || Math.abs(c.atMs - newest.atMs) < sameChangeMs),
      )
    )
      continue;
    const o = view.get('deployments', key) as WorkloadObject | undefined;
    out.push(
      workloadChange('rollout', o, key, 'Deployment', newest.atMs, templateImages(previous.rs), to, {
        source: 'object',
        ref: `replicaset/${ns}/${newest.rs.metadata.name}`,
        atMs: newest.atMs,
        text: `new ReplicaSet created ${isoSeconds(newest.atMs)}, replacing ${previous.rs.metadata.name}`,
      }),
    );
  }
  return out;
}

interface PodObject extends KubeObject {
  spec?: {
    containers?: { name: string; image?: string }[];
    initContainers?: { name: string; image?: string }[];
  };
}

function podImages(p: PodObject): string {
  return templateImages({ spec: { template: { spec: p.spec } } });
}

/**
 * DaemonSets still rolling out with no change on record: their pods on the old image say
 * from what. DaemonSets replace pods node by node, so a rollout can last long.
 */
function daemonSetRollouts(view: ClusterView, seen: Change[]): Change[] {
  const rolling = new Map<string, WorkloadObject>();
  for (const d of view.list('daemonsets') as WorkloadObject[]) {
    const s = d.status;
    const key = `${d.metadata.namespace}/${d.metadata.name}`;
    if (
      s?.updatedNumberScheduled === undefined ||
      s.updatedNumberScheduled >= (s.desiredNumberScheduled ?? 0)
    )
      continue;
    if (seen.some((c) => c.workload === `${d.metadata.namespace}/DaemonSet/${d.metadata.name}`)) continue;
    rolling.set(key, d);
  }
  if (rolling.size === 0) return [];
  const found = new Map<string, { old: Map<string, number>; firstNewMs?: number }>();
  for (const p of view.list('pods') as PodObject[]) {
    const owner = controllerOf(p);
    if (owner?.kind !== 'DaemonSet') continue;
    const key = `${p.metadata.namespace}/${owner.name}`;
    const d = rolling.get(key);
    if (!d) continue;
    const f = found.get(key) ?? { old: new Map<string, number>() };
    const images = podImages(p);
    if (images !== templateImages(d)) f.old.set(images, (f.old.get(images) ?? 0) + 1);
    else {
      const at = timeMs(p.metadata.creationTimestamp);
      if (at !== undefined) f.firstNewMs = Math.min(f.firstNewMs ?? at, at);
    }
    found.set(key, f);
  }
  const out: Change[] = [];
  for (const [key, f] of found) {
    const d = rolling.get(key)!;
    const from = [...f.old].sort((a, b) => b[1] - a[1])[0]?.[0];
    if (!from || f.firstNewMs === undefined) continue;
    out.push(
      workloadChange('daemonset-image', d, key, 'DaemonSet', f.firstNewMs, from, templateImages(d), {
        source: 'object',
        ref: `daemonset/${key}`,
        atMs: f.firstNewMs,
        text: `${d.status?.updatedNumberScheduled} of ${d.status?.desiredNumberScheduled} pods updated; others still run ${from}`,
      }),
    );
  }
  return out;
}

/** When the cluster's first nodes were created: objects from then on were part of building it. */
function clusterBuiltMs(view: ClusterView): number {
  let oldest = Number.POSITIVE_INFINITY;
  for (const n of view.list('nodes'))
    oldest = Math.min(oldest, timeMs(n.metadata.creationTimestamp) ?? oldest);
  return oldest + clusterCreationSlackMs;
}

/**
 * DaemonSets created after the cluster was built: a new agent on every node (monitoring,
 * security, telemetry) adds its load and its API clients to the whole fleet at once.
 */
function createdDaemonSets(view: ClusterView, fromMs: number, nowMs: number): Change[] {
  const built = clusterBuiltMs(view);
  const out: Change[] = [];
  for (const d of view.list('daemonsets') as WorkloadObject[]) {
    const at = timeMs(d.metadata.creationTimestamp);
    if (at === undefined || at < fromMs || at > nowMs || at <= built) continue;
    const key = `${d.metadata.namespace}/${d.metadata.name}`;
    out.push(
      workloadChange('daemonset-created', d, key, 'DaemonSet', at, '', templateImages(d), {
        source: 'object',
        ref: `daemonset/${key}`,
        atMs: at,
        text: `DaemonSet created ${isoSeconds(at)}; ${d.status?.desiredNumberScheduled ?? 0} node(s) to run it`,
      }),
    );
  }
  return out;
}

/** Nodes that joined after the cluster's first nodes, grouped by kubelet version. */
function addedNodes(view: ClusterView, fromMs: number, nowMs: number, nodes: NodeChanges): void {
  const built = clusterBuiltMs(view);
  for (const n of view.list('nodes')) {
    const at = timeMs(n.metadata.creationTimestamp);
    if (at === undefined || at < fromMs || at > nowMs || at <= built) continue;
    const version = (n.status as { nodeInfo?: { kubeletVersion?: string } } | undefined)?.nodeInfo
      ?.kubeletVersion;
    nodes.add(
      'node-added',
      n.metadata.name,
      '',
      version ?? '',
      at,
      `node created ${isoSeconds(at)}`,
      'object',
    );
  }
}

/**
 * OS packages an upgrade installs on a node, as the node agent reports it on the Node
 * (docs/node-agent-report.md §3, `PackageUpgradeInProgress`): the run still going
 * (`notable`, since `started`; a node that drops off mid-run keeps this) or the last one
 * (`lastNotable`, at `lastRun`). Only the notable packages (kernel, systemd, libc, the
 * runtime, kubelet, iptables) change a node under its pods; the same set on many nodes is
 * one OS change, like a new osImage. An unattended upgrade changes the OS without touching
 * nodeInfo: systemd or libc move, and the kernel only shows after a reboot.
 */
function packageUpgrades(view: ClusterView, fromMs: number, nowMs: number, nodes: NodeChanges): void {
  for (const n of view.list('nodes')) {
    const c = conditionOf(n, 'PackageUpgradeInProgress');
    if (!c?.message) continue;
    const f = parseAgentMessage(c.message).fields;
    const running = c.status === 'True';
    const to = running ? f.notable : f.lastNotable;
    const atMs = timeMs(running ? f.started : f.lastRun);
    if (!to || atMs === undefined || atMs < fromMs || atMs > nowMs) continue;
    const text = running
      ? `upgrading ${to} since ${f.started} (${f.unit ?? 'package manager'})`
      : `upgraded ${to} at ${f.lastRun} (${f.lastUnit ?? '?'}, ${f.lastResult ?? '?'})`;
    nodes.add('node-os', n.metadata.name, '', to, atMs, text, 'object');
  }
}

/** The API server's gitVersion changing between two answers of our `/version` probe. */
function controlPlaneChanges(view: ClusterView, fromMs: number, nowMs: number): Change[] {
  const out: Change[] = [];
  let previous: string | undefined;
  for (const p of view.probes.toArray()) {
    if (p.check !== 'version' || p.atMs > nowMs) continue;
    const version = probeGitVersion(p);
    if (!version) continue;
    if (previous && version !== previous && p.atMs >= fromMs)
      out.push({
        what: 'control-plane-version',
        atMs: p.atMs,
        lastAtMs: p.atMs,
        from: previous,
        to: version,
        count: 1,
        nodes: [],
        namespace: '',
        workload: '',
        evidence: [
          {
            source: 'probe',
            ref: 'probe/version',
            atMs: p.atMs,
            text: `gitVersion ${previous} → ${version}`,
          },
        ],
      });
    previous = version;
  }
  return out;
}

function summaryOf(c: Change): string {
  const when = isoSeconds(c.atMs);
  switch (c.what) {
    case 'rollout':
    case 'daemonset-image': {
      const [ns, kind, name] = c.workload.split('/');
      return `${kind} ${ns}/${name} changed ${c.from || '?'} → ${c.to} at ${when}; kubectl rollout history ${kind.toLowerCase()}/${name} -n ${ns}`;
    }
    case 'daemonset-created': {
      const [ns, , name] = c.workload.split('/');
      return `DaemonSet ${ns}/${name} created at ${when}, on ${c.count} node(s) (${c.to}); kubectl describe daemonset ${name} -n ${ns}`;
    }
    case 'node-added':
      return `${c.count} node(s) joined (kubelet ${c.to || '?'}) from ${when}: ${c.nodes.slice(0, 5).join(', ')}`;
    case 'node-removed':
      return `${c.count} node(s) left the cluster from ${when}: ${c.nodes.slice(0, 5).join(', ')}`;
    case 'control-plane-version':
      return `API server version ${c.from} → ${c.to} at ${when}; kubectl version`;
    case 'node-os':
      if (!c.from)
        return `OS packages upgraded (${c.to}) on ${c.count} node(s) from ${when}: ${c.nodes.slice(0, 5).join(', ')}; kubectl describe node ${c.nodes[0]} | grep -A2 PackageUpgrade`;
      return `node os ${c.from} → ${c.to} on ${c.count} node(s) from ${when}; kubectl get nodes -o wide`;
    case 'node-labels':
    case 'node-taints':
      return `${c.what.replace('node-', 'node ')} ${c.from || '(none)'} → ${c.to || '(none)'} on ${c.count} node(s) from ${when}: ${c.nodes.slice(0, 5).join(', ')}; kubectl get nodes --show-labels`;
    default:
      return `${c.what.replace('node-', 'node ')} ${c.from} → ${c.to} on ${c.count} node(s) from ${when}; kubectl get nodes -o wide`;
  }
}

export const changeEvents: Detector = (view, nowMs) => {
  const fromMs = nowMs - changeWindowMs;
  const nodes = new NodeChanges();
  const workloads = watchedChanges(view, fromMs, nowMs, nodes);
  workloads.push(...replicaSetRollouts(view, fromMs, nowMs, workloads));
  workloads.push(...daemonSetRollouts(view, workloads));
  workloads.push(...createdDaemonSets(view, fromMs, nowMs));
  addedNodes(view, fromMs, nowMs, nodes);
  packageUpgrades(view, fromMs, nowMs, nodes);
  const changes = [...workloads, ...nodes.list(), ...controlPlaneChanges(view, fromMs, nowMs)];
  const clusterNodes = view.count('nodes');
  return changes
    .sort((a, b) => a.atMs - b.atMs || a.what.localeCompare(b.what))
    .map((c): Signal => {
      const name = c.workload.split('/')[2] ?? '';
      return {
        detector: 'change-events',
        kind: 'change',
        subject: c.workload ? `workload/${c.workload}` : 'cluster',
        severity: 'info',
        sinceMs: c.atMs,
        summary: summaryOf(c),
        scope: {
          ...(c.nodes.length ? { nodes: [...c.nodes].sort() } : {}),
          ...(c.namespace ? { namespaces: [c.namespace], workloads: [c.workload] } : {}),
        },
        facts: {
          what: c.what,
          from: c.from,
          to: c.to,
          count: c.count,
          at: isoSeconds(c.atMs),
          lastAt: isoSeconds(c.lastAtMs),
          nodes: [...c.nodes].sort(),
          namespace: c.namespace,
          workload: c.workload,
          component: componentOf(name),
          systemComponent: c.namespace === 'kube-system',
          clusterNodes,
        },
        evidence: c.evidence,
      };
    });
};

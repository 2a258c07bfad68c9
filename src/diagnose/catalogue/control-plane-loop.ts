/**
 * A control-plane component in a restart loop: its static pod's containers restart again
 * and again (restartCount climbing, the last run ended in Error or killed by its liveness
 * probe). When the controller-manager and the scheduler restart at the same minutes, in
 * bursts, they lost their leader leases together: what they both wait on (etcd, through the
 * API server) stalls in bursts, past the lease's renew deadline, and each stall costs a
 * restart and the work the leader was doing. The cluster looks healthy between bursts.
 *
 * A second way in, before any restart can be posted: when etcd raises an alarm (NOSPACE)
 * it refuses every write, so the kubelets cannot post the restarts they cause. If etcd's
 * liveness probe asks plain `/health` (kubeadm before 1.25), that probe fails under the
 * alarm and the kubelet kills etcd at every probe period: a loop that only the stalled
 * writes and the probe's path show until the alarm clears.
 *
 * Told apart from: an API server slow or failing all along (control-plane-degraded: no
 * bursts, no restarts), the API server unreachable (nothing answers at all), nodes rebooting
 * (every pod on them restarts, and the nodes go NotReady).
 */
import type { SignalOf } from '../../detect/signal.ts';
import { nodeTrouble } from '../evidence/node-trouble.ts';
import { definePattern } from '../pattern.ts';
import type { SignalQuery } from '../query.ts';
import { at, count, names, said } from '../slots.ts';

/** Restarts closer than this belong to one burst. */
const burstGapMs = 2 * 60_000;

/** Bursts of restarts across the components: each a time at which two or more of them restarted. */
export function sharedBursts(loops: readonly SignalOf<'control-plane-restarts'>[]): number[] {
  const marks = loops
    .flatMap((s) => s.facts.restartTimes.map((t) => ({ at: Date.parse(t), who: s.facts.component })))
    .filter((m) => Number.isFinite(m.at))
    .sort((a, b) => a.at - b.at);
  const bursts: number[] = [];
  let start = 0;
  for (let i = 0; i <= marks.length; i++) {
    if (i < marks.length && i > start && marks[i].at - marks[i - 1].at <= burstGapMs) continue;
    const who = new Set(marks.slice(start, i).map((m) => m.who));
    if (who.size >= 2) bursts.push(marks[start].at);
    start = i;
  }
  return bursts;
}

export function restartLoops(q: SignalQuery) {
  const loops = q.of('control-plane-restarts');
  return { loops, bursts: sharedBursts(loops) };
}

export const controlPlaneLoop = definePattern((q) => {
  const { loops, bursts } = restartLoops(q);
  const down = nodeTrouble(q).affected;
  const onNodesDown = loops.filter((s) => s.facts.nodes.some((n) => down.has(n)));
  const restarts = loops.reduce((s, l) => s + l.facts.restarts, 0);
  // Writes refused cluster-wide while etcd's probe fails under the alarm behind them.
  const killedByProbe = q.of('writes-stalled').find((s) => s.facts.etcdProbesFailOnAlarm.length > 0);
  const onset = Math.min(...loops.map((l) => l.sinceMs), killedByProbe?.sinceMs ?? q.nowMs, q.nowMs);
  return [{ loops, bursts, onNodesDown, restarts, killedByProbe, onset }];
})({
  id: 'control-plane-component-loop',
  family: 'control-plane',
  layer: 'control-plane',
  title: 'A control-plane component keeps restarting',
  summary:
    "A control-plane component is in a restart loop: its static pod's containers restart again and again. When the controller-manager and the scheduler restart at the same minutes, in bursts, they lost their leader leases together because what they both wait on (etcd, through the API server) stalls past the lease's renew deadline; the cluster looks healthy between bursts. Told apart from an API server slow all along (no bursts, no restarts), an API server that does not answer at all, and nodes rebooting (every pod on them restarts).",
  clusterLevel: true,
  base: 0.55,
  requires: [
    {
      id: 'components-restart',
      weight: 0,
      reason:
        'a control-plane component restarting two or more times in three hours, or etcd failing its own probe while writes are refused',
      reads: ['control-plane-restarts', 'writes-stalled'],
      test: (c) =>
        c.loops.length ? { signals: c.loops } : c.killedByProbe ? { signals: [c.killedByProbe] } : undefined,
    },
  ],
  supports: [
    {
      id: 'own-probe-kills-etcd',
      weight: 0.2,
      reason:
        "no write has landed since {stallSince} though reads are answered, as under an etcd alarm (NOSPACE), and etcd's liveness probe on {etcdPods} asks plain /health, which fails under any alarm: the kubelet kills etcd at every period",
      reads: ['writes-stalled'],
      test: (c) =>
        c.killedByProbe
          ? {
              signals: [c.killedByProbe],
              slots: {
                stallSince: said(c.killedByProbe.facts.lastRenewal, c.killedByProbe)!,
                etcdPods: names(c.killedByProbe.facts.etcdProbesFailOnAlarm, c.killedByProbe)!,
              },
            }
          : undefined,
    },
    {
      id: 'restart-together-in-bursts',
      weight: 0.15,
      reason:
        '{componentCount} components restarted at the same minutes, {burstCount} time(s): what they share stalls',
      reads: ['control-plane-restarts'],
      test: (c) =>
        c.bursts.length
          ? {
              signals: c.loops,
              slots: {
                componentCount: count(c.loops.length, c.loops)!,
                burstCount: count(c.bursts.length, c.loops)!,
              },
            }
          : undefined,
    },
    {
      id: 'keeps-looping',
      weight: 0.15,
      reason: 'they restarted {restarts} times in all: a loop, not a one-off',
      reads: ['control-plane-restarts'],
      test: (c) =>
        c.restarts >= 5 ? { signals: c.loops, slots: { restarts: count(c.restarts, c.loops)! } } : undefined,
    },
  ],
  against: [
    {
      id: 'their-nodes-went-down',
      weight: -0.35,
      reason: 'the nodes they run on were NotReady or silent: a reboot restarts every pod on it',
      reads: ['node-not-ready', 'node-heartbeat-lag'],
      test: (c) => (c.onNodesDown.length ? { signals: c.onNodesDown } : undefined),
    },
  ],
  severity: (c) => (c.loops.some((l) => l.severity === 'critical') ? 'critical' : 'warning'),
  onset: (c) => c.onset,
  blastRadius: (c) => ({
    namespaces: ['kube-system'],
    nodes: [...new Set(c.loops.flatMap((l) => l.facts.nodes))].sort(),
  }),
  evidence: (c) => [...c.loops, ...(c.killedByProbe ? [c.killedByProbe] : [])],
  slots: {
    who: (c) =>
      c.loops.length
        ? said('Control-plane components keep restarting', c.loops)
        : said('etcd is killed by its own liveness probe, again and again,', c.killedByProbe),
    probeKill: (c) =>
      c.killedByProbe
        ? said(
            `no write has landed since ${c.killedByProbe.facts.lastRenewal}, and the liveness probe of ${c.killedByProbe.facts.etcdProbesFailOnAlarm.join(', ')} asks plain /health, which fails while an alarm holds`,
            c.killedByProbe,
          )
        : undefined,
    etcdPod: (c) => said(c.killedByProbe?.facts.etcdProbesFailOnAlarm[0], c.killedByProbe),
    components: (c) =>
      names(
        c.loops.map((l) => l.facts.component),
        c.loops,
      ),
    restarts: (c) => count(c.restarts, c.loops),
    since: (c) => at(c.onset, c.loops.length ? c.loops : c.killedByProbe),
    bursts: (c) => (c.bursts.length ? count(c.bursts.length, c.loops) : undefined),
    pod: (c) => said(c.loops[0]?.facts.pods[0], c.loops[0]),
    reasons: (c) => names([...new Set(c.loops.flatMap((l) => l.facts.reasons))], c.loops),
  },
  statement:
    '{who} since {since}[: {components} restarted {restarts} times][, together in {bursts} burst(s)][ (last ended {reasons})][; {probeKill}].',
  nextSteps: [
    {
      say: "Stop the kill loop first: on the node of {etcdPod} and every other control-plane node, make etcd's liveness probe skip the space alarm (/health?exclude=NOSPACE&serializable=true, kubeadm's since 1.25)",
      command: 'sudo grep -n -A4 livenessProbe /etc/kubernetes/manifests/etcd.yaml',
    },
    {
      say: 'Then read the alarm and the database size of {etcdPod} and its peers; free space by compaction and a defragmentation of each member in turn before disarming the alarm',
      command: 'etcdctl alarm list; etcdctl endpoint status --cluster -w table',
    },
    {
      say: 'Read why the last run ended: a lost leader lease says "failed to renew lease", a liveness kill shows in the events',
      command: 'kubectl -n kube-system logs {pod} --previous | tail -50',
    },
    {
      say: 'Check what they wait on at those minutes: etcd latency and its health check',
      command: 'kubectl get --raw "/readyz?verbose" | grep -i etcd',
    },
    {
      say: "On a control-plane node, check etcd's disk latency and database size (fragmentation: a defragmentation frees it)",
      command: 'etcdctl endpoint status --write-out=table',
    },
  ],
  lookAlikes: ['control-plane-degraded', 'control-plane-unreachable', 'node-network'],
  public: {
    components: ['Control plane'],
    title: 'Intermittent delays in cluster changes',
    cause: 'parts of the control plane keep restarting',
    outage: 'partial',
  },
  prevention: [
    "Alert on control-plane restarts and on etcd's fsync and commit latency",
    "Watch etcd's database size against the space in use and defragment before it bloats",
  ],
});

/**
 * Nodes run out of disk: the kubelet reports DiskPressure and taints the node, its image and
 * container garbage collection fails to free enough, it evicts pods for ephemeral storage,
 * and image pulls fail with "no space left on device", so new pods cannot start there.
 *
 * Told apart from: a registry outage (pulls fail for the registry's reasons, on every node,
 * with no pressure), node network trouble, and one workload that fills every node it lands
 * on (the kubelet evicts the largest writer first, so the same container named on the short
 * nodes is the writer, not the nodes). When the largest pod it evicts holds next to none of
 * the disk, the space is taken outside the pods (host logs, the runtime's files), evicting
 * frees nothing, and the fix is on the host.
 */
import type { SignalOf } from '../../detect/signal.ts';
import { apiSilentForUsToo, hitOn } from '../evidence/clauses.ts';
import { nodeName } from '../evidence/node-trouble.ts';
import { consumerName, diskHeldOutsidePods, negligibleDiskShare } from '../evidence/pressure.ts';
import { definePattern } from '../pattern.ts';
import { count, said } from '../slots.ts';
import {
  evictingFor,
  pressureBlast,
  pressureCases,
  pressureSlots,
  shortOn,
  starvedNodesDown,
  troubleWithoutShortage,
} from './resource-exhaustion.ts';

/**
 * Nodes whose disk evictions name only pods holding a sliver of the disk, when no other short
 * node names a pod holding a real share of it.
 */
function outsidePods(signals: readonly SignalOf<'node-pressure'>[]): SignalOf<'node-pressure'>[] {
  const known = signals.filter((s) => s.facts.largestDiskConsumerShare >= 0);
  return known.every(diskHeldOutsidePods) ? known : [];
}

const diskNames = ['ephemeral-storage', 'nodefs', 'imagefs', 'nodefs.available', 'imagefs.available'];

export const nodeDisk = definePattern(pressureCases('disk'))({
  id: 'node-disk-exhaustion',
  family: 'node-resources',
  layer: 'node',
  title: 'Nodes run out of disk',
  summary:
    'Nodes run out of disk: the kubelet reports DiskPressure and taints the node, image and container garbage collection cannot free enough, pods are evicted for ephemeral storage, and image pulls fail with "no space left on device", so new pods cannot start there. Told apart from a registry outage (pulls fail for the registry\'s own reasons, on every node, with no pressure) and node network trouble.',
  clusterLevel: true,
  base: 0.4,
  requires: [shortOn('disk')],
  supports: [
    {
      id: 'pulls-out-of-space',
      weight: 0.15,
      reason: 'image pulls fail with "no space left on device" on {noSpaceNodes} node(s)',
      reads: ['node-pressure'],
      test: (c) => {
        const s = c.signals.filter((x) => x.facts.imagePullNoSpace > 0);
        return s.length ? { signals: s, slots: { noSpaceNodes: count(s.length, s)! } } : undefined;
      },
    },
    {
      id: 'gc-cannot-free',
      weight: 0.1,
      reason: 'image or container garbage collection fails to free space',
      reads: ['node-pressure'],
      test: (c) => hitOn(c.signals.filter((x) => x.facts.imageGcFailures + x.facts.containerGcFailures > 0)),
    },
    evictingFor('disk', 0.1, diskNames),
    starvedNodesDown(0.1),
    {
      // rankDiskPressureFunc evicts the largest user first: when even it holds a sliver of
      // the disk, no pod filled it.
      id: 'space-held-outside-pods',
      weight: 0.1,
      reason:
        'the largest pod the kubelet evicted on {outsideNodes} node(s) held under {negligible} of the disk: what takes the space is not in the pods',
      reads: ['node-pressure'],
      test: (c) => {
        const s = outsidePods(c.signals);
        return s.length
          ? {
              signals: s,
              slots: {
                outsideNodes: count(s.length, s)!,
                negligible: said(`${negligibleDiskShare * 100} %`, s)!,
              },
            }
          : undefined;
      },
    },
  ],
  against: [
    apiSilentForUsToo(-0.4),
    troubleWithoutShortage(-0.2),
    {
      // rankDiskPressureFunc evicts the pod using the most disk first: the same container
      // named on most short nodes is one workload filling each node it runs on.
      id: 'same-writer-on-short-nodes',
      weight: -0.2,
      reason:
        'the ephemeral-storage evictions on {writerNodes} of the short nodes name the same container, {writer}: it fills each node it runs on',
      reads: ['node-pressure'],
      test: (c) => {
        const byWriter = new Map<string, typeof c.signals>();
        for (const s of c.signals) {
          if (!s.facts.evictedResources.some((r) => diskNames.includes(r)) || diskHeldOutsidePods(s))
            continue;
          for (const name of new Set(s.facts.topConsumers.map(consumerName)))
            byWriter.set(name, [...(byWriter.get(name) ?? []), s]);
        }
        const [writer, on] = [...byWriter].sort((a, b) => b[1].length - a[1].length)[0] ?? [];
        if (!writer || !on || on.length < 2 || on.length * 2 < c.signals.length) return undefined;
        return { signals: on, slots: { writer: said(writer, on)!, writerNodes: count(on.length, on)! } };
      },
    },
    {
      id: 'registry-refuses',
      weight: -0.2,
      reason: 'a registry refuses pulls for its own reasons ({causes})',
      reads: ['registry-pulls-failing'],
      test: (_c, q) => {
        const r = q.of('registry-pulls-failing');
        return r.length
          ? { signals: r, slots: { causes: { text: r[0].facts.causes.join(', '), from: r } } }
          : undefined;
      },
    },
  ],
  severity: (c) => (c.down.length || c.nodes.length >= 2 ? 'critical' : 'warning'),
  onset: (c) => c.onset,
  blastRadius: pressureBlast,
  evidence: (c) => [...c.signals.slice(0, 4), ...c.downSignals.slice(0, 2)],
  slots: {
    ...pressureSlots,
    noSpace: (c) => {
      const n = c.signals.reduce((a, x) => a + x.facts.imagePullNoSpace, 0);
      return n ? count(n, c.signals) : undefined;
    },
    outside: (c) => {
      const s = outsidePods(c.signals);
      return s.length
        ? said(
            `the pods evicted from ${s.length} of them held almost none of their disk, so the space is taken on the host, outside the pods`,
            s,
          )
        : undefined;
    },
    outsideNode: (c) => {
      const s = outsidePods(c.signals)[0];
      return s ? said(nodeName(s.subject), s) : undefined;
    },
  },
  statement:
    '{nodeCount} node(s) ({nodes}) ran short of disk since {onset}[: {noSpace} image pull(s) found no space left][; {evictions}][; {outside}][; {down}].',
  nextSteps: [
    {
      say: 'Read the DiskPressure condition, GC failures and evictions on {firstNode}',
      command: 'kubectl describe node {firstNode}',
    },
    {
      say: 'See which pods were evicted and which cannot start',
      command: 'kubectl get pods -A -o wide --field-selector spec.nodeName={firstNode}',
    },
    {
      say: 'Evicting pods frees next to nothing on {outsideNode}: see which host directories hold the disk (system logs and their rotation, the runtime, leftovers)',
      command:
        "kubectl debug node/{outsideNode} -it --image=busybox -- chroot /host sh -c 'df -h /; du -xh -d1 /var/log /var/lib 2>/dev/null | sort -h | tail'",
    },
    {
      say: 'Free space on the node (unused images, old logs, emptyDir volumes of evicted pods), or replace it with a larger disk',
    },
    { say: 'Give workloads ephemeral-storage requests and limits so one pod cannot fill a node' },
  ],
  runbooks: { 'restart-nodes': (c) => (c.down.length ? { nodes: c.down } : undefined) },
  lookAlikes: ['image-pull-failure', 'node-network', 'node-memory-exhaustion', 'workload-exhausts-node'],
  public: {
    components: ['Nodes'],
    title: 'Nodes degraded',
    cause: 'some servers ran out of disk space',
    outage: 'partial',
  },
  prevention: [
    'Size node disks for the images and logs they hold, and alert well before usage reaches the eviction threshold',
    'Set ephemeral-storage requests and limits on workloads that write to local disk',
  ],
});

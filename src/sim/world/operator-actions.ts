/**
 * The timeline's actions, done the way people and providers do them: node restarts and
 * replacements rolled in batches (cordon, drain with PDBs, reboot or replace, wait Ready,
 * uncordon), kubelet restarts, upgrades and rollbacks, workload restarts, scaling, env,
 * resources and image changes, a node timer disabled on every machine. Actions outside the
 * cluster (a ticket, a rebuild elsewhere) change nothing here; they are on the timeline for
 * the record.
 */
import type { Clock } from '../../time/clock.ts';
import type { Action, NodeTarget } from '../scenario/schema.ts';
import { parseDuration } from '../scenario/time-spec.ts';
import type { FaultInjector } from './fault-injector.ts';
import type { NetworkActions } from './network-actions.ts';
import { type NodeOps, rollNodes } from './node-operations.ts';
import type { VersionChanges } from './version-changes.ts';
import type { WorkloadOps } from './workload-ops.ts';

/** How long a node is down when it is restarted (shut down, POST, boot, kubelet start). */
const rebootDowntimeMs = 3 * 60_000;
/** How long a provider takes to bring up a replacement machine. */
const replacementMs = 4 * 60_000;

export interface ActionParts {
  clock: Clock;
  ops: NodeOps;
  versions: VersionChanges;
  workloads: WorkloadOps;
  faults: FaultInjector;
  nodesFor: (t: NodeTarget) => string[];
  network?: NetworkActions;
}

export async function performAction(a: Action, p: ActionParts): Promise<void> {
  const { ops, clock } = p;
  switch (a.type) {
    case 'restart-nodes':
    case 'replace-nodes': {
      const pace = {
        maxUnavailable: a.maxUnavailable,
        intervalMs: a.interval ? parseDuration(a.interval) : undefined,
        waitReady: a.waitReady,
      };
      const nodes = p.nodesFor(a.nodes);
      const image = a.type === 'replace-nodes' ? a.image : undefined;
      return rollNodes(clock, nodes, pace, async (n) => {
        if (a.drain) await ops.drain(n);
        if (a.type === 'restart-nodes') {
          await ops.reboot(n, rebootDowntimeMs);
          if (a.waitReady) await ops.waitReady(n);
          if (a.drain) ops.cordon(n, false);
        } else {
          const fresh = await ops.replace(n, replacementMs, image);
          if (a.waitReady) await ops.waitReady(fresh);
        }
      });
    }
    case 'restart-kubelet':
      await Promise.all(p.nodesFor(a.nodes).map((n) => ops.restartKubelet(n)));
      return;
    case 'cordon-nodes':
      for (const n of p.nodesFor(a.nodes)) ops.cordon(n, true);
      return;
    case 'drain-nodes':
      await Promise.all(p.nodesFor(a.nodes).map((n) => ops.drain(n)));
      return;
    case 'uncordon-nodes':
      for (const n of p.nodesFor(a.nodes)) ops.cordon(n, false);
      return;
    case 'upgrade':
    case 'rollback':
      return p.versions.change({
        component: a.component,
        to: a.to,
        nodes: a.nodes,
        by: a.by,
        kernel: a.kernel,
        osImage: a.osImage,
        kubeletVersion: a.kubeletVersion,
        cgroup: a.cgroup,
        maxUnavailable: a.maxUnavailable,
        interval: a.interval,
      });
    case 'restart-workload':
      p.workloads.restart(a.workload);
      return;
    case 'scale-workload':
      p.workloads.scale(a.workload, a.replicas);
      return;
    case 'set-env':
      p.workloads.setEnv(a.workload, a.env, a.container);
      return;
    case 'set-resources':
      p.workloads.setResources(a.workload, a.container, { requests: a.requests, limits: a.limits });
      return;
    case 'set-image':
      p.workloads.setImage(a.workload, a.container, a.image);
      return;
    case 'disable-node-timer': {
      const nodes = p.nodesFor(a.nodes);
      for (const job of p.faults.jobNamed(a.timer)) {
        // A DaemonSet reaches every machine, present and future; by hand, only those named.
        if (a.via === 'daemonset') job.disable();
        else for (const n of nodes) job.disable(n);
      }
      return;
    }
    case 'label-nodes':
      p.network?.labelNodes(p.nodesFor(a.nodes), a.labels);
      return;
    case 'register-lb-targets':
      p.network?.registerLbTargets();
      return;
    case 'rebuild-cluster':
    case 'outside-cluster':
      return;
  }
}

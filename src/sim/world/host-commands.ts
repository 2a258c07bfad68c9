/**
 * Privileged pods that act on their host: a pod with the host's PID namespace and a
 * privileged container whose command runs `systemctl disable --now <unit>.timer` (through
 * nsenter or chroot, as the DaemonSets people write under pressure do) disables that timer
 * on its machine once it is Running. That is how a DaemonSet reaches every node, present
 * and future, and the only way this simulator's machines can be changed from the API.
 */
import type { Clock } from '../../time/clock.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import { type ObjectStore, parsedEntry } from '../store/object-store.ts';
import type { FaultInjector } from './fault-injector.ts';
import type { NodeMachines } from './node-machines.ts';

const podType = resourceForKind('Pod')!;

interface HostPod {
  metadata: KubeObject['metadata'];
  spec?: {
    nodeName?: string;
    hostPID?: boolean;
    containers?: { command?: string[]; args?: string[]; securityContext?: { privileged?: boolean } }[];
  };
  status?: { phase?: string };
}

const disableTimer = /systemctl\s+disable\s+--now\s+([\w@.:-]+\.timer)/g;

/** The timers a pod's containers disable on its host, if it may reach the host at all. */
export function timersDisabledBy(pod: HostPod): string[] {
  if (!pod.spec?.hostPID) return [];
  const out: string[] = [];
  for (const c of pod.spec.containers ?? []) {
    if (!c.securityContext?.privileged) continue;
    const line = [...(c.command ?? []), ...(c.args ?? [])].join(' ');
    for (const m of line.matchAll(disableTimer)) out.push(m[1]);
  }
  return out;
}

export function startHostCommands(o: {
  store: ObjectStore;
  clock: Clock;
  faults: FaultInjector;
  machines: NodeMachines;
}): () => void {
  const done = new Set<string>();
  return o.store.subscribe(podType.storage, (e) => {
    if (e.type === 'DELETED') return;
    const pod = parsedEntry(e.entry) as HostPod;
    const node = pod.spec?.nodeName;
    if (!node || pod.status?.phase !== 'Running' || pod.metadata.deletionTimestamp) return;
    const timers = timersDisabledBy(pod);
    const key = `${pod.metadata.uid}`;
    if (!timers.length || done.has(key)) return;
    done.add(key);
    // Out of the store's listener: disabling a timer re-checks the machine.
    o.clock.after(0, () => {
      for (const t of timers) {
        for (const job of o.faults.jobNamed(t)) job.disable(node);
        o.machines.disableTimer(node, t);
      }
    });
  });
}

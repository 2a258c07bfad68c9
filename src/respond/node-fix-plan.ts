/**
 * The node fix by DaemonSet, planned (DigitalOcean's fix, generated instead of written
 * under pressure): a DaemonSet whose privileged pod enters the host's namespaces and runs
 * `systemctl disable --now <timer>` on every node, present and future; then verification
 * through kubetriage's node agent (its AutomaticUpgradeScheduled condition no longer lists
 * the timer on any node); then, if asked, the DaemonSet removed (the timer stays
 * disabled on the machines it ran on). Pure: the manifest is part of the plan.
 */
import type { NodeFact } from './facts.ts';
import { numbered, type PlanStep, type RunbookPlan, shellWord } from './plan.ts';

export interface NodeFixOptions {
  /** The systemd timer to disable, e.g. apt-daily-upgrade.timer. */
  timer: string;
  namespace: string;
  /** An image with a shell and nsenter (busybox has both). */
  image: string;
  /** Delete the DaemonSet once every node is verified. */
  removeAfter: boolean;
  verifyTimeoutMs: number;
}

export const nodeFixDefaults = {
  namespace: 'kube-system',
  image: 'busybox:1.36.1',
  removeAfter: false,
  verifyTimeoutMs: 10 * 60_000,
} as const satisfies Partial<NodeFixOptions>;

const timerName = /^[\w@.:-]+\.timer$/;

export function isTimerName(s: string): boolean {
  return timerName.test(s);
}

/** The DaemonSet's name: DNS-1123, from the timer's. */
export function fixName(timer: string): string {
  const base = timer
    .replace(/\.timer$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `kubetriage-disable-${base}`.slice(0, 63).replace(/-+$/, '');
}

export function disableTimerDaemonSet(o: NodeFixOptions): Record<string, unknown> {
  const name = fixName(o.timer);
  const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/managed-by': 'kubetriage' };
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: {
      name,
      namespace: o.namespace,
      labels: { ...labels, 'kubetriage.io/runbook': 'node-fix' },
      annotations: { 'kubetriage.io/disables-timer': o.timer },
    },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          // The host's PID namespace, so nsenter reaches systemd (PID 1) on the machine.
          hostPID: true,
          // Every node, including tainted and NotReady ones: the fix must land everywhere.
          tolerations: [{ operator: 'Exists' }],
          priorityClassName: 'system-node-critical',
          containers: [
            {
              name: 'disable-timer',
              image: o.image,
              command: [
                'nsenter',
                '--target',
                '1',
                '--mount',
                '--uts',
                '--ipc',
                '--net',
                '--pid',
                '--',
                'sh',
                '-c',
                // Stays running: a DaemonSet pod that exits is restarted forever.
                `systemctl disable --now ${o.timer} && echo "disabled ${o.timer}" && exec sleep infinity`,
              ],
              securityContext: { privileged: true },
              resources: { requests: { cpu: '1m', memory: '8Mi' }, limits: { memory: '32Mi' } },
            },
          ],
        },
      },
    },
  };
}

export function nodeFixCommandLine(o: NodeFixOptions): string {
  const parts = ['kubetriage', 'remediate', 'node-fix', 'disable-timer', shellWord(o.timer)];
  if (o.namespace !== nodeFixDefaults.namespace) parts.push('--namespace', o.namespace);
  if (o.image !== nodeFixDefaults.image) parts.push('--image', shellWord(o.image));
  if (o.removeAfter) parts.push('--remove-after');
  return parts.join(' ');
}

export function planNodeFix(nodes: readonly NodeFact[], o: NodeFixOptions): RunbookPlan {
  const manifest = disableTimerDaemonSet(o);
  const name = fixName(o.timer);
  const ds = `daemonset/${o.namespace}/${name}`;
  const withTimer = nodes.filter((n) => n.upgradeTimers?.includes(o.timer));
  const unreported = nodes.filter((n) => n.upgradeTimers === undefined);
  const warnings: string[] = [];
  if (unreported.length)
    warnings.push(
      `${unreported.length} node(s) have no node-agent report (${unreported
        .slice(0, 4)
        .map((n) => n.name)
        .join(', ')}${unreported.length > 4 ? ', …' : ''}): the fix runs there but cannot be verified`,
    );
  if (!withTimer.length && unreported.length < nodes.length)
    warnings.push(
      `no node agent reports ${o.timer} as enabled now: the fix changes nothing where it can be seen`,
    );
  warnings.push(
    'the pod is privileged and enters the host (hostPID + nsenter): review the manifest before applying',
    'machines that join later get the DaemonSet too, so keep it until the node image itself is fixed',
  );
  if (o.removeAfter)
    warnings.push(
      '--remove-after deletes the DaemonSet once verified: nodes that join later will run the timer again',
    );
  const steps: Omit<PlanStep, 'n'>[] = [
    {
      action: 'check',
      target: 'cluster',
      detail: `${withTimer.length}/${nodes.length} node(s) report ${o.timer} enabled (node agent)`,
    },
    {
      action: 'create',
      target: ds,
      detail: `create the DaemonSet: on every node, nsenter into the host and run systemctl disable --now ${o.timer}`,
    },
    {
      action: 'verify',
      target: ds,
      detail: `wait until its pod runs on every node and every node agent stops reporting ${o.timer} (up to ${Math.round(o.verifyTimeoutMs / 60_000)}m)`,
    },
  ];
  if (o.removeAfter)
    steps.push({ action: 'delete', target: ds, detail: 'delete the DaemonSet (the timer stays disabled)' });
  return {
    runbook: 'node-fix',
    title: `Disable ${o.timer} on every node with a DaemonSet`,
    command: nodeFixCommandLine(o),
    targets: withTimer.map((n) => n.name),
    steps: numbered(steps),
    warnings,
    manifests: [manifest],
  };
}

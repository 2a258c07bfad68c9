import { describe, expect, it } from 'vitest';
import { node } from './fixtures.ts';
import { disableTimerDaemonSet, fixName, nodeFixDefaults, planNodeFix } from './node-fix-plan.ts';

const timer = 'apt-daily-upgrade.timer';

describe('planNodeFix', () => {
  it('targets the nodes whose agent reports the timer and carries the DaemonSet it creates', () => {
    const p = planNodeFix([node('a').timers(timer).build(), node('b').timers().build(), node('c').build()], {
      ...nodeFixDefaults,
      timer,
    });
    expect(p.targets).toEqual(['a']);
    expect(p.steps.map((s) => s.action)).toEqual(['check', 'create', 'verify']);
    expect(p.warnings[0]).toContain('1 node(s) have no node-agent report (c)');
    expect(p.manifests).toEqual([disableTimerDaemonSet({ ...nodeFixDefaults, timer })]);
    expect(p.command).toBe('kubetriage remediate node-fix disable-timer apt-daily-upgrade.timer');
  });

  it('adds the delete step with --remove-after', () => {
    const p = planNodeFix([node('a').timers(timer).build()], {
      ...nodeFixDefaults,
      timer,
      removeAfter: true,
    });
    expect(p.steps.at(-1)).toMatchObject({
      action: 'delete',
      target: 'daemonset/kube-system/kubetriage-disable-apt-daily-upgrade',
    });
    expect(p.command).toContain('--remove-after');
  });

  it('the DaemonSet reaches every node, enters the host and disables the timer', () => {
    const ds = disableTimerDaemonSet({ ...nodeFixDefaults, timer }) as {
      spec: {
        template: {
          spec: {
            hostPID: boolean;
            tolerations: unknown[];
            containers: { command: string[]; securityContext: unknown }[];
          };
        };
      };
    };
    const pod = ds.spec.template.spec;
    expect(pod.hostPID).toBe(true);
    expect(pod.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(pod.containers[0].securityContext).toEqual({ privileged: true });
    expect(pod.containers[0].command.join(' ')).toContain(
      `nsenter --target 1 --mount --uts --ipc --net --pid -- sh -c systemctl disable --now ${timer}`,
    );
  });

  it.each([
    ['apt-daily-upgrade.timer', 'kubetriage-disable-apt-daily-upgrade'],
    ['dnf_Automatic.timer', 'kubetriage-disable-dnf-automatic'],
  ])('names the DaemonSet for %s: %s', (t, want) => {
    expect(fixName(t)).toBe(want);
  });
});

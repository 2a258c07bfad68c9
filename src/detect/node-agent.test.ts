import { describe, expect, it } from 'vitest';
import { agentCondition, deleting, node, t0, viewOf } from './fixtures.ts';
import { nodeAgent } from './node-agent.ts';
import { ofKind } from './signal.ts';

const min = 60_000;
const vipTimeout =
  'TCP connect to the kubernetes service VIP timed out; target=10.96.0.1:443 service=default/kubernetes stage=connect timeout=3s error="dial tcp 10.96.0.1:443: i/o timeout" since=2024-01-15T11:50:10Z';
const vipOk =
  'TCP, TLS and HTTP to the kubernetes service VIP succeed; target=10.96.0.1:443 service=default/kubernetes';

type Cond = ReturnType<typeof agentCondition>;
const nodesWith = (conds: Cond[][]) => conds.map((conditions, i) => node({ name: `n${i + 1}`, conditions }));

describe('condition kinds', () => {
  it.each([
    ['KubernetesServiceVIPUnreachable', 'condition/KubernetesServiceVIPUnreachable'],
    ['APIEndpointUnreachable', 'condition/APIEndpointUnreachable'],
    ['ClusterDNSUnhealthy', 'condition/ClusterDNSUnhealthy'],
    ['IptablesRestoreFailing', 'condition/IptablesRestoreFailing'],
    ['PackageUpgradeInProgress', 'condition/PackageUpgradeInProgress'],
  ] as const)('%s → agent-condition %s', (type, subject) => {
    const view = viewOf({ nodes: nodesWith([[agentCondition(type, 'True', 'Failing', 'x')]]) });
    const out = nodeAgent(view, t0);
    expect(out.map((x) => [x.kind, x.subject])).toEqual([['agent-condition', subject]]);
    expect(ofKind(out, 'agent-condition')[0].facts.type).toBe(type);
  });
});

describe('network conditions', () => {
  it('a VIP failing on every node is one critical signal with the targets and errors', () => {
    const vip = agentCondition('KubernetesServiceVIPUnreachable', 'True', 'VIPConnectTimeout', vipTimeout, {
      sinceMs: t0 - 9 * min,
    });
    const view = viewOf({ nodes: nodesWith([[vip], [vip], [vip]]) });
    const [x] = nodeAgent(view, t0);
    expect(x).toMatchObject({
      detector: 'node-agent',
      kind: 'agent-condition',
      subject: 'condition/KubernetesServiceVIPUnreachable',
      severity: 'critical',
      sinceMs: Date.parse('2024-01-15T11:50:10Z'),
      scope: { nodes: ['n1', 'n2', 'n3'] },
      facts: {
        type: 'KubernetesServiceVIPUnreachable',
        nodes: ['n1', 'n2', 'n3'],
        count: 3,
        staleNodes: [],
        nodesReporting: 3,
        fraction: 1,
        reasons: ['VIPConnectTimeout'],
        firstSince: '2024-01-15T11:50:10Z',
        targets: ['10.96.0.1:443'],
        services: ['default/kubernetes'],
        stages: ['connect'],
        errors: ['dial tcp 10.96.0.1:443: i/o timeout'],
      },
    });
    expect(x.evidence[0]).toMatchObject({ source: 'agent', ref: 'node/n1' });
  });

  it.each([
    ['False everywhere', [['False'], ['False'], ['False']], undefined],
    ['True on one node of four', [['True'], ['False'], ['False'], ['False']], 'warning'],
    ['True on two nodes of four', [['True'], ['True'], ['False'], ['False']], 'critical'],
    ['True on one node only reporting', [['True']], 'warning'],
  ] as const)('%s', (_name, statuses, severity) => {
    const view = viewOf({
      nodes: nodesWith(
        statuses.map(([s]) => [
          agentCondition(
            'ClusterDNSUnhealthy',
            s,
            s === 'True' ? 'ClusterDNSTimeout' : 'ClusterDNSResolving',
            'x; server=10.96.0.10:53',
          ),
        ]),
      ),
    });
    expect(nodeAgent(view, t0).map((x) => x.severity)).toEqual(severity ? [severity] : []);
  });

  it('lists failing API endpoints and those that still answered', () => {
    const c = agentCondition(
      'APIEndpointUnreachable',
      'True',
      'EndpointConnectTimeout',
      'TCP connect to the API endpoint timed out; target=10.0.0.10:6443,10.0.0.11:6443 reachable=none stage=connect',
    );
    const [x] = nodeAgent(viewOf({ nodes: nodesWith([[c]]) }), t0);
    expect(x.facts).toMatchObject({ targets: ['10.0.0.10:6443', '10.0.0.11:6443'], reachable: ['none'] });
  });
});

describe('staleness', () => {
  it('a stale True still counts, named as stale; a stale False is not a report', () => {
    const staleTrue = agentCondition(
      'KubernetesServiceVIPUnreachable',
      'True',
      'VIPConnectTimeout',
      vipTimeout,
      {
        heartbeatMs: t0 - 20 * min,
      },
    );
    const staleFalse = agentCondition('KubernetesServiceVIPUnreachable', 'False', 'VIPReachable', vipOk, {
      heartbeatMs: t0 - 12 * min,
    });
    const freshFalse = agentCondition('KubernetesServiceVIPUnreachable', 'False', 'VIPReachable', vipOk, {
      heartbeatMs: t0 - 10 * min,
    });
    const [x] = nodeAgent(viewOf({ nodes: nodesWith([[staleTrue], [staleFalse], [freshFalse]]) }), t0);
    expect(x.facts).toMatchObject({ nodes: ['n1'], staleNodes: ['n1'], nodesReporting: 1, fraction: 0 });
    expect(x.severity).toBe('warning');
  });

  it('ignores nodes being deleted and conditions the agent does not own', () => {
    const vip = agentCondition('KubernetesServiceVIPUnreachable', 'True', 'VIPConnectTimeout', vipTimeout);
    const view = viewOf({
      nodes: [
        deleting(node({ name: 'gone', conditions: [vip] })),
        node({
          name: 'n1',
          conditions: [agentCondition('KernelDeadlock', 'True', 'DockerHung', 'task blocked')],
        }),
      ],
    });
    expect(nodeAgent(view, t0)).toEqual([]);
  });
});

describe('host conditions', () => {
  it('an upgrade timer: schedules, the longest random delay, the next run; info', () => {
    const timer = (next: string) =>
      agentCondition(
        'AutomaticUpgradeScheduled',
        'True',
        'UpgradeTimerEnabled',
        `1 enabled systemd timer(s) run unattended package upgrades; timer=apt-daily-upgrade.timer unit=apt-daily-upgrade.service exec="/usr/lib/apt/apt.systemd.daily install" onCalendar="*-*-* 06:00:00" randomizedDelay=1h0m0s persistent=true lastTrigger=2024-01-15T06:23:04Z nextRun=${next}`,
      );
    const two = agentCondition(
      'AutomaticUpgradeScheduled',
      'True',
      'UpgradeTimerEnabled',
      '2 enabled systemd timer(s) run unattended package upgrades; timer=a.timer onCalendar=daily randomizedDelay=5m0s nextRun=2024-01-15T10:00:00Z | timer=dnf-automatic.timer onCalendar=weekly randomizedDelay=0s nextRun=2024-01-20T00:00:00Z',
    );
    const view = viewOf({
      nodes: nodesWith([[timer('2024-01-16T06:41:52Z')], [timer('2024-01-16T06:12:00Z')], [two]]),
    });
    const [x] = nodeAgent(view, t0);
    expect(x).toMatchObject({
      kind: 'agent-condition',
      subject: 'condition/AutomaticUpgradeScheduled',
      severity: 'info',
      facts: {
        type: 'AutomaticUpgradeScheduled',
        timers: ['a.timer', 'apt-daily-upgrade.timer', 'dnf-automatic.timer'],
        units: ['apt-daily-upgrade.service'],
        schedules: ['*-*-* 06:00:00', 'daily', 'weekly'],
        randomizedDelay: '1h0m0s',
        randomizedDelaySeconds: 3600,
        nextRun: '2024-01-16T06:12:00Z',
      },
    });
  });

  it('a failed upgrade: its result, half-installed packages', () => {
    const c = agentCondition(
      'PackageUpgradeFailed',
      'True',
      'UpgradeTimedOut',
      'the last package upgrade was stopped by systemd after its timeout; unit=apt-daily-upgrade.service started=2024-01-15T06:23:04Z stopped=2024-01-15T06:38:04Z duration=15m0s result=timeout halfInstalled=3 packages=systemd,udev,libc6',
    );
    const [x] = nodeAgent(viewOf({ nodes: nodesWith([[c]]) }), t0);
    expect(x).toMatchObject({
      kind: 'agent-condition',
      subject: 'condition/PackageUpgradeFailed',
      severity: 'warning',
      facts: {
        type: 'PackageUpgradeFailed',
        reasons: ['UpgradeTimedOut'],
        results: ['timeout'],
        units: ['apt-daily-upgrade.service'],
        halfInstalled: 3,
        packages: ['libc6', 'systemd', 'udev'],
      },
    });
  });

  it('an upgrade in progress: when it started and what it changes', () => {
    const c = agentCondition(
      'PackageUpgradeInProgress',
      'True',
      'UnattendedUpgradeRunning',
      'a package upgrade started by a systemd timer is running; unit=apt-daily-upgrade.service timer=apt-daily-upgrade.timer started=2024-01-15T06:23:04Z scheduled=2024-01-15T06:00:00Z delay=23m4s packages=47 notable=linux-image-6.1.0-13-amd64@6.1.55-1,systemd@252.17-1~deb12u1',
    );
    const [x] = nodeAgent(viewOf({ nodes: nodesWith([[c]]) }), t0);
    expect(x.facts).toMatchObject({
      started: '2024-01-15T06:23:04Z',
      scheduled: ['2024-01-15T06:00:00Z'],
      delays: ['23m4s'],
      notable: ['linux-image-6.1.0-13-amd64@6.1.55-1', 'systemd@252.17-1~deb12u1'],
    });
  });

  it('a reboot required: the newest kernel installed anywhere, by number not by text', () => {
    const c = (installed: string) =>
      agentCondition(
        'RebootRequired',
        'True',
        'NewerKernelInstalled',
        `a newer kernel is installed than the one running; running=6.1.0-8-amd64 installed=${installed} installedBy=apt-daily-upgrade.service`,
      );
    const [x] = nodeAgent(viewOf({ nodes: nodesWith([[c('6.1.0-9-amd64')], [c('6.1.0-13-amd64')]]) }), t0);
    expect(x).toMatchObject({
      severity: 'info',
      facts: {
        newestKernel: '6.1.0-13-amd64',
        runningKernels: ['6.1.0-8-amd64'],
        installedBy: ['apt-daily-upgrade.service'],
      },
    });
  });

  it('iptables-restore failures: summed counts, the first failure, the oldest good sync', () => {
    const c = (first: string, sync: string, failures: number) =>
      agentCondition(
        'IptablesRestoreFailing',
        'True',
        'IptablesRestoreFailed',
        `kube-proxy iptables-restore is failing; failures=${failures} window=10m0s first=${first} last=2024-01-15T11:59:40Z lastSuccessfulSync=${sync} failuresTotal=${failures * 3} error="exit status 1 (iptables-restore: line 8022 failed\\n)"`,
      );
    const [x] = nodeAgent(
      viewOf({
        nodes: nodesWith([
          [c('2024-01-15T11:58:10Z', '2024-01-15T11:57:40Z', 20)],
          [c('2024-01-15T11:52:10Z', '2024-01-15T11:51:40Z', 2)],
        ]),
      }),
      t0,
    );
    expect(x.facts).toMatchObject({
      failures: 22,
      failuresTotal: 66,
      firstFailure: '2024-01-15T11:52:10Z',
      lastFailure: '2024-01-15T11:59:40Z',
      oldestSuccessfulSync: '2024-01-15T11:51:40Z',
      errors: ['exit status 1 (iptables-restore: line 8022 failed\n)'],
    });
  });

  it('a conntrack table filling up', () => {
    const c = agentCondition(
      'ConntrackTableFull',
      'True',
      'ConntrackDroppingPackets',
      'conntrack table is full and dropping packets; count=262144 max=262144 drops=812 window=5m0s',
    );
    const [x] = nodeAgent(viewOf({ nodes: nodesWith([[c]]) }), t0);
    expect(x.facts).toMatchObject({ fullestPercent: 100, drops: 812 });
  });

  it('disks stalling tasks on I/O: the highest PSI averages and the tasks the kernel named', () => {
    const stalled = agentCondition(
      'NodeIOPressure',
      'True',
      'IOStalled',
      'every runnable task on the node is stalled on I/O much of the time; fullAvg60=64.58 someAvg60=88.07 blockedTasks=2 tasks=dockerd:1432,jbd2/sda1-8:211',
    );
    const blocked = agentCondition(
      'NodeIOPressure',
      'True',
      'TasksBlockedOnIO',
      'the kernel reports tasks blocked in uninterruptible sleep; blockedTasks=1 tasks=containerd:2210 window=10m0s',
    );
    const [x] = nodeAgent(viewOf({ nodes: nodesWith([[stalled], [blocked]]) }), t0);
    expect(x.facts).toMatchObject({
      type: 'NodeIOPressure',
      count: 2,
      reasons: ['IOStalled', 'TasksBlockedOnIO'],
      fullAvg60: 64.58,
      someAvg60: 88.07,
      blockedTasks: 3,
      tasks: ['containerd:2210', 'dockerd:1432', 'jbd2/sda1-8:211'],
    });
  });

  it('nodes running out of process IDs: the most tasks and the highest share', () => {
    const c = (inUse: number, percent: number) =>
      agentCondition(
        'NodePIDsExhausted',
        'True',
        'PIDsNearlyExhausted',
        `the node is close to running out of process IDs; inUse=${inUse} pidMax=32768 threadsMax=127431 percent=${percent}`,
      );
    const [x] = nodeAgent(viewOf({ nodes: nodesWith([[c(29600, 90)], [c(32768, 100)]]) }), t0);
    expect(x.facts).toMatchObject({
      type: 'NodePIDsExhausted',
      count: 2,
      pidsInUse: 32768,
      pidsPercent: 100,
    });
  });
});

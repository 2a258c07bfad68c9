import { describe, expect, it } from 'vitest';
import { containerTerminations } from './container-terminations.ts';
import { pod, replicaset, t0, update, viewOf } from './fixtures.ts';
import { ofKind } from './signal.ts';

const min = 60_000;

function dns(
  name: string,
  node: string,
  reason: string,
  exitCode: number,
  finishedAtMs: number,
  restarts = 2,
) {
  return pod({
    name,
    namespace: 'kube-system',
    node,
    owner: { kind: 'ReplicaSet', name: 'coredns-5d78c9869d' },
    containers: [
      {
        name: 'coredns',
        image: 'registry.k8s.io/coredns/coredns:v1.11.3',
        restartCount: restarts,
        lastTerminated: { reason, exitCode, finishedAtMs, startedAtMs: finishedAtMs - 45_000 },
      },
    ],
  });
}

/** The pod as it is, or with its Ready condition False. */
function notReadyUnless(ready: boolean, p: ReturnType<typeof pod>): ReturnType<typeof pod> {
  if (ready) return p;
  const status = p.status as { conditions?: { type: string; status: string }[] };
  return { ...p, status: { ...status, conditions: [{ type: 'Ready', status: 'False' }] } };
}

const dnsRs = replicaset({ name: 'coredns-5d78c9869d', namespace: 'kube-system', deployment: 'coredns' });

describe('containerTerminations', () => {
  it('sees every CoreDNS replica OOMKilled within minutes: a system component at its memory limit', () => {
    const view = viewOf({
      replicasets: [dnsRs],
      pods: [
        dns('coredns-5d78c9869d-aaaaa', 'n1', 'OOMKilled', 137, t0 - 4 * min),
        dns('coredns-5d78c9869d-bbbbb', 'n2', 'OOMKilled', 137, t0 - 1 * min),
      ],
    });
    const out = containerTerminations(view, t0);
    const [ends] = ofKind(out, 'container-terminations');
    expect(ends.subject).toBe('workload/kube-system/Deployment/coredns');
    expect(ends.severity).toBe('critical');
    expect(ends.facts).toMatchObject({
      component: 'dns',
      systemComponent: true,
      replicas: 2,
      podsTerminated: 2,
      meanings: ['oom-killed=2'],
      reasons: ['OOMKilled'],
      exitCodes: ['137'],
      spanSeconds: 180,
      allReplicasTogether: true,
      shortestRunSeconds: 45,
    });
    expect(ends.evidence[0].raw).toMatchObject({
      kind: 'field',
      path: 'status.containerStatuses[coredns].lastState.terminated',
    });
    const [oom] = ofKind(out, 'system-component-oom');
    expect(oom.subject).toBe('component/kube-system/Deployment/coredns');
    expect(oom.facts).toMatchObject({
      component: 'dns',
      replicas: 2,
      oomKilledReplicas: 2,
      nodes: ['n1', 'n2'],
      spanSeconds: 180,
      together: true,
    });
    expect(oom.severity).toBe('critical');
  });

  it('sees the replicas OOMKilled one after another too, as a warning: each at its limit, DNS still served', () => {
    const view = viewOf({
      replicasets: [dnsRs],
      pods: [
        dns('coredns-5d78c9869d-aaaaa', 'n1', 'OOMKilled', 137, t0 - 26 * min),
        dns('coredns-5d78c9869d-bbbbb', 'n2', 'OOMKilled', 137, t0 - 3 * min),
      ],
    });
    const [oom] = ofKind(containerTerminations(view, t0), 'system-component-oom');
    expect(oom.severity).toBe('warning');
    expect(oom.facts).toMatchObject({ oomKilledReplicas: 2, spanSeconds: 23 * 60, together: false });
  });

  it('tells its look-alike apart: replicas that fail with Error (a dependency) are no OOM', () => {
    const view = viewOf({
      replicasets: [dnsRs],
      pods: [
        dns('coredns-5d78c9869d-aaaaa', 'n1', 'Error', 1, t0 - 4 * min),
        dns('coredns-5d78c9869d-bbbbb', 'n2', 'Error', 1, t0 - 2 * min),
      ],
    });
    const out = containerTerminations(view, t0);
    expect(out.map((s) => s.kind)).toEqual(['container-terminations']);
    expect(ofKind(out, 'container-terminations')[0].facts.meanings).toEqual(['error=2']);
  });

  it.each([
    ["lost with their nodes' reboots, every one (runtime lost)", 'Unknown', 255, 'warning'],
    ['ended in errors', 'Error', 1, 'critical'],
  ])(
    'every CoreDNS replica %s at once: critical only when the replicas themselves failed',
    (_n, reason, code, severity) => {
      const view = viewOf({
        replicasets: [dnsRs],
        pods: [
          dns('coredns-5d78c9869d-aaaaa', 'n1', reason, code, t0 - 4 * min, 1),
          dns('coredns-5d78c9869d-bbbbb', 'n2', reason, code, t0 - 3 * min, 1),
        ],
      });
      const [ends] = ofKind(containerTerminations(view, t0), 'container-terminations');
      expect(ends.facts.allReplicasTogether).toBe(true);
      expect(ends.severity).toBe(severity);
    },
  );

  it.each([
    ['once each, back and Ready for 6 min', 1, 6, true, 'warning'],
    ['once each, back and Ready for 4 min', 1, 4, true, 'critical'],
    ['once each, one of them not Ready', 1, 6, false, 'critical'],
    ['in a loop, back and Ready for 6 min (between two restarts)', 3, 6, true, 'critical'],
    ['in a loop, back and Ready for 12 min', 3, 12, true, 'warning'],
  ])(
    'every CoreDNS replica ended together %s: critical until it recovered',
    (_n, restarts, agoMin, ready, severity) => {
      const view = viewOf({
        replicasets: [dnsRs],
        pods: [
          dns('coredns-5d78c9869d-aaaaa', 'n1', 'Error', 1, t0 - (agoMin + 1) * min, restarts),
          notReadyUnless(
            ready,
            dns('coredns-5d78c9869d-bbbbb', 'n2', 'Error', 1, t0 - agoMin * min, restarts),
          ),
        ],
      });
      const [s] = ofKind(containerTerminations(view, t0), 'container-terminations');
      expect(s.facts.allReplicasTogether).toBe(true);
      expect(s.severity).toBe(severity);
    },
  );

  it('says what a reboot did to an application (runtime lost, exit 255) and counts restarts seen in the window', () => {
    const before = pod({
      name: 'web-1',
      namespace: 'shop',
      node: 'n1',
      containers: [{ name: 'web', restartCount: 0 }],
    });
    const after = pod({
      name: 'web-1',
      namespace: 'shop',
      node: 'n1',
      containers: [
        {
          name: 'web',
          restartCount: 1,
          lastTerminated: { reason: 'Unknown', exitCode: 255, finishedAtMs: t0 - 5 * min },
        },
      ],
    });
    const view = viewOf(
      { pods: [before, pod({ name: 'web-2', namespace: 'shop', node: 'n2' })] },
      t0 - 10 * min,
    );
    update(view, 'pods', after, t0 - 5 * min);
    const [s] = ofKind(containerTerminations(view, t0), 'container-terminations');
    expect(s.severity).toBe('info');
    expect(s.facts).toMatchObject({
      workloadKind: 'Pod',
      component: 'application',
      systemComponent: false,
      meanings: ['runtime-lost=1'],
      terminations: 1,
      allReplicasTogether: false,
    });
  });

  it('forgets ends older than the window and completed runs', () => {
    const view = viewOf({
      pods: [
        pod({
          name: 'job-1',
          containers: [
            { name: 'run', lastTerminated: { reason: 'Completed', exitCode: 0, finishedAtMs: t0 - min } },
          ],
        }),
        pod({
          name: 'old-1',
          containers: [
            {
              name: 'app',
              restartCount: 1,
              lastTerminated: { reason: 'OOMKilled', exitCode: 137, finishedAtMs: t0 - 31 * min },
            },
          ],
        }),
      ],
    });
    expect(containerTerminations(view, t0)).toEqual([]);
  });
});

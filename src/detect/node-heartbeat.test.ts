import { describe, expect, it } from 'vitest';
import { deleting, lease, node, t0, viewOf } from './fixtures.ts';
import { nodeHeartbeat } from './node-heartbeat.ts';
import { ofKind } from './signal.ts';

const s = 1000;

describe('node heartbeat lag', () => {
  it.each([
    ['a lease renewed 8 s ago', 8 * s, []],
    ['a lease 20 s old (one late renewal)', 20 * s, []],
    ['a lease 25 s old (two missed renewals)', 25 * s, [25]],
    ['a lease 45 s old, near the 50 s grace period', 45 * s, [45]],
    ['a lease ten minutes old', 600 * s, [600]],
  ])('%s', (_name, ageMs, lags) => {
    const view = viewOf({ nodes: [node({ name: 'n1' })], leases: [lease('n1', t0 - ageMs)] });
    expect(ofKind(nodeHeartbeat(view, t0), 'node-heartbeat-lag').map((x) => x.facts.lagSeconds)).toEqual(
      lags,
    );
  });

  it('names the node, its last renewal and its Ready status', () => {
    const view = viewOf({
      nodes: [node({ name: 'n1' }), node({ name: 'n2' })],
      leases: [lease('n1', t0 - 5 * s), lease('n2', t0 - 30 * s)],
    });
    const [x] = nodeHeartbeat(view, t0);
    expect(x).toMatchObject({
      kind: 'node-heartbeat-lag',
      subject: 'node/n2',
      severity: 'warning',
      sinceMs: t0 - 30 * s,
      scope: { nodes: ['n2'] },
      facts: { lagSeconds: 30, renewTime: '2024-01-15T11:59:30Z', leaseDurationSeconds: 40, ready: 'True' },
    });
    expect(x.evidence[0].ref).toBe('lease/kube-node-lease/n2');
  });

  it.each([
    ['a node being deleted', [deleting(node({ name: 'n1' }))]],
    ['a lease whose node is gone', []],
  ])('ignores %s', (_name, nodes) => {
    const view = viewOf({ nodes, leases: [lease('n1', t0 - 120 * s)] });
    expect(nodeHeartbeat(view, t0)).toEqual([]);
  });

  it('hears a kubelet through its status too: one that just booted and posted Ready is not silent before its first renewal', () => {
    const booted = node({ name: 'n1', heartbeatMs: t0 - 3 * s });
    const view = viewOf({ nodes: [booted], leases: [lease('n1', t0 - 180 * s)] });
    expect(nodeHeartbeat(view, t0)).toEqual([]);
    // Once that status post is itself past two renewals, the node is silent again.
    expect(
      ofKind(nodeHeartbeat(view, t0 + 30 * s), 'node-heartbeat-lag').map((x) => x.facts.lagSeconds),
    ).toEqual([210]);
  });

  it('measures lag only up to when the lease watch started failing, not into our own outage', () => {
    const view = viewOf({ nodes: [node({ name: 'n1' })], leases: [lease('n1', t0 - 5 * s)] }, t0 - 5 * s, [
      { type: 'source', source: 'reflector/leases', ok: true, atMs: t0 - 5 * s },
      { type: 'source', source: 'reflector/leases', ok: false, error: 'i/o timeout', atMs: t0 },
    ]);
    expect(nodeHeartbeat(view, t0 + 300 * s)).toEqual([]);
  });

  describe('what the node agent says of the silent node', () => {
    const agentCondition = (type: string, status: string, atMs: number) => ({
      type,
      status,
      reason: status === 'False' ? 'Healthy' : 'Failing',
      message: '',
      lastHeartbeatTime: new Date(atMs).toISOString(),
      lastTransitionTime: new Date(t0 - 3_600_000).toISOString(),
    });
    const silentWith = (conditions: ReturnType<typeof agentCondition>[]) =>
      ofKind(
        nodeHeartbeat(
          viewOf({ nodes: [node({ name: 'n1', conditions })], leases: [lease('n1', t0 - 120 * s)] }),
          t0,
        ),
        'node-heartbeat-lag',
      )[0]?.facts;

    it('heard the node after its lease stopped, with the kubelet answering its health check', () => {
      expect(
        silentWith([
          agentCondition('APIEndpointUnreachable', 'False', t0 - 30 * s),
          agentCondition('KubeletUnhealthy', 'False', t0 - 30 * s),
        ]),
      ).toMatchObject({ agentHeardSince: true, kubeletHealthz: 'ok' });
    });

    it('says the kubelet is failing when its health check does', () => {
      expect(silentWith([agentCondition('KubeletUnhealthy', 'True', t0 - 30 * s)])).toMatchObject({
        agentHeardSince: true,
        kubeletHealthz: 'failing',
      });
    });

    it('proves nothing with conditions written before the lease stopped, or stale ones', () => {
      const before = silentWith([agentCondition('KubeletUnhealthy', 'False', t0 - 150 * s)]);
      expect(before).toMatchObject({ agentHeardSince: false, kubeletHealthz: 'ok' });
      const stale = silentWith([agentCondition('KubeletUnhealthy', 'False', t0 - 20 * 60 * s)]);
      expect(stale?.agentHeardSince).toBe(false);
      expect(stale?.kubeletHealthz).toBeUndefined();
    });

    it('ignores the kubelet’s own conditions', () => {
      expect(silentWith([agentCondition('MemoryPressure', 'False', t0 - 30 * s)])?.agentHeardSince).toBe(
        false,
      );
    });
  });
});

import { describe, expect, it } from 'vitest';
import { incident, t0 } from '../../incident/fixtures.ts';
import { webhookPayload } from './webhook.ts';

describe('webhook payload', () => {
  it('carries the incident in schema version 1', () => {
    const p = webhookPayload(
      incident(),
      'opened',
      { cluster: 'prod', publicUrl: 'https://t.example' },
      t0 + 5_000,
    );
    expect(p).toEqual({
      version: 1,
      event: 'opened',
      cluster: 'prod',
      incident: {
        id: 'INC-0001',
        status: 'identified',
        severity: 'critical',
        pattern: 'node-network',
        title: 'Nodes lost their network',
        statement:
          '3 nodes NotReady since 15:02, all in pool agentpool; kubelet cannot reach the API server.',
        openedAt: '2026-01-01T15:02:00Z',
        confidence: 0.82,
        blastRadius: { nodes: ['aks-1', 'aks-2', 'aks-3'], pools: ['agentpool'] },
        nextSteps: [
          { say: 'Check the nodes’ conditions', command: 'kubectl describe node aks-1' },
          { say: 'Look at the pool' },
        ],
        url: 'https://t.example/incidents/INC-0001',
      },
      sentAt: '2026-01-01T15:02:05Z',
    });
  });

  it.each([
    { over: { status: 'resolved' as const, resolvedAtMs: t0 + 60_000 }, resolvedAt: '2026-01-01T15:03:00Z' },
    { over: { status: 'monitoring' as const }, resolvedAt: undefined },
  ])('resolvedAt only once resolved ($over.status)', ({ over, resolvedAt }) => {
    const p = webhookPayload(incident(over), 'status', { cluster: 'c' }, t0);
    expect(p.incident.resolvedAt).toBe(resolvedAt);
    expect('url' in p.incident).toBe(false);
  });
});

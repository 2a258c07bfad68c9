import { describe, expect, it } from 'vitest';
import { hypothesis, t0 } from '../incident/fixtures.ts';
import { IncidentTracker } from '../incident/tracker.ts';
import { alertmanagerPayload, alertNotes } from './alertmanager-intake.ts';

function openIncident() {
  const t = new IncidentTracker();
  const h = hypothesis({
    sinceMs: t0,
    blastRadius: { nodes: ['aks-1', 'aks-2'], services: ['shop/web'], workloads: ['shop/Deployment/api'] },
  });
  t.update({ hypotheses: [h], findings: [] }, t0 + 10_000);
  t.update({ hypotheses: [h], findings: [] }, t0 + 20_000);
  return t.incidents();
}

const alert = (labels: Record<string, string>, status: 'firing' | 'resolved' = 'firing') => ({
  status,
  labels: { alertname: 'KubeNodeNotReady', ...labels },
  annotations: { summary: 'Node is not ready' },
  startsAt: '2024-03-06T14:00:00Z',
  endsAt: status === 'resolved' ? '2024-03-06T14:30:00Z' : '0001-01-01T00:00:00Z',
  fingerprint: 'f1',
});

describe('Alertmanager alerts as evidence', () => {
  it.each([
    ['a node in the blast radius', { node: 'aks-1' }, true],
    ['an instance with a port', { instance: 'aks-2:9100' }, true],
    ['a service in it', { namespace: 'shop', service: 'web' }, true],
    ['a workload in it', { namespace: 'shop', deployment: 'api' }, true],
    ['another node', { node: 'aks-9' }, false],
  ])('%s attaches to the incident: %s', (_, labels, attaches) => {
    const [i] = openIncident();
    const p = alertmanagerPayload.parse({ version: '4', status: 'firing', alerts: [alert(labels)] });
    const [n] = alertNotes(p, [i], t0);
    expect(n.incidentId).toBe(attaches ? i.id : undefined);
    expect(n.text).toContain('Alertmanager: KubeNodeNotReady firing');
    expect(n.text).toContain(': Node is not ready');
  });

  it('dates a firing alert by its start and a resolved one by its end', () => {
    const p = alertmanagerPayload.parse({ alerts: [alert({ node: 'x' }), alert({ node: 'x' }, 'resolved')] });
    const [firing, resolved] = alertNotes(p, [], t0);
    expect(firing.atMs).toBe(Date.parse('2024-03-06T14:00:00Z'));
    expect(resolved.atMs).toBe(Date.parse('2024-03-06T14:30:00Z'));
    expect(firing.key).not.toBe(resolved.key);
  });

  it('rejects what is not a webhook payload', () => {
    expect(alertmanagerPayload.safeParse({ alerts: [{ labels: {} }] }).success).toBe(false);
  });
});

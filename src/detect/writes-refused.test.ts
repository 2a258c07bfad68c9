import { describe, expect, it } from 'vitest';
import type { Observation } from '../kube/observations.ts';
import { type WriteProbeTarget, writeProbeObservation } from '../kube/write-probe.ts';
import { t0, viewOf } from './fixtures.ts';
import { ofKind } from './signal.ts';
import { writesRefused } from './writes-refused.ts';

const own: WriteProbeTarget = { kind: 'configmap', namespace: 'kubetriage' };
const shop: WriteProbeTarget = { kind: 'ingress', namespace: 'shop' };
const server = 'https://10.0.0.1:6443';

/** Dry-run creates every 30 s from `fromMs` to `toMs`, each answered the same way. */
function attempts(
  t: WriteProbeTarget,
  fromMs: number,
  toMs: number,
  answer: { latencyMs?: number; status?: number; error?: string } = {},
): Observation[] {
  const out: Observation[] = [];
  for (let at = fromMs; at <= toMs; at += 30_000)
    out.push(writeProbeObservation(t, { latencyMs: 40, status: 201, ...answer }, at));
  return out;
}

const certificate = `${server}/api/v1/namespaces/kubetriage/configmaps: Internal error occurred: failed calling webhook "validate.kyverno.svc-fail": failed to call webhook: Post "https://kyverno-svc.kyverno.svc:443/validate/fail?timeout=10s": x509: certificate signed by unknown authority`;

describe('writesRefused', () => {
  it('names the webhook refusing writes, the cause, since when and how many attempts in a row', () => {
    const view = viewOf({}, t0 - 10 * 60_000, [
      ...attempts(own, t0 - 300_000, t0 - 150_000),
      ...attempts(own, t0 - 120_000, t0, { latencyMs: 3, status: 500, error: certificate }),
    ]);
    const [s] = ofKind(writesRefused(view, t0), 'writes-refused');
    expect(s.subject).toBe('webhook/validate.kyverno.svc-fail');
    expect(s.severity).toBe('critical');
    expect(s.sinceMs).toBe(t0 - 120_000);
    expect(s.facts).toMatchObject({
      cause: 'x509',
      webhook: 'validate.kyverno.svc-fail',
      targets: ['configmaps/kubetriage'],
      failures: 5,
      attempts: 11,
      lastStatus: 500,
      lastOk: new Date(t0 - 150_000).toISOString().replace(/\.\d+Z$/, 'Z'),
    });
    expect(s.facts.lastError).toContain('x509: certificate signed by unknown authority');
    expect(s.evidence[0].raw).toMatchObject({ kind: 'probe', status: 500 });
  });

  it('groups the targets one cause refuses, and tells a quota (a warning) apart from a webhook', () => {
    const quota = `${server}/apis/networking.k8s.io/v1/namespaces/shop/ingresses: ingresses "kubetriage-write-probe-x" is forbidden: exceeded quota: shop-objects, requested: count/ingresses.networking.k8s.io=1, used: count/ingresses.networking.k8s.io=20, limited: count/ingresses.networking.k8s.io=20`;
    const view = viewOf({}, t0 - 10 * 60_000, [
      ...attempts(own, t0 - 60_000, t0, { latencyMs: 3, status: 500, error: certificate }),
      ...attempts(shop, t0 - 60_000, t0, { latencyMs: 3, status: 403, error: quota }),
    ]);
    const signals = ofKind(writesRefused(view, t0), 'writes-refused');
    expect(signals.map((s) => [s.subject, s.severity, s.facts.cause, s.facts.targets])).toEqual([
      ['webhook/validate.kyverno.svc-fail', 'critical', 'x509', ['configmaps/kubetriage']],
      ['quota/shop-objects', 'warning', 'quota', ['ingresses/shop']],
    ]);
  });

  it('reports writes that are answered only after 10 s or more, across attempts that got no answer', () => {
    const view = viewOf({}, t0 - 10 * 60_000, [
      ...attempts(own, t0 - 90_000, t0 - 60_000, { latencyMs: 30_004 }),
      ...attempts(own, t0 - 45_000, t0 - 45_000, {
        latencyMs: 1,
        status: 0,
        error: `${server}/api/v1: socket hang up`,
      }),
      ...attempts(own, t0 - 30_000, t0, { latencyMs: 30_004 }),
      ...attempts(own, t0 + 1, t0 + 1, {
        latencyMs: 1,
        status: 0,
        error: `${server}/api/v1: socket hang up`,
      }),
    ]);
    const [s] = ofKind(writesRefused(view, t0), 'writes-refused');
    expect(s.facts).toMatchObject({ cause: 'slow', webhook: '', slowestMs: 30_004, failures: 4 });
    expect(s.severity).toBe('warning');
  });

  it('stays quiet for one refusal alone, for writes that work again, and for our own missing grant', () => {
    const forbidden = `${server}/apis/networking.k8s.io/v1/namespaces/shop/ingresses: ingresses.networking.k8s.io is forbidden: User "system:serviceaccount:kubetriage:kubetriage" cannot create resource "ingresses" in API group "networking.k8s.io" in the namespace "shop"`;
    const view = viewOf({}, t0 - 10 * 60_000, [
      ...attempts(own, t0 - 150_000, t0 - 30_000),
      ...attempts(own, t0, t0, { latencyMs: 3, status: 500, error: certificate }),
      ...attempts(shop, t0 - 150_000, t0 - 60_000, { latencyMs: 3, status: 500, error: certificate }),
      ...attempts(shop, t0 - 30_000, t0),
      ...attempts({ kind: 'deployment', namespace: 'shop' }, t0 - 150_000, t0, {
        status: 403,
        error: forbidden,
      }),
    ]);
    expect(writesRefused(view, t0)).toEqual([]);
    // The missing grant is said where sources are: the probe of shop's Deployments is forbidden.
    const deployments = view.freshness(t0, 60_000).find((r) => r.source === 'probe-write/deployments/shop');
    expect(deployments).toMatchObject({ state: 'forbidden', forbidden: true });
  });
});

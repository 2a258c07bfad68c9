/**
 * What users see of a broken pod network through the ingress (its upstream timeouts, 504)
 * is part of the pod-network incident: its signals carry them, so the errors draining from
 * the ingress's 5-minute window after the network heals stay with that incident rather than
 * open a second one. Errors of another kind are not claimed.
 */
import { describe, expect, it } from 'vitest';
import { diagnose } from '../diagnose.ts';
import { agent, probes, serviceErrors, t0 } from '../fixtures.ts';
import { signalKey } from '../query.ts';

describe('pod-network-broken and the ingress', () => {
  it("carries the ingress's upstream timeouts as its evidence, not 503s from Services without endpoints", () => {
    const timeouts = serviceErrors('shop/web', { statuses: ['504=700', '500=200'], errors: 900 });
    const unavailable = serviceErrors('billing/api', { statuses: ['503=900'], errors: 900 });
    const d = diagnose(
      [
        agent('PodNetworkPeersUnreachable', ['n1', 'n2', 'n3', 'n4'], {
          reasons: ['PeersUnreachable'],
          unreachable: ['n2', 'n3', 'n4'],
        }),
        probes('shop', 'cart'),
        probes('search', 'indexer'),
        probes('billing', 'invoices'),
        timeouts,
        unavailable,
      ],
      t0,
    );
    const h = d.hypotheses.find((x) => x.pattern === 'pod-network-broken')!;
    expect(d.hypotheses[0]).toBe(h);
    expect(h.signals).toContain(signalKey(timeouts));
    expect(h.signals).not.toContain(signalKey(unavailable));
    expect(h.blastRadius.services).toEqual(['shop/web']);
  });
});

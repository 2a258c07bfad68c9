import { describe, expect, it } from 'vitest';
import { diagnose } from '../diagnose.ts';
import { apiDegraded, apiUnreachable, min, t0, terminations } from '../fixtures.ts';
import { signalKey } from '../query.ts';

describe('the API server’s clients it took down with it', () => {
  it.each([
    ['control-plane-unreachable', apiUnreachable()],
    [
      'control-plane-degraded',
      apiDegraded({ statuses: ['livez=500', 'readyz=500'] }, { severity: 'critical' }),
    ],
  ])(
    '%s carries the system components that ended after its trouble began, not those that ended before',
    (id, api) => {
      const after = terminations('kube-system', 'coredns', api.sinceMs + 20_000);
      const before = terminations('kube-system', 'metrics-server', t0 - 60 * min);
      const app = terminations('shop', 'cart', api.sinceMs + 20_000);
      const h = diagnose([api, after, before, app], t0).hypotheses.find((x) => x.pattern === id)!;
      expect(h.signals).toContain(signalKey(after));
      expect(h.signals).not.toContain(signalKey(before));
      expect(h.signals).not.toContain(signalKey(app));
    },
  );
});

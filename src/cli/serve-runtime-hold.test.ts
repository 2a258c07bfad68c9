/**
 * serve's public page does not flap: cluster DNS pods that go unready and Ready again every
 * round keep DNS shown as down (not red, green, red), and DNS reads Operational again only
 * once the pods have stayed Ready for the hold window (publish/component-hold.ts).
 */
import { describe, expect, it } from 'vitest';
import { pod, t0, update, viewOf } from '../detect/fixtures.ts';
import type { StatusPage } from '../publish/status-page.ts';
import { ManualClock } from '../time/manual-clock.ts';
import { ServeRuntime } from './serve-runtime.ts';

const dnsPod = (ready: boolean) =>
  pod({
    name: 'coredns-1',
    namespace: 'kube-system',
    node: 'w1',
    labels: { 'k8s-app': 'kube-dns' },
    containers: [{ name: 'coredns', ready }],
  });

async function dnsShown(rt: ServeRuntime): Promise<string | undefined> {
  const p = (await (await rt.app.request('/status.json')).json()) as StatusPage;
  return p.components.find((c) => c.name === 'DNS')?.status;
}

describe('serve status page under a wobbling reading', () => {
  it('keeps DNS down while its pods flap, and clears after the hold window', async () => {
    const clock = new ManualClock(t0);
    const rt = new ServeRuntime({
      clock,
      cluster: 'prod',
      token: 'a-token-of-at-least-16-chars',
      componentClearAfterMs: 60_000,
    });
    const view = viewOf({ pods: [dnsPod(true)] });
    rt.round(view, clock.now());
    expect(await dnsShown(rt)).toBe('operational');
    const shown: (string | undefined)[] = [];
    for (let k = 0; k < 12; k++) {
      clock.advance(10_000);
      update(view, 'pods', dnsPod(k % 2 === 1), clock.now());
      rt.round(view, clock.now());
      shown.push(await dnsShown(rt));
    }
    expect(new Set(shown)).toEqual(new Set(['major_outage']));
    // Ready from here on: still held for the window, then Operational.
    update(view, 'pods', dnsPod(true), clock.now());
    for (let t = 0; t < 60_000; t += 10_000) {
      rt.round(view, clock.now());
      expect(await dnsShown(rt)).toBe('major_outage');
      clock.advance(10_000);
    }
    rt.round(view, clock.now());
    expect(await dnsShown(rt)).toBe('operational');
    await rt.close();
  });
});

/**
 * What setupAgent wires from its settings, against a fake host and an API that can go away:
 * the cluster DNS server comes from kube-dns once and is kept, so an API outage later is not
 * mistaken for cluster DNS being unhealthy.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TempHost, tempHost } from '../../test/agent/temp-host.ts';
import { ApiRequestError, type ApiResponse } from '../kube/api-client.ts';
import { ManualClock } from '../time/manual-clock.ts';
import { AgentState } from './agent-state.ts';
import type { DnsLookup } from './dns-lookup.ts';
import { setupAgent } from './setup.ts';

let fakeHost: TempHost;
beforeEach(async () => {
  fakeHost = await tempHost();
});
afterEach(async () => {
  await fakeHost.remove();
});

/** An API that answers kube-dns's Service while `up`, and is unreachable after. */
function flakyApi() {
  const api = {
    up: true,
    serviceReads: 0,
    async getJson<T>(path: string): Promise<ApiResponse<T>> {
      if (!api.up) throw new ApiRequestError('connect ECONNREFUSED', { status: 0, reason: 'Unreachable' });
      if (path !== '/api/v1/namespaces/kube-system/services/kube-dns') throw new Error(`unexpected ${path}`);
      api.serviceReads++;
      // The one read this fake serves; T is the Service shape setupAgent asks for.
      return { status: 200, latencyMs: 0, body: { spec: { clusterIP: '10.96.0.10' } } as T };
    },
    setEndpoints() {},
    noteVip() {},
    noteEndpoint() {},
  };
  return api;
}

describe('setupAgent', () => {
  it('looks up kube-dns once and keeps it: an API outage later leaves ClusterDNSUnhealthy judged', async () => {
    const clock = new ManualClock(Date.parse('2024-11-22T12:00:00Z'));
    const api = flakyApi();
    const servers: string[] = [];
    const lookup: DnsLookup = async (server) => {
      servers.push(server);
      return { kind: 'answer', addresses: ['10.96.0.1'] };
    };
    const setup = await setupAgent({
      host: fakeHost.host,
      clock,
      api,
      serviceVip: { host: '10.96.0.1', port: 443 },
      apiEndpoints: [],
      discoverEndpoints: false,
      upgradeTimerGlobs: [],
      state: await AgentState.open({ dir: undefined, clock }),
      lookup,
    });
    try {
      const dns = setup.checks.find((c) => c.type === 'ClusterDNSUnhealthy');
      const run = () => dns?.run({ startedMs: clock.now(), signal: new AbortController().signal });
      expect((await run())?.reason).toBe('ClusterDNSResolving');
      api.up = false;
      for (let i = 0; i < 3; i++) {
        clock.advance(10_000);
        expect((await run())?.reason).toBe('ClusterDNSResolving');
      }
      expect(api.serviceReads).toBe(1);
      expect(servers).toEqual(Array(4).fill('10.96.0.10:53'));
    } finally {
      setup.stop();
    }
  });
});

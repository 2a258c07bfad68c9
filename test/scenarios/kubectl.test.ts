/**
 * Each outage as an operator with plain kubectl meets it: the scenario is run in virtual
 * time to a moment of the outage, then its API server is served and real kubectl asks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { scenarioAt } from '../support/scenario-moment.ts';
import type { SimCluster } from '../support/sim-cluster.ts';

let cluster: SimCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

async function at(name: string, moment: string): Promise<SimCluster> {
  cluster = await scenarioAt(name, moment);
  return cluster;
}

describe('the outages through kubectl', () => {
  it('AirMap: nodes NotReady and pods in CrashLoopBackOff', async () => {
    const c = await at('airmap-2018', '2018-07-19T17:05:00Z');
    const nodes = await c.kubectl(['get', 'nodes']);
    expect(nodes.code).toBe(0);
    expect(nodes.stdout).toMatch(/NotReady/);
    const pods = await c.kubectl(['get', 'pods', '-A']);
    expect(pods.stdout).toMatch(/CrashLoopBackOff/);
  });

  it('data100: every kubectl call times out while the API server is down', async () => {
    const c = await at('data100-2019', '2019-02-25T19:30:00Z');
    const r = await c.kubectl(['get', 'nodes', '--request-timeout=2s']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/timeout|Client\.Timeout|deadline/i);
  });

  it('Runway: CoreDNS in CrashLoopBackOff with the VIP timeout in its logs; kubectl itself works', async () => {
    const c = await at('runway-2024', '2024-11-22T11:45:00Z');
    const pods = await c.kubectl([
      '-n',
      'kube-system',
      'get',
      'pods',
      '-l',
      'k8s-app=kube-dns',
      '-o',
      'name',
    ]);
    expect(pods.code).toBe(0);
    const listing = await c.kubectl(['-n', 'kube-system', 'get', 'pods', '-l', 'k8s-app=kube-dns']);
    expect(listing.stdout).toMatch(/CrashLoopBackOff|Error|Running/);
    const pod = pods.stdout.trim().split('\n')[0];
    const logs = await c.kubectl(['-n', 'kube-system', 'logs', pod, '--previous']);
    const current = await c.kubectl(['-n', 'kube-system', 'logs', pod]);
    expect(`${logs.stdout}${current.stdout}`).toContain('dial tcp 10.96.0.1:443: i/o timeout');
    const all = await c.kubectl(['get', 'pods', '-A']);
    expect(all.stdout).toMatch(/CrashLoopBackOff/);
  });

  it('CircleCI: iptables-restore failures in kube-proxy logs and its failure counter', async () => {
    const c = await at('circleci-2023', '2023-03-14T19:30:00Z');
    const pods = await c.kubectl([
      '-n',
      'kube-system',
      'get',
      'pods',
      '-l',
      'k8s-app=kube-proxy',
      '-o',
      'jsonpath={range .items[*]}{.metadata.name} {.spec.nodeName}{"\\n"}{end}',
    ]);
    expect(pods.code).toBe(0);
    let found = false;
    for (const line of pods.stdout.trim().split('\n').slice(0, 20)) {
      const [pod, node] = line.split(' ');
      const logs = await c.kubectl(['-n', 'kube-system', 'logs', pod, '--tail=50']);
      if (!logs.stdout.includes('"Failed to execute iptables-restore"')) continue;
      expect(logs.stdout).toMatch(/"Sync failed" ipFamily="IPv4" retryingTime="30s"/);
      const metrics = await c.kubectl(['get', '--raw', `/api/v1/nodes/${node}:10249/proxy/metrics`]);
      const failures = /^kubeproxy_sync_proxy_rules_iptables_restore_failures_total (\d+)/m.exec(
        metrics.stdout,
      );
      expect(Number(failures?.[1])).toBeGreaterThan(0);
      found = true;
      break;
    }
    expect(found).toBe(true);
  });

  it('DigitalOcean: only nodes of the two affected image versions are NotReady after 06:00', async () => {
    const c = await at('digitalocean-2023', '2023-10-09T07:15:00Z');
    const r = await c.kubectl(['get', 'nodes', '-L', 'doks.digitalocean.com/version', '--no-headers']);
    expect(r.code).toBe(0);
    const notReady = r.stdout.split('\n').filter((l) => /\bNotReady\b/.test(l));
    expect(notReady.length).toBeGreaterThan(0);
    for (const line of notReady) expect(line).toMatch(/1\.27\.6-do\.0|1\.28\.2-do\.0/);
  });
});

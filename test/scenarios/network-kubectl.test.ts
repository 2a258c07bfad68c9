/**
 * The network faults as an operator with plain kubectl meets them: the simulated cluster
 * is run in virtual time past the fault, then served, and the real kubectl asks.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { minute, type NetworkCase, runNetworkCase } from '../../src/sim/world/network-fixture.ts';
import { type SimCluster, serveSimCluster } from '../support/sim-cluster.ts';

let cluster: SimCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

async function served(c: NetworkCase, forMs: number): Promise<SimCluster> {
  const w = await runNetworkCase(c, forMs);
  cluster = await serveSimCluster(w.sim);
  return cluster;
}

describe('the network faults through kubectl', () => {
  it('IP exhaustion: pods stuck in ContainerCreating, describe shows FailedCreatePodSandBox with the aws-cni error', async () => {
    const c = await served(
      {
        cni: { kind: 'aws-vpc-cni', mode: 'vpc', ipam: { perNode: 3 } },
        timeline: [
          { at: '+10m', action: { type: 'drain-nodes', nodes: { names: ['worker-0', 'worker-1'] } } },
        ],
      },
      16 * minute,
    );
    const pods = await c.kubectl(['get', 'pods', '-n', 'shop', '--no-headers']);
    expect(pods.code).toBe(0);
    const stuck = pods.stdout.split('\n').filter((l) => /\bContainerCreating\b/.test(l));
    expect(stuck.length).toBeGreaterThan(0);
    const name = stuck[0].split(/\s+/)[0];
    const describe = await c.kubectl(['describe', 'pod', '-n', 'shop', name]);
    expect(describe.stdout).toMatch(/FailedCreatePodSandBox/);
    expect(describe.stdout).toMatch(/add cmd: failed to assign an IP address to container/);
  });

  it('BGP blocked on a node: its calico-node is 0/1 with the BIRD readiness failure in its events', async () => {
    const c = await served(
      {
        cni: { kind: 'calico', mode: 'bgp' },
        timeline: [{ at: '+10m', fault: { type: 'bgp-session-blocked', nodes: { names: ['worker-0'] } } }],
      },
      15 * minute,
    );
    const r = await c.kubectl([
      'get',
      'pods',
      '-n',
      'kube-system',
      '-l',
      'k8s-app=calico-node',
      '--field-selector',
      'spec.nodeName=worker-0',
      '--no-headers',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/calico-node-\S+\s+0\/1\s+Running/);
    const events = await c.kubectl([
      'get',
      'events',
      '-n',
      'kube-system',
      '--field-selector',
      'reason=Unhealthy',
    ]);
    expect(events.stdout).toMatch(
      /Readiness probe failed: calico\/node is not ready: BIRD is not ready: BGP not established with 10\.240\.0\./,
    );
  });

  it('the Reddit-style peering: kubectl shows the BGPPeer selecting the label the 1.24 upgrade removed', async () => {
    const c = await served(
      { timeline: [{ at: '+10m', action: { type: 'upgrade', component: 'control-plane', to: 'v1.24.10' } }] },
      15 * minute,
    );
    const peer = await c.kubectl([
      'get',
      'bgppeers.crd.projectcalico.org',
      'peer-with-route-reflectors',
      '-o',
      'jsonpath={.spec.peerSelector}',
    ]);
    expect(peer.stdout).toBe('has(node-role.kubernetes.io/master)');
    const masters = await c.kubectl(['get', 'nodes', '-l', 'node-role.kubernetes.io/master', '--no-headers']);
    expect(`${masters.stdout}${masters.stderr}`).toMatch(/No resources found/);
    const nodes = await c.kubectl(['get', 'nodes', '--no-headers']);
    expect(nodes.stdout.split('\n').filter((l) => /\bNotReady\b/.test(l))).toEqual([]);
  });

  it('API removal: applying an extensions/v1beta1 Ingress after 1.22 fails with no matches for kind', async () => {
    const c = await served(
      {
        kubernetesVersion: 'v1.21.14',
        cni: { kind: 'calico', mode: 'bgp' },
        ingress: { kind: 'ingress-nginx', apiVersion: 'extensions/v1beta1' },
        timeline: [{ at: '+10m', action: { type: 'upgrade', component: 'control-plane', to: 'v1.22.17' } }],
      },
      12 * minute,
    );
    const file = join(c.dir, 'ingress.yaml');
    await writeFile(
      file,
      [
        'apiVersion: extensions/v1beta1',
        'kind: Ingress',
        'metadata: { name: shop, namespace: shop }',
        'spec:',
        '  rules:',
        '  - host: shop.example.com',
        '    http: { paths: [ { path: /, backend: { serviceName: frontend, servicePort: 80 } } ] }',
        '',
      ].join('\n'),
    );
    // The simulator serves no OpenAPI yet, which kubectl's client-side validation fetches.
    const r = await c.kubectl(['apply', '--validate=false', '-f', file]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/no matches for kind "Ingress" in version "extensions\/v1beta1"/);
    // What was stored before the upgrade is still served, as networking.k8s.io/v1.
    const existing = await c.kubectl(['get', 'ingress', '-n', 'shop', '-o', 'name']);
    expect(existing.stdout.trim()).toBe('ingress.networking.k8s.io/frontend');
  });
});

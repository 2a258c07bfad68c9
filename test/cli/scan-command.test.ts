/**
 * `kubetriage scan` as a process against scenario clusters stopped at a moment: the
 * Runway outage (VIP unrouted) must come out as broken service routing with exit 1, and
 * the healthy baseline as no cluster-level failure with exit 0. The simulator runs in
 * virtual time at the scenario's real date; scan reads the cluster's time from the API
 * server's Date header, as it would on a cluster whose clock differs from its own.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scenarioAt } from '../support/scenario-moment.ts';
import { type SimCluster, startSimCluster } from '../support/sim-cluster.ts';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'kubetriage.js');

function scan(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, 'scan', ...args], { timeout: 90_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** A local port that was just free: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

let cluster: SimCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

async function at(name: string, moment: string): Promise<SimCluster> {
  cluster = await scenarioAt(name, moment);
  return cluster;
}

describe('kubetriage scan', () => {
  it('names broken service routing in the Runway outage, CoreDNS as a consequence, and exits 1', async () => {
    const c = await at('runway-2024', '2024-11-22T11:40:00Z');
    const r = await scan(['--kubeconfig', c.kubeconfig, '-o', 'json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as {
      hypotheses: { pattern: string; statement: string }[];
      findings: { pattern: string }[];
    };
    expect(out.hypotheses[0].pattern).toBe('service-routing');
    expect(out.hypotheses[0].statement).toMatch(/the DNS pods fail because of it, not the other way round/);
    const table = await scan(['--kubeconfig', c.kubeconfig]);
    expect(table.stdout).toMatch(
      /^CRITICAL Pods cannot reach a Service through its address on the nodes \(service-routing/m,
    );
    expect(table.stdout).toContain(
      '$ kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes',
    );
  });

  it('finds nothing cluster-level on the healthy baseline and exits 0', async () => {
    const c = await at('healthy-day', '2024-03-06T09:30:00Z');
    const r = await scan(['--kubeconfig', c.kubeconfig]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.stdout).toMatch(/^No cluster-level failure found\./m);
    expect(r.code).toBe(0);
  });

  it('says the API server refuses its credentials, claims nothing about the cluster, and exits 3', async () => {
    cluster = await startSimCluster({ token: 'the-token-the-cluster-takes' });
    const kc = await readFile(cluster.kubeconfig, 'utf8');
    await writeFile(cluster.kubeconfig, kc.replace('the-token-the-cluster-takes', 'a-token-long-expired'));
    const r = await scan(['--kubeconfig', cluster.kubeconfig, '--timeout', '10', '-o', 'json']);
    expect(r.code).toBe(3);
    const out = JSON.parse(r.stdout) as { hypotheses: { pattern: string; statement: string }[] };
    expect(out.hypotheses[0].pattern).toBe('credentials-rejected');
    expect(out.hypotheses[0].statement).toMatch(/answers kubetriage with 401 Unauthorized/);
    expect(out.hypotheses.map((h) => h.pattern)).not.toContain('control-plane-unreachable');
  });

  it('says it never reached an address nothing listens on, names no outage, and exits 3', async () => {
    const closed = await closedPort();
    const dir = await mkdtemp(join(tmpdir(), 'kt-scan-'));
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c, cluster: {server: "https://127.0.0.1:' +
          closed +
          '", insecure-skip-tls-verify: true}}]',
        'users: [{name: u, user: {token: a-token-of-some-length}}]',
        'contexts: [{name: wrong-port, context: {cluster: c, user: u}}]',
        'current-context: wrong-port',
      ].join('\n'),
    );
    const r = await scan(['--kubeconfig', kubeconfig, '-o', 'json']);
    const table = await scan(['--kubeconfig', kubeconfig]);
    await rm(dir, { recursive: true, force: true });
    expect(r.code).toBe(3);
    expect(table.code).toBe(3);
    expect(table.stderr).toContain(`the API server at https://127.0.0.1:${closed} never answered kubetriage`);
    expect(table.stderr).toContain('context "wrong-port"');
    expect(table.stdout).toContain('Connections are refused: nothing listens at that address and port');
    const out = JSON.parse(r.stdout) as {
      hypotheses: { pattern: string; severity: string; statement: string }[];
    };
    expect(out.hypotheses.map((h) => h.pattern)).toEqual(['api-never-reached']);
    expect(out.hypotheses[0].severity).toBe('warning');
    expect(out.hypotheses[0].statement).toMatch(/\(refused: connect ECONNREFUSED 127\.0\.0\.1:\d+\)/);
  });

  it('rejects a bad output format with exit 2', async () => {
    const r = await scan(['-o', 'xml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/-o must be one of table, wide, json, yaml, name or jsonpath=TEMPLATE/);
  });
});

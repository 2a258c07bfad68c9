/**
 * What an operator with kubectl meets when the control plane fails inside: the static
 * cluster's one control-plane node (cp-1, stacked etcd) with its etcd member cut off, its
 * disk slow or its database full, or its kube-apiserver gone. The faults are set low on
 * the control-plane model; kubectl's output is the real text.
 */

import { Agent, fetch } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { requestUser } from '../../src/sim/api/apf.ts';
import { type SimCluster, startSimCluster } from '../support/sim-cluster.ts';

let c: SimCluster | undefined;
afterEach(async () => {
  await c?.stop();
  c = undefined;
});

async function cluster(): Promise<SimCluster> {
  c = await startSimCluster();
  return c;
}

describe('kubectl against a failing control plane', () => {
  it('a healthy cluster: /readyz?verbose lists the named checks and passes', async () => {
    const k = await cluster();
    const r = await k.kubectl(['get', '--raw', '/readyz?verbose']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\[\+\]ping ok\n\[\+\]log ok\n\[\+\]etcd ok\n\[\+\]etcd-readiness ok\n/);
    expect(r.stdout).toMatch(/\[\+\]shutdown ok\nreadyz check passed\n$/);
  });

  it('etcd member down: /readyz fails on etcd with the reason withheld; /livez/etcd gives the error', async () => {
    const k = await cluster();
    k.sim.controlPlane.setEtcdDown('cp-1', 'test', true);
    const r = await k.kubectl(['get', '--raw', '/readyz?verbose']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      'Error from server (InternalError): an error on the server ("[+]ping ok\\n[+]log ok\\n[-]etcd failed: reason withheld\\n[-]etcd-readiness failed: reason withheld\\n',
    );
    expect(r.stderr).toContain('readyz check failed") has prevented the request from succeeding');
    const one = await k.kubectl(['get', '--raw', '/livez/etcd']);
    expect(one.stderr).toContain(
      'internal server error: error getting data from etcd: context deadline exceeded',
    );
  });

  it('etcd too slow to answer: reads wait 7 s and fail with etcd’s own error', {
    timeout: 30_000,
  }, async () => {
    const k = await cluster();
    k.sim.controlPlane.setEtcdLatency('test', 10_000);
    const r = await k.kubectl(['get', 'pods', '-n', 'shop']);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe('Error from server: etcdserver: request timed out');
  });

  it('etcd database full: writes fail with the NOSPACE error, reads still work', async () => {
    const k = await cluster();
    k.sim.controlPlane.setNoSpace('test', true);
    const w = await k.kubectl(['create', 'configmap', 'flags', '-n', 'shop', '--from-literal=a=b']);
    expect(w.code).not.toBe(0);
    expect(w.stderr.trim()).toBe(
      'error: failed to create configmap: etcdserver: mvcc: database space exceeded',
    );
    const r = await k.kubectl(['get', 'pods', '-n', 'shop', '-o', 'name']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^pod\/web-/m);
  });

  it('kube-apiserver down on every replica: the endpoint refuses connections', async () => {
    const k = await cluster();
    k.sim.controlPlane.setApiserverDown('cp-1', 'test', true);
    const r = await k.kubectl(['get', 'nodes']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(
      /The connection to the server 127\.0\.0\.1:\d+ was refused - did you specify the right host or port\?/,
    );
    k.sim.controlPlane.setApiserverDown('cp-1', 'test', false);
    expect((await k.kubectl(['get', 'nodes', '-o', 'name'])).code).toBe(0);
  });

  it('the serving certificate expired: kubectl fails the handshake with x509’s error, and works once renewed', async () => {
    const k = await cluster();
    k.sim.controlPlane.setServingCertificateExpired(true);
    await k.sim.certificateServed();
    const r = await k.kubectl(['get', 'nodes']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(
      /^Unable to connect to the server: tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time \S+ is after \S+$/m,
    );
    k.sim.controlPlane.setServingCertificateExpired(false);
    await k.sim.certificateServed();
    expect((await k.kubectl(['get', 'nodes', '-o', 'name'])).code).toBe(0);
  });

  it('the etcd static pod: kubeadm’s probe on 2381, and its own metrics through the pod proxy', async () => {
    const k = await cluster();
    const probe = await k.kubectl([
      'get',
      'pod',
      'etcd-cp-1',
      '-n',
      'kube-system',
      '-o',
      'jsonpath={.spec.containers[0].livenessProbe.httpGet}',
    ]);
    expect(JSON.parse(probe.stdout)).toEqual({
      host: '127.0.0.1',
      path: '/livez',
      port: 2381,
      scheme: 'HTTP',
    });
    const path = '/api/v1/namespaces/kube-system/pods/etcd-cp-1:2381/proxy/metrics';
    expect((await k.kubectl(['get', '--raw', path])).stdout).toMatch(/^etcd_server_has_leader 1$/m);
  });
});

describe('kubectl and the API server’s load', () => {
  it('/metrics counts requests by verb, resource and code, and shows the priority levels’ seats', async () => {
    const k = await cluster();
    expect((await k.kubectl(['get', 'pods', '-n', 'shop'])).code).toBe(0);
    const metrics = (await k.kubectl(['get', '--raw', '/metrics'])).stdout;
    expect(metrics).toMatch(
      /^apiserver_request_total\{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="namespace",subresource="",verb="LIST",version="v1"\} 1$/m,
    );
    expect(metrics).toMatch(/^# TYPE apiserver_request_duration_seconds histogram$/m);
    expect(metrics).toMatch(
      /^apiserver_flowcontrol_nominal_limit_seats\{priority_level="workload-low"\} 245$/m,
    );
    expect(metrics).toMatch(/^apiserver_current_inflight_requests\{request_kind="readOnly"\} \d+$/m);
  });

  it('a flood from one service account: its requests get APF’s 429, kubectl’s own flow is untouched', async () => {
    const k = await cluster();
    const agent = 'system:serviceaccount:monitoring:agent';
    k.sim.load.add(
      {
        name: 'agent',
        user: requestUser(agent),
        userAgent: 'agent/v1',
        verb: 'update',
        group: '',
        version: 'v1',
        resource: 'configmaps',
        namespace: 'monitoring',
        rate: () => 5_000_000,
      },
      k.sim.metrics,
    );
    const r = await fetch(`${k.url}/api/v1/namespaces/shop/pods`, {
      headers: { 'Impersonate-User': agent },
      // The simulator's certificate is self-signed; its CA is in the kubeconfig.
      dispatcher: new Agent({ connect: { ca: k.sim.caPem } }),
    });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('1');
    expect(r.headers.get('x-kubernetes-pf-flowschema-uid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await r.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Too many requests, please try again later.',
      reason: 'TooManyRequests',
      details: { retryAfterSeconds: 1 },
      code: 429,
    });
    expect((await k.kubectl(['get', 'pods', '-n', 'shop', '-o', 'name'])).code).toBe(0);
    const metrics = (await k.kubectl(['get', '--raw', '/metrics'])).stdout;
    expect(metrics).toMatch(
      /^apiserver_flowcontrol_rejected_requests_total\{flow_schema="service-accounts",priority_level="workload-low",reason="queue-full"\} \d+$/m,
    );
  });
});

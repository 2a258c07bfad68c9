/**
 * Admission webhooks as an operator meets them with kubectl: a ValidatingWebhookConfiguration
 * applied with kubectl and listed, writes it matches failing with the apiserver's exact
 * error when its server is slow or serves the wrong certificate, and passing again once the
 * configuration is deleted. The webhook's server is the static cluster's `shop/checkout`
 * Service; what it does (latency, certificate) is set on the simulator's ground truth.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimCluster, startSimCluster } from '../support/sim-cluster.ts';

const configuration = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: policy
webhooks:
  - name: validate.policy.example.com
    admissionReviewVersions: ["v1"]
    clientConfig:
      service: { namespace: shop, name: checkout, path: /validate, port: 443 }
    rules:
      - operations: ["CREATE", "UPDATE"]
        apiGroups: [""]
        apiVersions: ["v1"]
        resources: ["configmaps"]
    namespaceSelector:
      matchExpressions:
        - { key: kubernetes.io/metadata.name, operator: In, values: ["shop"] }
    failurePolicy: Fail
    sideEffects: None
    timeoutSeconds: 10
`;

describe('kubectl and a validating webhook', () => {
  let c: SimCluster;
  const server = () => {
    const s = c.sim.webhooks.servers.get('policy') ?? { latencyMs: 20 };
    c.sim.webhooks.servers.set('policy', s);
    return s;
  };
  beforeAll(async () => {
    c = await startSimCluster();
    await writeFile(join(c.dir, 'webhook.yaml'), configuration);
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('is applied and listed with its webhook count', async () => {
    const applied = await c.kubectl(['apply', '-f', join(c.dir, 'webhook.yaml')]);
    expect(applied.stderr).toBe('');
    expect(applied.stdout.trim()).toBe(
      'validatingwebhookconfiguration.admissionregistration.k8s.io/policy created',
    );
    const list = await c.kubectl(['get', 'validatingwebhookconfigurations']);
    expect(list.stdout).toMatch(/^NAME\s+WEBHOOKS\s+AGE\npolicy\s+1\s+\d+s\n$/);
  });

  it('a healthy server: matching writes pass', async () => {
    server().latencyMs = 20;
    const r = await c.kubectl(['create', 'configmap', 'ok', '-n', 'shop', '--from-literal=a=b']);
    expect(r.stdout.trim()).toBe('configmap/ok created');
  });

  it('a server slower than timeoutSeconds: the write fails after 10 s with context deadline exceeded', {
    timeout: 30_000,
  }, async () => {
    server().latencyMs = 15_000;
    const r = await c.kubectl(['create', 'configmap', 'slow', '-n', 'shop', '--from-literal=a=b']);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe(
      'error: failed to create configmap: Internal error occurred: failed calling webhook "validate.policy.example.com": failed to call webhook: Post "https://checkout.shop.svc:443/validate?timeout=10s": context deadline exceeded',
    );
    // Namespaces the selector leaves out are not sent to it.
    expect(
      (await c.kubectl(['create', 'configmap', 'elsewhere', '-n', 'default', '--from-literal=a=b'])).code,
    ).toBe(0);
  });

  it('a server with the wrong certificate: x509 names what it is valid for', async () => {
    server().latencyMs = 20;
    server().certificate = { dnsNames: ['policy-webhook.default.svc'] };
    const r = await c.kubectl(['create', 'configmap', 'tls', '-n', 'shop', '--from-literal=a=b']);
    expect(r.stderr.trim()).toBe(
      'error: failed to create configmap: Internal error occurred: failed calling webhook "validate.policy.example.com": failed to call webhook: Post "https://checkout.shop.svc:443/validate?timeout=10s": tls: failed to verify certificate: x509: certificate is valid for policy-webhook.default.svc, not checkout.shop.svc',
    );
    const metrics = (await c.kubectl(['get', '--raw', '/metrics'])).stdout;
    expect(metrics).toMatch(
      /^apiserver_admission_webhook_rejection_count\{error_type="calling_webhook_error",name="validate\.policy\.example\.com",operation="CREATE",rejection_code="0",type="validating"\} 2$/m,
    );
  });

  it('deleting the configuration lets writes through again', async () => {
    const del = await c.kubectl(['delete', 'validatingwebhookconfiguration', 'policy']);
    expect(del.stdout.trim()).toBe(
      'validatingwebhookconfiguration.admissionregistration.k8s.io "policy" deleted',
    );
    expect((await c.kubectl(['create', 'configmap', 'after', '-n', 'shop', '--from-literal=a=b'])).code).toBe(
      0,
    );
  });
});

/**
 * kubectl conformance for writes: the real kubectl (v1.32) creating, applying and
 * explaining against the simulator. `create namespace|configmap|deployment` send protobuf
 * bodies (client-go 0.32 typed clients), `apply -f` validates through /openapi/v3 and the
 * server's field validation, `apply --server-side` sends apply patches. One cluster,
 * written to by every test in order.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubectlResult, SimCluster } from '../support/sim-cluster.ts';
import { startSimCluster } from '../support/sim-cluster.ts';

function ok(r: KubectlResult): string {
  expect(r.stderr, `kubectl failed (exit ${r.code})`).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

/** One field of one object in team-a, by jsonpath. */
async function field(c: SimCluster, kind: string, name: string, path: string): Promise<string> {
  return ok(await c.kubectl(['get', kind, name, '-n', 'team-a', '-o', `jsonpath={${path}}`]));
}

const deployment = (image: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: team-a}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - {name: api, image: "${image}"${extra}, livenessProbe: {httpGet: {path: /healthz, port: 8080}}}
      volumes: [{name: cache, emptyDir: {}}]
`;

describe('kubectl writes', () => {
  let c: SimCluster;
  const file = (name: string) => join(c.dir, name);
  beforeAll(async () => {
    c = await startSimCluster();
  });
  afterAll(async () => {
    await c?.stop();
  });

  it.each([
    [['create', 'namespace', 'team-a'], 'namespace/team-a created'],
    [
      ['create', 'configmap', 'settings', '-n', 'team-a', '--from-literal=mode=fast'],
      'configmap/settings created',
    ],
    [
      ['create', 'deployment', 'web', '-n', 'team-a', '--image=nginx:1.27', '--replicas=0'],
      'deployment.apps/web created',
    ],
    [['create', 'service', 'clusterip', 'web', '-n', 'team-a', '--tcp=80:8080'], 'service/web created'],
  ])('kubectl %j (a protobuf body) prints "%s"', async (args, printed) => {
    expect(ok(await c.kubectl(args)).trim()).toBe(printed);
  });

  it('what create sent is stored as sent: the data, the namespace label, replicas 0', async () => {
    expect(await field(c, 'cm', 'settings', '.data.mode')).toBe('fast');
    expect(
      ok(
        await c.kubectl([
          'get',
          'ns',
          'team-a',
          '-o',
          'jsonpath={.metadata.labels.kubernetes\\.io/metadata\\.name}',
        ]),
      ),
    ).toBe('team-a');
    expect(await field(c, 'deploy', 'web', '.spec.replicas')).toBe('0');
  });

  it('apply -f creates, then reports unchanged, then configured after an edit', async () => {
    await writeFile(file('api.yaml'), deployment('nginx:1.27'));
    expect(ok(await c.kubectl(['apply', '-f', file('api.yaml')])).trim()).toBe('deployment.apps/api created');
    expect(ok(await c.kubectl(['apply', '-f', file('api.yaml')])).trim()).toBe(
      'deployment.apps/api unchanged',
    );
    await writeFile(file('api.yaml'), deployment('nginx:1.28'));
    expect(ok(await c.kubectl(['apply', '-f', file('api.yaml')])).trim()).toBe(
      'deployment.apps/api configured',
    );
    expect(await field(c, 'deploy', 'api', '.spec.template.spec.containers[0].image')).toBe('nginx:1.28');
  });

  it('apply -f with a misspelt field fails with the server’s strict decoding error', async () => {
    await writeFile(file('typo.yaml'), deployment('nginx:1.28', ', imagePullPolicyy: Always'));
    const r = await c.kubectl(['apply', '-f', file('typo.yaml')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^Error from server \(BadRequest\): error when applying patch:/);
    expect(r.stderr).toContain(
      'strict decoding error: unknown field "spec.template.spec.containers[0].imagePullPolicyy"',
    );
  });

  it('--validate=warn applies and prints the warning; the field is dropped', async () => {
    const r = await c.kubectl(['apply', '--validate=warn', '-f', file('typo.yaml')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Warning: unknown field "spec.template.spec.containers[0].imagePullPolicyy"');
    const container = await field(c, 'deploy', 'api', '.spec.template.spec.containers[0]');
    expect(JSON.parse(container)).toEqual({
      name: 'api',
      image: 'nginx:1.28',
      // A probe's handler and a volume's source are inline in JSON: kept, not dropped.
      livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
    });
  });

  it('a new object with a misspelt field is refused on create with the kind named', async () => {
    await writeFile(
      file('new-typo.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other, namespace: team-a}\ndatta: {a: b}\n',
    );
    const r = await c.kubectl(['apply', '-f', file('new-typo.yaml')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "datta"',
    );
  });

  it('apply --server-side creates and updates', async () => {
    await writeFile(
      file('ssa.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa, namespace: team-a}\ndata: {a: one}\n',
    );
    expect(ok(await c.kubectl(['apply', '--server-side', '-f', file('ssa.yaml')])).trim()).toBe(
      'configmap/ssa serverside-applied',
    );
    expect(await field(c, 'cm', 'ssa', '.data.a')).toBe('one');
  });

  it('explain walks the served schemas', async () => {
    const out = ok(await c.kubectl(['explain', 'deployment.spec.template.spec.containers']));
    expect(out).toMatch(/^KIND:\s+Deployment$/m);
    expect(out).toMatch(/^FIELD: containers <\[\]Container>$/m);
    expect(out).toMatch(/^ {2}image\t<string>$/m);
    expect(out).toMatch(/^ {2}ports\t<\[\]ContainerPort>$/m);
  });
});

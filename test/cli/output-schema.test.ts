/**
 * Machine output as a contract: every `-o json` document the commands print validates
 * against docs/schema/output.schema.json (apiVersion, kind, RFC 3339 instants, no epoch
 * milliseconds), and the kubectl habits around it hold: global flags before the command,
 * `-o name`, `-o jsonpath=`, and a record holding other clusters than the one asked for.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimCluster, startSimCluster } from '../support/sim-cluster.ts';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'kubetriage.js');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

const schema = JSON.parse(await readFile(join(root, 'docs', 'schema', 'output.schema.json'), 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validate = ajv.compile(schema);

function expectValid(stdout: string, kind: string): Record<string, unknown> {
  const doc = JSON.parse(stdout) as Record<string, unknown>;
  expect(doc.kind).toBe(kind);
  const ok = validate(doc);
  expect(ok ? [] : validate.errors?.slice(0, 5)).toEqual([]);
  return doc;
}

describe('machine output without a cluster', () => {
  it.each([
    [['version', '--client', '-o', 'json'], 'Version'],
    [['scenarios', '-o', 'json'], 'ScenarioList'],
    [['patterns', '-o', 'json'], 'PatternList'],
    [['-o', 'json', 'explain', 'node-network'], 'Pattern'],
  ])('%j prints a valid %s', async (args, kind) => {
    const r = await run(args);
    expect(r.code).toBe(0);
    expectValid(r.stdout, kind);
  });

  it('rejects a document that keeps epoch milliseconds', () => {
    expect(
      validate({ apiVersion: 'kubetriage.io/v1alpha1', kind: 'ScenarioList', items: [], openedAtMs: 1 }),
    ).toBe(false);
  });
});

describe('machine output from a cluster', () => {
  let c: SimCluster;
  beforeAll(async () => {
    c = await startSimCluster();
  });
  afterAll(async () => {
    await c?.stop();
  });

  it.each([
    [['status', '-o', 'json'], 'StatusReport'],
    [['scan', '-o', 'json'], 'Diagnosis'],
  ])('%j prints a valid %s, with the kubeconfig given before the command', async (args, kind) => {
    const r = await run(['--kubeconfig', c.kubeconfig, ...args]);
    // 1 means "found something": on a loaded machine the API server's slowness is a finding.
    expect([0, 1]).toContain(r.code);
    expectValid(r.stdout, kind);
  });

  it('prints the server version beside the client one', async () => {
    const r = await run(['version', '--kubeconfig', c.kubeconfig, '-o', 'json']);
    expect(r.code).toBe(0);
    const doc = expectValid(r.stdout, 'Version') as { serverVersion: { gitVersion: string } };
    expect(doc.serverVersion.gitVersion).toBe('v1.32.4');
  });
});

describe('a stored replay', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kt-schema-'));
  });

  it('refuses a --jobs that is not a whole number of at least 1, before replaying anything', async () => {
    for (const jobs of ['0', '1.5', 'two']) {
      const r = await run(['replay', '--all', '--jobs', jobs]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--jobs must be a whole number of at least 1 (got "${jobs}")`);
      expect(r.stderr).not.toContain('replaying');
    }
  });

  it('prints a valid ReplayReport and keeps the record under the scenario name', async () => {
    const r = await run(['replay', 'data100-2019', '--data-dir', dir, '-o', 'json']);
    expect(r.code).toBe(0);
    expectValid(r.stdout, 'ReplayReport');

    // Without --cluster, incidents reads every cluster the store holds.
    const list = await run(['incidents', '--data-dir', dir, '-o', 'json']);
    expect(list.code).toBe(0);
    const doc = expectValid(list.stdout, 'IncidentList') as { items: { cluster: string; id: string }[] };
    expect(doc.items.map((i) => [i.cluster, i.id])).toEqual([['data100-2019', 'INC-0001']]);

    expect((await run(['incidents', '--data-dir', dir, '-o', 'name'])).stdout).toBe('incident/INC-0001\n');
    const path = await run([
      'incidents',
      '--data-dir',
      dir,
      '-o',
      'jsonpath={.items[0].status} {.items[0].openedAt}',
    ]);
    expect(path.stdout).toMatch(/^resolved \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    // A cluster that holds nothing names the ones that do, with the command to see them.
    const other = await run(['incidents', '--data-dir', dir, '--cluster', 'prod']);
    expect(other.stdout).toContain('No incidents stored.');
    expect(other.stdout).toContain('keeps incidents for: data100-2019 (1)');
    expect(other.stdout).toContain(`next: kubetriage incidents --cluster data100-2019 --data-dir ${dir}`);

    const pm = await run(['postmortem', 'INC-0001', '--data-dir', dir]);
    expect(pm.code).toBe(0);
    expect(pm.stdout).toContain('# Postmortem');
    const missing = await run(['postmortem', 'INC-0009', '--data-dir', dir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('keeps incidents for data100-2019 (1)');
  });
});

/**
 * The rendered manifests against Kubernetes' own schemas, old, in the middle and new. Helm
 * and a live API server are not available here, so snapshots of the OpenAPI published on npm
 * as `kubernetes-models` stand in for them (its changelog names the schema each carries):
 * 4.4.2 is Kubernetes 1.27.1 (no sidecar `restartPolicy`, no `sleep` hook), 4.5.1 is 1.33.0,
 * 5.1.0 is 1.36 (5.0.0 "Update to Kubernetes v1.36.0"). No other minor is on npm.
 *
 * What is checked: the plain manifests, and the chart rendered (test/deploy/render-chart.ts)
 * with each value set of value-sets.ts (defaults, every opt-in, SQLite on an emptyDir,
 * PostgreSQL with two replicas). The chart supports 1.29–1.36 (Chart.yaml kubeVersion): we
 * use only stable (v1) APIs, and Kubernetes never removes a field from a stable API version
 * (API deprecation policy, rule #1), so what the 1.27 schema knows every later release
 * serves, and the 1.33 and 1.36 schemas catch what later releases require or re-typed.
 * Each snapshot checks two ways:
 * - its JSON-schema validators (types, required fields, enums, formats), at run time, for
 *   all three;
 * - its TypeScript interfaces, through tsc's excess-property check on an object literal,
 *   which rejects unknown fields the way `kubectl apply` (field validation Strict) does (the
 *   JSON schemas alone let unknown fields through), for 1.27 and 1.36.
 * The Prometheus Operator's CRDs (ServiceMonitor, PrometheusRule) are checked against
 * `@kubernetes-models/prometheus-operator`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { chartDir, manifestsDir } from '../../deploy/generate.ts';
import { renderChart, yamlObjects } from './render-chart.ts';
import { valueSets } from './value-sets.ts';

const root = join(import.meta.dirname, '..', '..');
type Obj = Record<string, unknown> & { apiVersion: string; kind: string; metadata?: { name?: string } };

const releases = [
  { name: '1.27 API', pkg: 'kubernetes-models-1.27', typed: true },
  { name: '1.33 API', pkg: 'kubernetes-models-1.33', typed: false },
  { name: '1.36 API', pkg: 'kubernetes-models', typed: true },
];
const typedReleases = releases.filter((r) => r.typed);

/** The plain manifests and the chart with every value set, each object once. */
async function allObjects(): Promise<Obj[]> {
  const rendered = Object.values(valueSets).flatMap(
    (values) =>
      renderChart(chartDir, values, { name: 'kubetriage', namespace: 'kubetriage' }).objects as Obj[],
  );
  const unique = new Map<string, Obj>();
  for (const o of [...(await manifestObjects()), ...rendered]) unique.set(JSON.stringify(o), o);
  return [...unique.values()];
}

async function manifestObjects(): Promise<Obj[]> {
  const files = (await readdir(manifestsDir)).filter((f) => f.endsWith('.yaml')).sort();
  const out: Obj[] = [];
  for (const f of files) out.push(...(yamlObjects(await readFile(join(manifestsDir, f), 'utf8')) as Obj[]));
  return out;
}

/** The module holding a kind's model: `pkg/v1`, `pkg/apps/v1`, or the operator's CRDs. */
function modelModule(pkg: string, apiVersion: string): string {
  if (apiVersion.startsWith('monitoring.coreos.com/'))
    return `@kubernetes-models/prometheus-operator/${apiVersion}`;
  return `${pkg}/${apiVersion}`;
}

function label(o: Obj): string {
  return `${o.kind}/${o.metadata?.name ?? '?'}`;
}

describe('deploy/ manifests against the Kubernetes schemas', async () => {
  const objects = await allObjects();

  it('hold the chart with every value set, not only the plain manifests', async () => {
    expect(objects.length).toBeGreaterThan((await manifestObjects()).length);
    expect(objects.some((o) => o.kind === 'PersistentVolumeClaim')).toBe(true);
    expect(JSON.stringify(objects)).toContain('KUBETRIAGE_DATABASE_URL');
  });

  it('cover every kind kubetriage installs', () => {
    const kinds = new Set(objects.map((o) => o.kind));
    for (const k of [
      'Deployment',
      'DaemonSet',
      'ClusterRole',
      'ClusterRoleBinding',
      'Service',
      'ServiceAccount',
      'PersistentVolumeClaim',
    ])
      expect(kinds, k).toContain(k);
  });

  for (const r of releases)
    it(`pass the ${r.name}'s validators`, async () => {
      const failures: string[] = [];
      for (const o of objects) {
        const mod = (await import(modelModule(r.pkg, o.apiVersion))) as Record<
          string,
          new (
            d: unknown,
          ) => { validate(): void }
        >;
        const Model = mod[o.kind];
        if (!Model) {
          failures.push(`${label(o)}: ${o.apiVersion} has no ${o.kind} in the ${r.name}`);
          continue;
        }
        try {
          new Model(o).validate();
        } catch (err) {
          failures.push(`${label(o)}: ${(err as Error).message}`);
        }
      }
      expect(failures).toEqual([]);
    });

  it('the validators do reject a broken object (the check can fail)', async () => {
    const mod = (await import('kubernetes-models/apps/v1')) as Record<
      string,
      new (
        d: unknown,
      ) => { validate(): void }
    >;
    const d = objects.find((o) => o.kind === 'Deployment') as Obj & { spec: Record<string, unknown> };
    expect(() => new mod.Deployment({ ...d, spec: { ...d.spec, replicas: 'two' } }).validate()).toThrow(
      /integer/,
    );
  });

  it("have no field the releases' types do not know (tsc excess-property check)", async () => {
    const broken = structuredClone(objects.find((o) => o.kind === 'DaemonSet')) as Obj & {
      spec: Record<string, unknown>;
    };
    broken.spec = { ...broken.spec, minReadySecond: 5 }; // a typo that JSON schema lets through
    const good = await typeCheck(objects);
    const bad = await typeCheck([broken]);
    expect(good).toEqual('');
    expect(bad).toMatch(/minReadySecond/);
  });
});

/** Type-checks each object as a literal of its kind's interface in every release; tsc's output, '' when clean. */
async function typeCheck(objects: Obj[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kubetriage-schema-'));
  try {
    await symlink(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const lines: string[] = [];
    objects.forEach((o, i) => {
      for (const [j, r] of typedReleases.entries()) {
        const mod = modelModule(r.pkg, o.apiVersion);
        lines.push(`import type * as m${i}_${j} from '${mod}';`);
        lines.push(`export const o${i}_${j}: m${i}_${j}.I${o.kind} = ${JSON.stringify(o)};`);
      }
    });
    await writeFile(join(dir, 'manifests.ts'), `${lines.join('\n')}\n`);
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2024',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        files: ['manifests.ts'],
      }),
    );
    try {
      await promisify(execFile)(join(root, 'node_modules', '.bin', 'tsc'), ['-p', dir], { cwd: dir });
      return '';
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      return `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

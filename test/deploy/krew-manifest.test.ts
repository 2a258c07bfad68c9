/**
 * The krew manifest written at release (deploy/krew/generate.ts): real version, URIs and
 * checksums from a SHA256SUMS file, held to krew's own validation rules, and no manifest at
 * all when an archive's checksum is missing.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  type KrewPlugin,
  krewProblems,
  parseSha256Sums,
  releaseManifest,
} from '../../deploy/krew/manifest.ts';

const repo = join(import.meta.dirname, '..', '..');
const archives = ['linux_amd64', 'linux_arm64', 'darwin_arm64'].map((p) => `kubectl-triage_${p}.tar.gz`);
const sumOf = (i: number) =>
  String(i + 1)
    .repeat(64)
    .slice(0, 64);
const sums = archives.map((a, i) => `${sumOf(i)}  ${a}`).join('\n');
let dir: string;
let template: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kt-krew-'));
  template = await readFile(join(repo, 'deploy', 'krew', 'triage.template.yaml'), 'utf8');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function generate(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(
      join(repo, 'node_modules', '.bin', 'node'),
      [join(repo, 'deploy', 'krew', 'generate.ts'), ...args],
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    ),
  );
}

describe('the release krew manifest', () => {
  it("is written with the version, each archive URI and its checksum, and passes krew's checks", async () => {
    await writeFile(join(dir, 'SHA256SUMS'), `${sums}\n`);
    const out = join(dir, 'triage.yaml');
    const r = await generate(['--version', 'v0.2.0', '--sha256-file', join(dir, 'SHA256SUMS'), '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = parse(await readFile(out, 'utf8')) as KrewPlugin;
    expect(m.spec.version).toBe('v0.2.0');
    expect(m.spec.platforms).toEqual(
      archives.map((a, i) => ({
        selector: { matchLabels: { os: a.split('_')[1], arch: a.split('_')[2].replace('.tar.gz', '') } },
        uri: `https://github.com/kubetriage/kubetriage/releases/download/v0.2.0/${a}`,
        sha256: sumOf(i),
        bin: 'bin/kubectl-triage',
      })),
    );
    expect(krewProblems(m, 'triage')).toEqual([]);
    expect(JSON.stringify(m)).not.toMatch(/RELEASE_|PLACEHOLDER|TODO/);
  });

  it('refuses to write when an archive has no checksum', async () => {
    await writeFile(join(dir, 'PARTIAL'), `${sums.split('\n').slice(0, 2).join('\n')}\n`);
    const out = join(dir, 'refused.yaml');
    const r = await generate(['--version', 'v0.2.0', '--sha256-file', join(dir, 'PARTIAL'), '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no sha256 for kubectl-triage_darwin_arm64\.tar\.gz/);
    await expect(stat(out)).rejects.toThrow(/ENOENT/);
  });

  it.each([
    ['a version without its v', '0.2.0', /version 0\.2\.0 is not v<semver>/],
    ['a version that is not semver', 'v0.2', /version v0\.2 is not v<semver>/],
  ])('refuses %s', (_, version, why) => {
    expect(() => releaseManifest(template, version, parseSha256Sums(sums))).toThrow(why);
  });

  it("reads sha256sum output in text and binary mode, and holds checksums to krew's pattern", () => {
    expect(parseSha256Sums(`${'A'.repeat(64)} *./x.tar.gz\n${'b'.repeat(64)}  y.tar.gz\nnoise\n`)).toEqual(
      new Map([
        ['x.tar.gz', 'a'.repeat(64)],
        ['y.tar.gz', 'b'.repeat(64)],
      ]),
    );
    const m = releaseManifest(template, 'v1.0.0-rc.1', parseSha256Sums(sums));
    const broken = structuredClone(m);
    broken.spec.platforms[0].sha256 = 'RELEASE_SHA256_LINUX_AMD64';
    broken.spec.platforms[1].selector = { matchLabels: { os: 'linux', cpu: 'arm64' } };
    broken.spec.shortDescription = 'two\nlines';
    expect(krewProblems(broken, 'triage')).toEqual([
      'shortDescription must be one non-empty line',
      'platform 0: sha256 RELEASE_SHA256_LINUX_AMD64 is not 64 lowercase hex',
      'platform 1: selector key cpu',
    ]);
    expect(krewProblems(m, 'other')).toEqual(["name triage is not the file's name other"]);
  });
});

/**
 * The module boundaries of ARCHITECTURE.md, enforced: every import in product code (not
 * tests) must go to the module itself or to one the table allows, directly or through the
 * modules those may import; `observe` takes only types from `kube`; nothing but `cli`
 * imports the simulator. A stage that imports a later one is reaching back upstream.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = resolve(import.meta.dirname, '../../src');

/** ARCHITECTURE.md's "may import" column. */
const table: Record<string, string[]> = {
  time: [],
  kube: ['time'],
  observe: ['time', 'kube'],
  detect: ['observe'],
  diagnose: ['detect'],
  incident: ['diagnose'],
  respond: ['kube', 'incident'],
  publish: ['incident'],
  server: ['publish', 'incident', 'respond'],
  agent: ['kube'],
  // The simulator runs the shipped node agent on each simulated machine (issue 21: the
  // simulated agent and the shipped agent are the same code), so it may import `agent`.
  sim: ['time', 'agent'],
  cli: Object.keys({
    time: 0,
    kube: 0,
    observe: 0,
    detect: 0,
    diagnose: 0,
    incident: 0,
    respond: 0,
    publish: 0,
    server: 0,
    agent: 0,
    sim: 0,
  }),
};

/** What a module may import: the table's entries and everything they may import. */
function closure(module: string, seen = new Set<string>()): Set<string> {
  for (const m of table[module] ?? []) {
    if (seen.has(m)) continue;
    seen.add(m);
    closure(m, seen);
  }
  return seen;
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return files(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

interface Import {
  file: string;
  from: string;
  to: string;
  typeOnly: boolean;
}

const importRe = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"](\.[^'"]+)['"]/gm;

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const from = relative(src, file).split(sep)[0];
  const out: Import[] = [];
  for (const m of text.matchAll(importRe)) {
    const target = relative(src, resolve(join(file, '..'), m[3]));
    if (target.startsWith('..')) continue;
    out.push({ file: relative(src, file), from, to: target.split(sep)[0], typeOnly: m[2] !== undefined });
  }
  return out;
}

/** The imports that cross the table, as `file → module` lines. */
function violations(all: readonly Import[]): string[] {
  return all
    .filter((i) => i.to !== i.from)
    .filter((i) => {
      if (i.to === 'sim' && i.from !== 'cli') return true;
      if (!closure(i.from).has(i.to)) return true;
      return i.from === 'observe' && i.to === 'kube' && !i.typeOnly;
    })
    .map((i) => `${i.file} imports ${i.to}${i.typeOnly ? ' (types)' : ''}`);
}

describe('module boundaries', () => {
  it('every module is in the table', () => {
    const modules = readdirSync(src).filter((d) => statSync(join(src, d)).isDirectory());
    expect(modules.filter((m) => !(m in table))).toEqual([]);
  });

  it('no product import crosses the table', () => {
    expect(violations(files(src).flatMap(importsOf))).toEqual([]);
  });

  it('catches a crossing (the check itself can fail)', () => {
    expect(
      violations([
        { file: 'detect/x.ts', from: 'detect', to: 'sim', typeOnly: true },
        { file: 'observe/y.ts', from: 'observe', to: 'detect', typeOnly: false },
        { file: 'observe/z.ts', from: 'observe', to: 'kube', typeOnly: false },
        { file: 'diagnose/ok.ts', from: 'diagnose', to: 'kube', typeOnly: true },
      ]),
    ).toEqual([
      'detect/x.ts imports sim (types)',
      'observe/y.ts imports detect',
      'observe/z.ts imports kube',
    ]);
  });
});

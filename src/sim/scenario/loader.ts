/**
 * Reads scenario files: YAML parsed with positions, validated by the schema, every problem
 * reported at once as `file:line:col: field.path: message` so an author can fix a file in
 * one pass. Also finds scenarios by name in the repository's `scenarios/` folder, located
 * from this module's own URL so the working directory does not matter.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, isSeq, LineCounter, type Node, type Pair, parseDocument } from 'yaml';
import type { z } from 'zod';
import { type Scenario, scenarioSchema } from './schema.ts';
import { describeIssue, formatPath, uncustomised } from './wording.ts';

/** The repository's `scenarios/` folder. */
export const scenariosDir = fileURLToPath(new URL('../../../scenarios/', import.meta.url));

export interface ScenarioProblem {
  file: string;
  line: number;
  col: number;
  /** `timeline[3].fault.nodes.count`; empty for YAML syntax errors. */
  path: string;
  message: string;
}

/** A scenario that cannot be used: not found, malformed, or invalid. The message lists every problem. */
export class ScenarioError extends Error {
  readonly file: string;
  readonly problems: readonly ScenarioProblem[];

  constructor(file: string, problems: readonly ScenarioProblem[], message?: string) {
    super(message ?? problems.map(formatProblem).join('\n'));
    this.name = 'ScenarioError';
    this.file = file;
    this.problems = problems;
  }
}

export function formatProblem(p: ScenarioProblem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
}

type Segment = string | number;

interface Located {
  offset: number;
  /** The node at the full path, when it exists. */
  node?: Node;
}

/**
 * Where the node at `path` starts in the text, or the deepest part of it that exists (a
 * missing field points at the mapping that lacks it). `at: 'key'` points at the key of the
 * last segment rather than its value, for unknown fields.
 */
function locate(root: Node | null, path: readonly Segment[], at: 'value' | 'key' = 'value'): Located {
  let node: Node | null = root;
  let offset = root?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = (node.items as Pair[]).find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return { offset };
      const keyStart = isScalar(pair.key) ? (pair.key.range?.[0] ?? offset) : offset;
      if (last && at === 'key') return { offset: keyStart };
      const value = pair.value as Node | null;
      // An empty value (`field:`) has no text of its own; point at its key.
      const hasText = value?.range && value.range[1] > value.range[0];
      offset = hasText ? value.range![0] : keyStart;
      node = value;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
      node = node.items[seg] as Node;
      offset = node?.range?.[0] ?? offset;
    } else {
      return { offset };
    }
  }
  return { offset, node: node ?? undefined };
}

/** A scalar's text as written when YAML gave it another type (`1.30` read as the number 1.3). */
function writtenText(node: Node | undefined): string | undefined {
  if (!isScalar(node) || typeof node.value === 'string' || node.source === undefined) return undefined;
  return String(node.source);
}

/** Parses and validates one scenario; throws ScenarioError naming every problem with its line and field. */
export function parseScenario(text: string, fileName: string): Scenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => lineCounter.linePos(offset);
  const problems: ScenarioProblem[] = [];

  if (doc.errors.length > 0) {
    const seen = new Set<string>();
    for (const e of doc.errors) {
      const { line, col } = at(e.pos[0]);
      // One slip often breaks several of the parser's rules at the same place; say it once.
      if (seen.has(`${line}:${col}`)) continue;
      seen.add(`${line}:${col}`);
      problems.push({
        file: fileName,
        line,
        col,
        path: '',
        message: `malformed YAML: ${e.message.split('\n')[0]}`,
      });
    }
    throw new ScenarioError(fileName, problems);
  }

  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  const result = scenarioSchema.safeParse(data, { reportInput: true, error: () => uncustomised });
  const root = doc.contents as Node | null;
  const add = (path: readonly Segment[], offset: number, message: string) => {
    const { line, col } = at(offset);
    problems.push({ file: fileName, line, col, path: formatPath(path), message });
  };

  if (!result.success) {
    for (const issue of result.error.issues as z.core.$ZodIssue[]) {
      const path = issue.path.filter((s): s is Segment => typeof s !== 'symbol');
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          add([...path, key], locate(root, [...path, key], 'key').offset, describeIssue(issue));
        }
      } else {
        const { offset, node } = locate(root, path);
        add(path, offset, describeIssue(issue, writtenText(node)));
      }
    }
  } else {
    // A file is found by its name, so the two must agree.
    const ext = extname(fileName);
    const stem = basename(fileName, ext);
    if ((ext === '.yaml' || ext === '.yml') && result.data.name !== stem) {
      const message = `expected "${stem}" (the file's name), got ${JSON.stringify(result.data.name)}`;
      add(['name'], locate(root, ['name']).offset, message);
    }
  }

  if (problems.length > 0 || !result.success) {
    problems.sort((a, b) => a.line - b.line || a.col - b.col);
    throw new ScenarioError(fileName, problems);
  }
  return result.data;
}

/** A bare name means `scenarios/<name>.yaml`; anything with a slash or a YAML extension is a path. */
export function resolveScenario(nameOrPath: string): string {
  const looksLikePath = nameOrPath.includes('/') || /\.ya?ml$/.test(nameOrPath);
  if (!looksLikePath) return join(scenariosDir, `${nameOrPath}.yaml`);
  return isAbsolute(nameOrPath) ? nameOrPath : resolve(nameOrPath);
}

/** Loads a shipped scenario by name (`airmap-2018`) or any scenario file by path. */
export async function loadScenario(nameOrPath: string): Promise<Scenario> {
  const file = resolveScenario(nameOrPath);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const known = (await scenarioFiles().catch(() => [])).map((f) => basename(f, '.yaml'));
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(e);
    throw new ScenarioError(
      file,
      [],
      `scenario "${nameOrPath}" not found (${why}: ${file}); shipped scenarios: ${known.join(', ')}`,
    );
  }
  return parseScenario(text, displayName(file));
}

/** Paths inside the repository are shown relative to it (`scenarios/airmap-2018.yaml`). */
function displayName(file: string): string {
  const repoRoot = resolve(scenariosDir, '..');
  return file.startsWith(`${repoRoot}/`) ? file.slice(repoRoot.length + 1) : file;
}

async function scenarioFiles(): Promise<string[]> {
  const entries = await readdir(scenariosDir);
  return entries
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(scenariosDir, f));
}

export interface ScenarioSummary {
  name: string;
  description: string;
  start: string;
  duration: string;
  source: string;
}

/** Every shipped scenario, by name, validated; invalid files fail the listing with all their problems. */
export async function listScenarios(): Promise<ScenarioSummary[]> {
  const out: ScenarioSummary[] = [];
  const problems: ScenarioProblem[] = [];
  for (const file of await scenarioFiles()) {
    try {
      const s = parseScenario(await readFile(file, 'utf8'), displayName(file));
      out.push({
        name: s.name,
        description: s.description,
        start: s.start,
        duration: s.duration,
        source: s.source.title,
      });
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      problems.push(...e.problems);
    }
  }
  if (problems.length > 0) throw new ScenarioError(displayName(scenariosDir), problems);
  return out;
}

/**
 * The catalogue is checked when it loads: a pattern with a duplicate id, an unknown
 * look-alike, a weight out of range, a clause id used twice, or a statement or next step
 * naming a slot the pattern does not fill is a defect to fix, not something to guess
 * around at 3 a.m. A zod schema for the declarative parts; cross-references by hand.
 */
import { z } from 'zod';
import { componentNames } from './hypothesis.ts';
import type { AnyPattern } from './pattern.ts';
import { slotNames } from './template.ts';

const kebab = z.string().regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'expected a kebab-case id');
const line = z
  .string()
  .min(1)
  .max(240)
  .regex(/^[^\n]*$/, 'expected one line');

const clause = z.object({
  id: kebab,
  weight: z.number().min(-1).max(1),
  reason: line,
  reads: z.array(z.string()).readonly(),
  test: z.function(),
});

const patternSchema = z.object({
  id: kebab,
  family: kebab,
  layer: kebab,
  title: line,
  summary: z.string().min(40).max(900),
  clusterLevel: z.boolean(),
  cases: z.function(),
  base: z.number().min(0).max(1),
  requires: z.array(clause.extend({ weight: z.literal(0) })).readonly(),
  supports: z.array(clause.extend({ weight: z.number().gt(0).max(1) })).readonly(),
  against: z.array(clause.extend({ weight: z.number().min(-1).lt(0) })).readonly(),
  statement: z.string().min(1).max(400),
  nextSteps: z.array(z.object({ say: line, command: z.string().min(1).optional() })).readonly(),
  lookAlikes: z.array(kebab).readonly(),
  public: z.object({
    components: z.array(z.enum(componentNames)).min(1),
    title: line,
    cause: line,
    outage: z.enum(['major', 'partial']),
  }),
  prevention: z.array(line).readonly(),
});

export class CatalogueError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`the pattern catalogue has ${problems.length} defect(s):\n- ${problems.join('\n- ')}`);
    this.name = 'CatalogueError';
    this.problems = problems;
  }
}

/** Every defect of the catalogue, as lines naming the pattern and the part. */
export function catalogueProblems(patterns: readonly AnyPattern[]): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const p of patterns) {
    const where = `pattern ${p.id ?? '?'}`;
    const parsed = patternSchema.safeParse(p);
    if (!parsed.success)
      for (const i of parsed.error.issues) problems.push(`${where}: ${i.path.join('.')}: ${i.message}`);
    if (ids.has(p.id)) problems.push(`${where}: the id is used twice`);
    ids.add(p.id);
    const clauses = [...p.requires, ...p.supports, ...p.against];
    const clauseIds = new Set<string>();
    for (const c of clauses) {
      if (clauseIds.has(c.id)) problems.push(`${where}: clause ${c.id} is declared twice`);
      clauseIds.add(c.id);
      if (c.reads.length === 0 && c.weight !== 0)
        problems.push(`${where}: clause ${c.id} reads no signal kind`);
    }
    if (p.requires.length === 0)
      problems.push(`${where}: it requires nothing, so it would fire on any cluster`);
    const slots = new Set(Object.keys(p.slots));
    const templates = [p.statement, ...p.nextSteps.flatMap((s) => [s.say, s.command ?? ''])];
    for (const t of templates)
      for (const name of slotNames(t))
        if (!slots.has(name))
          problems.push(`${where}: "${t.slice(0, 60)}" names slot {${name}}, which it does not fill`);
  }
  for (const p of patterns)
    for (const l of p.lookAlikes) {
      if (!ids.has(l)) problems.push(`pattern ${p.id}: look-alike ${l} is not in the catalogue`);
      if (l === p.id) problems.push(`pattern ${p.id}: it names itself as a look-alike`);
    }
  return problems;
}

/** Throws when the catalogue has defects; returns it otherwise. */
export function checkedCatalogue<T extends readonly AnyPattern[]>(patterns: T): T {
  const problems = catalogueProblems(patterns);
  if (problems.length) throw new CatalogueError(problems);
  return patterns;
}

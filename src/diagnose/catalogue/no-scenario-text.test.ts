/**
 * No statement, reason, look-alike or next step may restate a scenario's expected answer:
 * a pattern that passes because it repeats the story it was tested on will fail on the
 * next outage. Every run of five words in the catalogue's text is looked for in every
 * scenario's `expected` section (root cause, look-alikes and why, next steps, what to
 * avoid). The header comments quote public postmortems, whose kubectl commands and plain
 * phrases a pattern may share without having read them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { AnyPattern } from '../pattern.ts';
import { catalogue } from './index.ts';

const run = 5;
const scenarioDir = join(import.meta.dirname, '../../../scenarios');

function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
}

/** The literal runs of a template: slots and optional-group brackets split it. */
function literalParts(template: string): string[] {
  return template.split(/\{[^}]*\}|[[\]]/);
}

function shingles(text: string): string[] {
  const w = words(text);
  const out: string[] = [];
  for (let i = 0; i + run <= w.length; i++) out.push(w.slice(i, i + run).join(' '));
  return out;
}

/** Every string under a value, at any depth. */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === 'object') return Object.values(v).flatMap(strings);
  return [];
}

function texts(p: AnyPattern): string[] {
  return [
    p.title,
    p.summary,
    p.statement,
    ...[...p.requires, ...p.supports, ...p.against].map((c) => c.reason),
    // Commands are the real CLI every runbook uses; the prose around them is checked.
    ...p.nextSteps.map((s) => s.say),
    p.public.title,
    p.public.cause,
    ...p.prevention,
  ];
}

describe('the catalogue says nothing a scenario says', () => {
  const scenarioText = readdirSync(scenarioDir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => {
      const expected = (parse(readFileSync(join(scenarioDir, f), 'utf8')) as { expected?: unknown }).expected;
      return ` ${words(strings(expected).join(' . ')).join(' ')} `;
    });

  it.each(catalogue.map((p) => [p.id, p] as const))('%s', (_id, p) => {
    const shared = texts(p)
      .flatMap(literalParts)
      .flatMap(shingles)
      .filter((s) => scenarioText.some((t) => t.includes(` ${s} `)));
    expect(shared, JSON.stringify(shared)).toEqual([]);
  });

  it('finds a shared run when there is one (the check itself can fail)', () => {
    const planted = shingles('nodes go NotReady every morning at six');
    expect(
      planted.some((s) =>
        ` ${words('on these clusters nodes go notready every morning at six sharp').join(' ')} `.includes(
          ` ${s} `,
        ),
      ),
    ).toBe(true);
  });
});

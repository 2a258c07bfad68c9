/**
 * `kubetriage scenarios` as a user runs it: a separate process listing the shipped
 * scenarios as a table, JSON or YAML, and a usage error for an unknown format.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const bin = join(import.meta.dirname, '..', '..', '..', 'bin', 'kubetriage.js');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

// Every file under scenarios/, sorted as the command sorts them.
const names = readdirSync(join(import.meta.dirname, '..', '..', '..', 'scenarios'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''))
  .sort();

describe('kubetriage scenarios', () => {
  it('prints a table: a header, then one line per scenario with start, duration and description', async () => {
    const r = await run(['scenarios']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+START\s+DURATION\s+DESCRIPTION$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(names);
    expect(lines).toContainEqual(
      expect.stringMatching(/^airmap-2018\s+2018-07-19T13:00:00Z\s+8h\s+Node network\/DNS fault spreads/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^digitalocean-2023\s+2023-10-08T04:00:00Z\s+3d5h\s+\S/),
    );
  });

  it.each([['json'], ['yaml']])('prints the same list as %s', async (format) => {
    const r = await run(['scenarios', '-o', format]);
    expect(r.code).toBe(0);
    const doc = (format === 'json' ? JSON.parse(r.stdout) : parse(r.stdout)) as {
      apiVersion: string;
      kind: string;
      items: Record<string, string>[];
    };
    expect([doc.apiVersion, doc.kind]).toEqual(['kubetriage.io/v1alpha1', 'ScenarioList']);
    const rows = doc.items;
    expect(rows.map((row) => row.name)).toEqual(names);
    for (const row of rows) {
      expect(Object.keys(row).sort()).toEqual(['description', 'duration', 'name', 'source', 'start']);
      expect(row.description.length).toBeGreaterThan(20);
    }
  });

  it('exits 2 with a usage message for an unknown format', async () => {
    const r = await run(['scenarios', '-o', 'xml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      '-o must be one of table, wide, json, yaml, name or jsonpath=TEMPLATE (got "xml")',
    );
  });

  it('is listed in the top-level help', async () => {
    const r = await run(['--help']);
    // The list comes from the command index, without loading every command (main.ts).
    expect(r.stdout).toMatch(/^ {2}scenarios\s+list the shipped scenarios/m);
  });
});

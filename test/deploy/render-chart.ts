/**
 * Renders the chart as `helm template` would, with the interpreter in go-template.ts:
 * every file under templates/ is parsed together (so _helpers.tpl's defines are global),
 * files whose name starts with "_" render nothing (Helm's partials), and the built-in
 * objects are .Values, .Release (Name, Namespace, Service "Helm") and .Chart (Name,
 * Version, AppVersion from Chart.yaml).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { GoTemplate } from './go-template.ts';

export interface Release {
  name: string;
  namespace: string;
}

export interface RenderedChart {
  /** Rendered text by template file name (manifests and NOTES.txt), partials left out. */
  files: Map<string, string>;
  objects: Record<string, unknown>[];
}

export function renderChart(
  chartDir: string,
  values: Record<string, unknown>,
  release: Release,
): RenderedChart {
  const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as Record<string, string>;
  const dot = {
    Values: values,
    Release: { Name: release.name, Namespace: release.namespace, Service: 'Helm' },
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
  };
  const dir = join(chartDir, 'templates');
  const names = readdirSync(dir).sort();
  const t = new GoTemplate();
  for (const n of names) t.add(n, readFileSync(join(dir, n), 'utf8'));
  const files = new Map<string, string>();
  for (const n of names.filter((n) => !n.startsWith('_'))) files.set(n, t.render(n, dot));
  const objects = [...files].filter(([n]) => n.endsWith('.yaml')).flatMap(([, text]) => yamlObjects(text));
  return { files, objects };
}

export function yamlObjects(text: string): Record<string, unknown>[] {
  return text
    .split(/^---\s*$/m)
    .map((d) => parse(d) as Record<string, unknown> | null)
    .filter((d): d is Record<string, unknown> => d !== null && typeof d === 'object');
}

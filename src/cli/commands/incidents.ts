/**
 * `kubetriage incidents` and `kubetriage postmortem ID`: read the stored record (what
 * `serve` or `replay --data-dir` kept) without touching a cluster.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { type Incident, type IncidentStatus, rootCauseOf } from '../../incident/incident.ts';
import type { IncidentStore } from '../../incident/store/store.ts';
import { buildPostmortem, duration, onsetOf } from '../../publish/postmortem.ts';
import { renderHtml, renderMarkdown } from '../../publish/postmortem-render.ts';
import { realClock, rfc3339 } from '../../time/clock.ts';
import { CliError, exitCodes, usageError } from '../errors.ts';
import { type OutputFormat, parseOutputFormat, printData } from '../output.ts';
import { colourStatus, type Painter, stdoutPainter } from '../render/colour.ts';
import { alignColumns, paintColumn } from '../render/columns.ts';
import { closeAll, openStoresForReading, otherClustersNote, storeFlagsHint } from '../store-clusters.ts';
import { type StoreFlags, storeOptions } from '../store-options.ts';

interface IncidentsFlags extends StoreFlags {
  output: string;
  status?: string;
  limit?: string;
}

const statuses = ['investigating', 'identified', 'monitoring', 'resolved', 'open'];

export interface Listed {
  cluster: string;
  incident: Incident;
}

function incidentRow(l: Listed, wide: boolean, withCluster: boolean): string[] {
  const i = l.incident;
  const top = rootCauseOf(i);
  return [
    ...(withCluster ? [l.cluster] : []),
    i.id,
    i.status,
    i.severity,
    rfc3339(i.openedAtMs),
    i.resolvedAtMs === undefined
      ? `${duration(i.updatedAtMs - onsetOf(i))}+`
      : duration(i.resolvedAtMs - onsetOf(i)),
    `${top.title} (${Math.round(top.confidence * 100)}%)`,
    ...(wide ? [top.pattern, rfc3339(i.updatedAtMs), String(i.timeline.length)] : []),
  ];
}

function incidentsTable(list: readonly Listed[], wide: boolean): string {
  if (list.length === 0) return 'No incidents stored.\n';
  const withCluster = new Set(list.map((l) => l.cluster)).size > 1;
  const rows = [
    [
      ...(withCluster ? ['CLUSTER'] : []),
      'ID',
      'STATUS',
      'SEVERITY',
      'OPENED (UTC)',
      'DURATION',
      'ROOT CAUSE',
      ...(wide ? ['PATTERN', 'UPDATED (UTC)', 'ENTRIES'] : []),
    ],
    ...list.map((l) => incidentRow(l, wide, withCluster)),
  ];
  return `${alignColumns(rows).join('\n')}\n`;
}

/** What `incidents` prints: the table for people, its STATUS column coloured once the text is safe, or the data. */
export function incidentsOutput(
  format: OutputFormat,
  shown: readonly Listed[],
  note: string,
  p: Painter,
): string {
  return printData(
    format,
    shown.map((l) => ({ cluster: l.cluster, ...l.incident })),
    () => incidentsTable(shown, false) + note,
    {
      kind: 'Incident',
      wide: () => incidentsTable(shown, true) + note,
      names: () => shown.map((l) => `incident/${l.incident.id}`),
      paint: (text) => paintColumn(text, 'STATUS', (status) => colourStatus(status, p)),
    },
  );
}

export function registerIncidents(program: Command): void {
  storeOptions(
    program
      .command('incidents')
      .description('list the stored incidents, newest first')

      .option('-o, --output <format>', 'table, wide, json, yaml, name or jsonpath=…', 'table')
      .option('--status <status>', 'only open, investigating, identified, monitoring or resolved ones')
      .option('--limit <n>', 'at most this many'),
  )
    .addHelpText(
      'after',
      `
Reads the record that \`serve\` (or \`replay --data-dir\`) keeps; no cluster needed.
Exit codes: 0 ok, 2 bad usage, 3 the store cannot be opened.

Examples:
  $ kubetriage incidents --status open
  $ kubetriage incidents --database-url postgres://kt@db/kubetriage --cluster prod -o json | jq -r '.items[0].id'`,
    )
    .action(async (flags: IncidentsFlags) => {
      const format = parseOutputFormat(flags.output);
      if (flags.status && !statuses.includes(flags.status))
        throw usageError(`--status must be one of ${statuses.join(', ')} (got "${flags.status}")`);
      const limit = flags.limit === undefined ? undefined : Number(flags.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit <= 0))
        throw usageError(`--limit must be a positive whole number (got "${flags.limit}")`);
      const stores = await openStoresForReading(flags);
      try {
        const list: Listed[] = [];
        for (const store of stores)
          for (const incident of await store.listIncidents({
            status: flags.status as IncidentStatus | 'open' | undefined,
            limit,
          }))
            list.push({ cluster: store.cluster, incident });
        list.sort((a, b) => b.incident.openedAtMs - a.incident.openedAtMs);
        const shown = limit === undefined ? list : list.slice(0, limit);
        const note =
          shown.length === 0 && format === 'table' ? await otherClustersNote(stores[0], flags) : '';
        process.stdout.write(incidentsOutput(format, shown, note, stdoutPainter()));
      } finally {
        await closeAll(stores);
      }
    });

  storeOptions(
    program
      .command('postmortem')
      .description('draft the postmortem of a stored incident (Markdown or HTML)')
      .argument('<id>', 'the incident id, e.g. INC-0001 (see `kubetriage incidents`)')
      .option('-o, --output <format>', 'md or html', 'md')
      .option('--out <file>', 'write it to this file instead of stdout'),
  )
    .addHelpText(
      'after',
      `
Built from the record alone: summary, impact, detection, timeline (UTC), root cause with
its evidence and the look-alikes ruled out, response, action items, what went well and
badly. Tokens and anything that looks like a secret are redacted. Review before publishing.

Examples:
  $ kubetriage postmortem INC-0001 > INC-0001.md
  $ kubetriage postmortem INC-0003 -o html --out postmortem.html --data-dir ./kt-data`,
    )
    .action(async (id: string, flags: StoreFlags & { output: string; out?: string }) => {
      if (flags.output !== 'md' && flags.output !== 'html')
        throw usageError(`-o must be md or html (got "${flags.output}")`);
      const stores = await openStoresForReading(flags);
      try {
        const holding: { store: IncidentStore; incident: Incident }[] = [];
        for (const s of stores) {
          const found = await s.getIncident(id);
          if (found) holding.push({ store: s, incident: found });
        }
        if (holding.length > 1)
          throw new CliError(`${id} exists in clusters ${holding.map((h) => h.store.cluster).join(', ')}`, {
            exitCode: exitCodes.usage,
            hint: `name one: kubetriage postmortem ${id} --cluster ${holding[0].store.cluster}${storeFlagsHint(flags)}`,
          });
        if (!holding.length) {
          const store = stores[0];
          const held = (await store.listClusters()).map((c) => `${c.cluster} (${c.incidents})`).join(', ');
          throw new CliError(
            `no incident ${id} in the ${store.backend} store${flags.cluster ? ` for cluster ${store.cluster}` : ''}`,
            {
              exitCode: exitCodes.usage,
              hint: held
                ? `it keeps incidents for ${held}; kubetriage incidents${storeFlagsHint(flags)} lists them`
                : 'it is empty: check --data-dir/--database-url, or keep a replay first (kubetriage replay NAME --data-dir D)',
            },
          );
        }
        const { store, incident } = holding[0];
        const doc = buildPostmortem({
          incident,
          actions: await store.listActions(),
          actionItems: await store.listActionItems(incident.id),
          cluster: store.cluster,
          // An open incident is drafted as of its last recorded change: that is what the record knows.
          nowMs: incident.resolvedAtMs === undefined ? incident.updatedAtMs : realClock.now(),
        });
        const text = flags.output === 'html' ? renderHtml(doc) : renderMarkdown(doc);
        if (flags.out) await writeFile(flags.out, text);
        else process.stdout.write(text);
      } finally {
        await closeAll(stores);
      }
    });
}

/**
 * `kubetriage incidents` and `kubetriage postmortem ID`: read the stored record (what
 * `serve` or `replay --data-dir` kept) without touching a cluster.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { type Incident, type IncidentStatus, rootCauseOf } from '../../incident/incident.ts';
import { buildPostmortem, duration, onsetOf } from '../../publish/postmortem.ts';
import { renderHtml, renderMarkdown } from '../../publish/postmortem-render.ts';
import { realClock, rfc3339 } from '../../time/clock.ts';
import { CliError, exitCodes, usageError } from '../errors.ts';
import { parseOutputFormat, printData } from '../output.ts';
import { alignColumns } from '../render/columns.ts';
import { openStoreFromFlags, type StoreFlags, storeOptions } from '../store-options.ts';

interface IncidentsFlags extends StoreFlags {
  output: string;
  status?: string;
  limit?: string;
}

const statuses = ['investigating', 'identified', 'monitoring', 'resolved', 'open'];

function incidentsTable(list: readonly Incident[]): string {
  if (list.length === 0) return 'No incidents stored.\n';
  const rows = [
    ['ID', 'STATUS', 'SEVERITY', 'OPENED (UTC)', 'DURATION', 'ROOT CAUSE'],
    ...list.map((i) => [
      i.id,
      i.status,
      i.severity,
      rfc3339(i.openedAtMs),
      i.resolvedAtMs === undefined
        ? `${duration(i.updatedAtMs - onsetOf(i))}+`
        : duration(i.resolvedAtMs - onsetOf(i)),
      `${rootCauseOf(i).title} (${Math.round(rootCauseOf(i).confidence * 100)}%)`,
    ]),
  ];
  return `${alignColumns(rows).join('\n')}\n`;
}

export function registerIncidents(program: Command): void {
  storeOptions(
    program
      .command('incidents')
      .description('list the stored incidents, newest first')
      .option('-o, --output <format>', 'table, json or yaml', 'table')
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
  $ kubetriage incidents --database-url postgres://kt@db/kubetriage --cluster prod -o json | jq '.[0].id'`,
    )
    .action(async (flags: IncidentsFlags) => {
      const format = parseOutputFormat(flags.output);
      if (flags.status && !statuses.includes(flags.status))
        throw usageError(`--status must be one of ${statuses.join(', ')} (got "${flags.status}")`);
      const limit = flags.limit === undefined ? undefined : Number(flags.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit <= 0))
        throw usageError(`--limit must be a positive whole number (got "${flags.limit}")`);
      const store = await openStoreFromFlags(flags, 'default');
      try {
        const list = await store.listIncidents({
          status: flags.status as IncidentStatus | 'open' | undefined,
          limit,
        });
        process.stdout.write(printData(format, list, () => incidentsTable(list)));
      } finally {
        await store.close();
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
      const store = await openStoreFromFlags(flags, 'default');
      try {
        const incident = await store.getIncident(id);
        if (!incident)
          throw new CliError(`no incident ${id} in ${store.backend} store for cluster ${store.cluster}`, {
            exitCode: exitCodes.usage,
            hint: 'kubetriage incidents lists the stored ones (check --cluster and --data-dir/--database-url)',
          });
        const doc = buildPostmortem({
          incident,
          actions: await store.listActions(),
          cluster: store.cluster,
          // An open incident is drafted as of its last recorded change: that is what the record knows.
          nowMs: incident.resolvedAtMs === undefined ? incident.updatedAtMs : realClock.now(),
        });
        const text = flags.output === 'html' ? renderHtml(doc) : renderMarkdown(doc);
        if (flags.out) await writeFile(flags.out, text);
        else process.stdout.write(text);
      } finally {
        await store.close();
      }
    });
}

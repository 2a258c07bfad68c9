/**
 * `kubetriage status`: connect, sync every reflector once, probe the API server, and print
 * the view as a person wants it first thing in an outage. Exits 0 when all is healthy,
 * 1 when something needs attention, 3 when the cluster cannot be reached at all.
 */
import type { Command } from 'commander';
import { watchedResources } from '../../kube/observations.ts';
import { buildStatusReport, type StatusReport } from '../../observe/status-report.ts';
import { CliError, exitCodes, problemsFound } from '../errors.ts';
import { clusterOptions, startLiveSession } from '../live-session.ts';
import { type OutputFormat, parseOutputFormat, printData } from '../output.ts';
import { colourReport, type Painter, stdoutPainter } from '../render/colour.ts';
import { renderStatusTable } from '../render/status-table.ts';

export interface StatusData extends StatusReport {
  server: string;
  context: string;
  unsynced: string[];
}

/** What status prints: the report for people, coloured once its text is safe, or the data for machines. */
export function statusOutput(format: OutputFormat, data: StatusData, p: Painter): string {
  return printData(format, data, () => renderStatusTable(data, data.server), {
    kind: 'StatusReport',
    paint: (text) => colourReport(text, p),
  });
}

interface StatusFlags {
  kubeconfig?: string;
  context?: string;
  output: string;
  timeout: string;
}

export function registerStatus(program: Command): void {
  clusterOptions(
    program
      .command('status')
      .description(
        'show the cluster as it is now: control plane, nodes, kube-system, workloads, stale sources',
      )
      .option('-o, --output <format>', 'table, wide, json, yaml, name or jsonpath=TEMPLATE', 'table'),
  )
    .addHelpText(
      'after',
      `
Exit codes: 0 healthy, 1 something needs attention, 2 bad usage, 3 cluster unreachable.

Examples:
  $ kubetriage status
  $ kubetriage status --context prod -o json | jq '.nodes.problems'
  $ kubetriage status --kubeconfig sim.kubeconfig -o yaml`,
    )
    .action(async (flags: StatusFlags) => {
      const format = parseOutputFormat(flags.output);
      const session = await startLiveSession(flags);
      await session.feed.stop();
      const { loaded, view, unsynced } = session;
      const report = buildStatusReport(view, session.clock.now());
      process.stdout.write(
        statusOutput(
          format,
          { server: loaded.server, context: loaded.context, unsynced, ...report },
          stdoutPainter(),
        ),
      );
      if (!report.controlPlane.reachable && unsynced.length === watchedResources.length) {
        throw new CliError(
          `the API server at ${loaded.server} (context ${loaded.context}) could not be reached`,
          {
            exitCode: exitCodes.unavailable,
            hint: 'check the network path to it, or whether the control plane is down (the status above shows what failed)',
          },
        );
      }
      if (!report.healthy || unsynced.length) throw problemsFound('the cluster needs attention');
    });
}

/**
 * `kubetriage status`: connect, sync every reflector once, probe the API server, and print
 * the view as a person wants it first thing in an outage. Exits 0 when all is healthy,
 * 1 when something needs attention, 3 when the cluster cannot be reached at all.
 */
import type { Command } from 'commander';
import { ApiClient } from '../../kube/api-client.ts';
import { loadKubeConfig } from '../../kube/kubeconfig.ts';
import { LiveFeed } from '../../kube/live-feed.ts';
import { watchedResources } from '../../kube/observations.ts';
import { ClusterView } from '../../observe/cluster-view.ts';
import { buildStatusReport } from '../../observe/status-report.ts';
import { realClock } from '../../time/clock.ts';
import { CliError, exitCodes, problemsFound, usageError } from '../errors.ts';
import { parseOutputFormat, printData } from '../output.ts';
import { renderStatusTable } from '../render/status-table.ts';

interface StatusFlags {
  kubeconfig?: string;
  context?: string;
  output: string;
  timeout: string;
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show the cluster as it is now: control plane, nodes, kube-system, workloads, stale sources')
    .option(
      '--kubeconfig <file>',
      'kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)',
    )
    .option('--context <name>', 'kubeconfig context to use (default: its current-context)')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .option('--timeout <seconds>', 'how long to wait for the first full sync', '20')
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
      const timeoutS = Number(flags.timeout);
      if (!Number.isFinite(timeoutS) || timeoutS <= 0)
        throw usageError(
          `--timeout must be a positive number of seconds (got "${flags.timeout}")`,
          'e.g. --timeout 30',
        );
      const loaded = loadKubeConfig({ kubeconfig: flags.kubeconfig, context: flags.context });
      const client = new ApiClient(loaded.kc, { now: () => realClock.now(), requestTimeoutMs: 10_000 });
      const view = new ClusterView();
      const feed = new LiveFeed({
        client,
        clock: realClock,
        sink: (o) => view.apply(o),
        reflector: { backoff: { maxMs: 5_000 } },
      });
      const tty = process.stderr.isTTY;
      feed.start();
      try {
        await feed.probeNow();
        const deadline = realClock.now() + timeoutS * 1000;
        while (!watchedResources.every((r) => view.synced(r)) && realClock.now() < deadline) {
          if (tty) {
            const done = watchedResources.filter((r) => view.synced(r)).length;
            process.stderr.write(
              `\rsyncing ${done}/${watchedResources.length} resources from ${loaded.server} …`,
            );
          }
          await realClock.sleep(100);
        }
        if (tty) process.stderr.write('\r\u001b[K');
      } finally {
        await feed.stop();
      }
      const report = buildStatusReport(view, realClock.now());
      const unsynced = watchedResources.filter((r) => !view.synced(r));
      process.stdout.write(
        printData(format, { server: loaded.server, context: loaded.context, unsynced, ...report }, () =>
          renderStatusTable(report, loaded.server),
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

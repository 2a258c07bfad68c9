/**
 * `kubetriage watch`: keeps watching a live cluster and runs the pipeline every few
 * seconds, printing each incident as it opens and each change of hypothesis or status:
 * a line per change (or one JSON object per line with -o json). Runs until interrupted;
 * losing the API server is reported as an incident, never a crash.
 */
import type { Command } from 'commander';
import type { IncidentChange } from '../../incident/tracker.ts';
import { escapeControls } from '../../publish/control-chars.ts';
import { realClock } from '../../time/clock.ts';
import { usageError } from '../errors.ts';
import { clusterOptions, probeUrlOption, startLiveSession, writeProbeOption } from '../live-session.ts';
import { jsonText, machineForm, parseOutputFormat } from '../output.ts';
import { Pipeline } from '../pipeline.ts';

interface WatchFlags {
  kubeconfig?: string;
  context?: string;
  output: string;
  timeout: string;
  interval: string;
  probeUrl?: string[];
  writeProbe?: string[];
}

function changeLine(c: IncidentChange): string {
  const i = c.incident;
  const t = new Date(i.updatedAtMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const head = `${t} ${i.id} ${i.status.toUpperCase()} ${i.severity} ${i.top.title} (${Math.round(i.top.confidence * 100)}%)`;
  return c.what === 'opened' ? `${head}\n  ${i.top.statement}\n` : `${head}\n`;
}

/** One change as watch prints it: a JSON object per line, or lines for people with the cluster's control characters escaped. */
export function changeOutput(c: IncidentChange, format: 'json' | 'table'): string {
  if (format === 'table') return escapeControls(changeLine(c));
  const incident = { ...c.incident, timeline: c.incident.timeline.slice(-5) };
  return `${jsonText(machineForm({ what: c.what, incident }, 'IncidentChange'))}\n`;
}

export function registerWatch(program: Command): void {
  clusterOptions(
    writeProbeOption(
      probeUrlOption(
        program
          .command('watch')
          .description('watch the live cluster and print incidents as they open and change')
          .option('-o, --output <format>', 'table (a line per change) or json (an object per line)', 'table')
          .option('--interval <seconds>', 'how often to run the detectors', '10'),
      ),
    ),
  )
    .addHelpText(
      'after',
      `
Stops on Ctrl-C (exit 0). Incidents open after a hypothesis holds for two rounds.

Examples:
  $ kubetriage watch --context prod
  $ kubetriage watch -o json | jq -c 'select(.what == "opened")'`,
    )
    .action(async (flags: WatchFlags) => {
      const format = parseOutputFormat(flags.output);
      if (format === 'yaml') throw usageError('watch prints table or json lines', 'use -o json');
      const intervalMs = Number(flags.interval) * 1000;
      if (!Number.isFinite(intervalMs) || intervalMs < 1000)
        throw usageError(`--interval must be at least 1 second (got "${flags.interval}")`);
      const session = await startLiveSession(flags, { components: true });
      const pipeline = new Pipeline();
      let stopping = false;
      const stop = () => {
        stopping = true;
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      if (format === 'table') process.stderr.write(`watching ${session.loaded.server} (Ctrl-C to stop)\n`);
      try {
        while (!stopping) {
          const round = pipeline.round(session.view, session.clock.now());
          for (const c of round.changes) {
            process.stdout.write(changeOutput(c, format === 'json' ? 'json' : 'table'));
          }
          for (let waited = 0; waited < intervalMs && !stopping; waited += 250) await realClock.sleep(250);
        }
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        await session.feed.stop();
      }
    });
}

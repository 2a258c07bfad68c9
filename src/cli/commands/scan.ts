/**
 * `kubetriage scan`: one pass over a live cluster: sync every resource, probe the API
 * server, read kube-proxy metrics, ingress counters and component logs once, run every
 * detector and failure pattern, and print the diagnosis. Exits 0 when no cluster-level
 * failure at warning or above is found, 1 when one is, 3 when the cluster could not be
 * reached at all or refused our credentials (that is then also the diagnosis printed).
 */
import type { Command } from 'commander';
import { detectAll } from '../../detect/all.ts';
import type { Signal } from '../../detect/signal.ts';
import { type Diagnosis, diagnose } from '../../diagnose/diagnose.ts';
import { CliError, exitCodes, problemsFound } from '../errors.ts';
import { clusterOptions, probeUrlOption, startLiveSession, writeProbeOption } from '../live-session.ts';
import { type OutputFormat, parseOutputFormat, printData } from '../output.ts';
import { colourReport, type Painter, stdoutPainter } from '../render/colour.ts';
import { diagnosisText } from '../render/diagnosis-text.ts';

export interface ScanData extends Diagnosis {
  server: string;
  context: string;
  at: string;
  unsynced: string[];
  signals: Signal[];
}

/** What scan prints: the diagnosis for people, coloured once its text is safe, or the data for machines. */
export function scanOutput(format: OutputFormat, data: ScanData, p: Painter): string {
  return printData(format, data, () => diagnosisText(data), {
    kind: 'Diagnosis',
    names: () => [...data.hypotheses, ...data.findings].map((h) => `hypothesis/${h.pattern}`),
    paint: (text) => colourReport(text, p),
  });
}

interface ScanFlags {
  kubeconfig?: string;
  context?: string;
  output: string;
  timeout: string;
  probeUrl?: string[];
  writeProbe?: string[];
}

export function registerScan(program: Command): void {
  clusterOptions(
    writeProbeOption(
      probeUrlOption(
        program
          .command('scan')
          .description('one pass over the live cluster: name any cluster-level failure with its evidence')
          .option('-o, --output <format>', 'table, wide, json, yaml, name or jsonpath=TEMPLATE', 'table'),
      ),
    ),
  )
    .addHelpText(
      'after',
      `
A scan sees one moment: trends (flapping, recurring onsets) need \`kubetriage watch\`.
Exit codes: 0 no cluster-level failure, 1 one was found (warning or critical),
2 bad usage, 3 the cluster could not be reached or refused our credentials.

Examples:
  $ kubetriage scan
  $ kubetriage scan --context prod -o json | jq '.hypotheses[0]'
  $ kubetriage scan --probe-url https://shop.example.com/ --probe-url https://api.example.com/healthz`,
    )
    .action(async (flags: ScanFlags) => {
      const format = parseOutputFormat(flags.output);
      const session = await startLiveSession(flags, { components: true });
      try {
        await session.feed.pollNow();
      } finally {
        await session.feed.stop();
      }
      const now = session.clock.now();
      const signals = detectAll(session.view, now);
      const d = diagnose(signals, now);
      const data: ScanData = {
        server: session.loaded.server,
        context: session.loaded.context,
        at: new Date(now).toISOString(),
        unsynced: session.unsynced,
        hypotheses: d.hypotheses,
        findings: d.findings,
        signals,
      };
      process.stdout.write(scanOutput(format, data, stdoutPainter()));
      const top = d.hypotheses[0];
      if (top?.pattern === 'control-plane-unreachable' && session.unsynced.length) {
        throw new CliError(`the API server at ${session.loaded.server} could not be reached`, {
          exitCode: exitCodes.unavailable,
          quiet: format !== 'table',
        });
      }
      if (top?.pattern === 'api-never-reached') {
        throw new CliError(`the API server at ${session.loaded.server} never answered kubetriage`, {
          exitCode: exitCodes.unavailable,
          hint: `the next steps above say what to check for the way it fails; kubectl config view --minify shows the server and CA of context "${session.loaded.context}"`,
          quiet: format !== 'table',
        });
      }
      // Refused credentials say nothing of the cluster: the exit says we could not look.
      if (top?.pattern === 'credentials-rejected') {
        throw new CliError(`the API server at ${session.loaded.server} refuses kubetriage's credentials`, {
          exitCode: exitCodes.unavailable,
          hint: 'kubectl auth whoami shows who the server takes this kubeconfig for; renew its token or certificate',
          quiet: format !== 'table',
        });
      }
      if (top && top.severity !== 'info') throw problemsFound(`${top.title}`);
    });
}

/**
 * `kubetriage demo`: a reference outage replayed at a pace a person can watch, with
 * everything `serve` runs behind the web dashboard. It fast-forwards to a few minutes
 * before the outage begins, then plays on at --speed, so the incident opens in the
 * browser within a minute and the rest (identification, the operators' actions, the
 * resolution) follows live. Nothing is stored; Ctrl-C stops it.
 */
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { newToken } from '../../server/auth.ts';
import { loadScenario } from '../../sim/scenario/loader.ts';
import { parseDuration } from '../../sim/scenario/time-spec.ts';
import { PacedClock } from '../../time/paced-clock.ts';
import { VirtualClock } from '../../time/virtual-clock.ts';
import { startLiveDemo } from '../demo-live.ts';
import { usageError } from '../errors.ts';
import { stderrLogger } from '../logger.ts';
import { serveReplay } from '../serve-replay.ts';
import { dashboardUrl, portOption, ServeRuntime } from '../serve-runtime.ts';

interface DemoFlags {
  speed: string;
  port: string;
  host: string;
  lead: string;
  open?: boolean;
  live?: boolean;
}

class DemoStopped extends Error {}

function numberFlag(name: string, raw: string, min: number, max: number, example: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max)
    throw usageError(
      `--${name} must be a number from ${min} to ${max} (got "${raw}")`,
      `e.g. --${name} ${example}`,
    );
  return n;
}

/** Opens the URL in the desktop's browser, if there is one; the URL is printed anyway. */
function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => process.stderr.write(`could not start ${cmd}; open the URL by hand\n`));
  child.unref();
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('replay a reference outage at a watchable pace behind the web dashboard')
    .argument(
      '[scenario]',
      'a shipped scenario or a scenario YAML file (see `kubetriage scenarios`)',
      'airmap-2018',
    )
    .option('--speed <n>', 'virtual seconds per real second once the outage is near', '60')
    .option(
      '--lead <duration>',
      'how long before the outage the paced replay starts (fast-forwards to it)',
      '10m',
    )
    .option('--port <port>', 'port to listen on (0 picks a free one)', '8080')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--open', "open the dashboard in the desktop's browser")
    .option(
      '--live',
      "serve the outage as a cluster (kubectl works on it) and let you fix it: runbooks approved in the dashboard act on it, and the story's own operators stay out",
    )
    .addHelpText(
      'after',
      `
What you will see: the cluster page shows the node map and the control plane; within a
minute or so an incident opens (Investigating), its hypothesis firms up (Identified), the
on-call team's actions from the real postmortem land on its timeline, and it resolves.
Open the incident for the evidence, the look-alikes ruled out, the commands to run next
(with copy buttons) and the chart of symptoms over time; its tabs show the runbooks, the
status page and the postmortem draft.

The URL carries a fresh API token after "#token=" (a fragment: browsers never send it to
the server); the dashboard keeps it in the tab's sessionStorage.

Scenarios: airmap-2018 (default: pool-wide node network failure), data100-2019 (the
control plane goes away), runway-2024 (service routing to the API breaks), circleci-2023
(kube-proxy sync fails after an upgrade; slow burn, try --speed 600), digitalocean-2023
(a nightly timer breaks nodes; try --speed 600).

With --live the simulated cluster is served over HTTPS on loopback and watched the way
serve watches a real one; the kubeconfig it prints works with kubectl. The incident's
Runbooks tab can then approve a runbook (e.g. the bypass in runway-2024) and follow it
step by step as it changes the cluster. Nobody from the story fixes it for you.

Examples:
  $ kubetriage demo                          # airmap-2018 at 60x on http://127.0.0.1:8080
  $ kubetriage demo runway-2024 --speed 120 --open
  $ kubetriage demo runway-2024 --live --speed 30   # approve the bypass in the dashboard
  $ kubetriage demo circleci-2023 --speed 600 --port 0

Needs the built dashboard (npm ci builds it; or npm run build:web).
Stops with Ctrl-C.`,
    )
    .action(async (name: string, flags: DemoFlags) => {
      const speed = numberFlag('speed', flags.speed, 1, 100_000, '60');
      const port = portOption(flags.port);
      const leadMs = parseDuration(flags.lead);
      if (leadMs === undefined)
        throw usageError(`--lead must be a duration like 10m or 1h (got "${flags.lead}")`);
      const scenario = await loadScenario(name);
      const log = stderrLogger('kubetriage');
      const startMs = Date.parse(scenario.start);
      const onsetMs = scenario.expected.onset ? Date.parse(scenario.expected.onset) : startMs;
      const paceFromMs = Math.max(startMs, onsetMs - leadMs);
      const token = process.env.KUBETRIAGE_TOKEN?.trim() || newToken();
      const clock = new VirtualClock(startMs);
      if (flags.live && speed > 1_000)
        throw usageError(
          '--live runs at most 1000x: serve watches the cluster on the wall clock',
          'e.g. --speed 60',
        );
      const live = flags.live
        ? await startLiveDemo({ scenario, paceFromMs, speed, token, log: log.warn })
        : undefined;
      const rt =
        live?.runtime ??
        new ServeRuntime({
          clock,
          cluster: scenario.name,
          token,
          log: log.warn,
          remediationOffBecause:
            'a replay has no cluster to act on: `kubetriage demo --live` serves one whose runbooks you can approve',
        });
      const bound = await rt.listen(port, flags.host).catch(async (err: unknown) => {
        await live?.stop();
        throw err;
      });
      const url = dashboardUrl(flags.host, bound, token);
      process.stdout.write(
        `kubetriage demo: ${scenario.name} (${scenario.description})\n` +
          `dashboard: ${url}\n` +
          (live
            ? `live from ${new Date(paceFromMs).toISOString()} at ${speed}x; the cluster: kubectl --kubeconfig ${live.kubeconfig} get nodes\n` +
              "approve a runbook on the incident's Runbooks tab to fix it; Ctrl-C stops\n"
            : `fast-forwarding to ${new Date(paceFromMs).toISOString()}, then ${speed}x; Ctrl-C stops\n`),
      );
      if (flags.open) openBrowser(url);

      let stopping = false;
      let wake: (() => void) | undefined;
      const stop = () => {
        stopping = true;
        wake?.();
      };
      const untilStopped = () =>
        new Promise<void>((r) => {
          wake = r;
          if (stopping) r();
        });
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      let paced: PacedClock | undefined;
      try {
        if (live) {
          await untilStopped();
          return;
        }
        await serveReplay(rt, scenario, {
          token,
          clock,
          onProgress: async (nowMs) => {
            if (stopping) throw new DemoStopped();
            if (nowMs < paceFromMs) return;
            paced ??= new PacedClock(nowMs, { speed });
            const ahead = nowMs - paced.now();
            if (ahead > 0) await Promise.race([paced.sleep(ahead), new Promise<void>((r) => (wake = r))]);
            if (stopping) throw new DemoStopped();
          },
        });
        if (!stopping) {
          process.stdout.write('replay done; the dashboard stays up until Ctrl-C\n');
          await untilStopped();
        }
      } catch (err) {
        if (!(err instanceof DemoStopped)) throw err;
      } finally {
        process.removeListener('SIGINT', stop);
        process.removeListener('SIGTERM', stop);
        if (live) await live.stop();
        else await rt.close();
      }
    });
}

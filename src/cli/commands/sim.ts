/**
 * `kubetriage sim`: serve a simulated cluster that kubectl and client-node can use.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { simKubeconfig } from '../../sim/kubeconfig.ts';
import { loadScenario } from '../../sim/scenario/loader.ts';
import { Simulator } from '../../sim/simulator.ts';
import { PacedClock } from '../../time/paced-clock.ts';
import { usageError } from '../errors.ts';

interface SimFlags {
  port: string;
  host: string;
  nodes: string;
  kubeconfigOut?: string;
  token?: string;
  insecureHttp?: boolean;
  scenario?: string;
  speed: string;
}

function intFlag(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw usageError(
      `--${name} must be a whole number from ${min} to ${max} (got "${raw}")`,
      `e.g. --${name} ${min === 0 ? 3 : min}`,
    );
  }
  return n;
}

export function registerSim(program: Command): void {
  program
    .command('sim')
    .description(
      'serve a simulated Kubernetes cluster (API server on loopback) for kubectl, client-node and kubetriage',
    )
    .option('--port <port>', 'port to listen on (0 picks a free one)', '6443')
    .option('--host <address>', 'address to bind; keep it on loopback', '127.0.0.1')
    .option('--nodes <n>', 'worker nodes besides the control-plane node', '3')
    .option('--kubeconfig-out <file>', 'write a kubeconfig for this cluster to FILE')
    .option('--token <token>', 'require this bearer token on every request')
    .option('--insecure-http', 'serve plain HTTP instead of HTTPS with a generated certificate')
    .option(
      '--scenario <name|file>',
      "serve a scenario's cluster, from its start time (see `kubetriage scenarios`)",
    )
    .option('--speed <n>', 'with --scenario: virtual seconds per real second', '1')
    .addHelpText(
      'after',
      `
Examples:
  $ kubetriage sim --port 6443 --kubeconfig-out /tmp/sim.kubeconfig
  $ kubectl --kubeconfig /tmp/sim.kubeconfig get nodes -o wide
  $ kubectl --kubeconfig /tmp/sim.kubeconfig drain worker-1 --ignore-daemonsets --delete-emptydir-data
  $ kubetriage sim --scenario digitalocean-2023 --speed 60 --kubeconfig-out /tmp/do.kubeconfig

The cluster runs until interrupted (Ctrl-C). Serves HTTPS with a self-signed certificate
(its CA goes into the kubeconfig) on loopback; --insecure-http serves plain HTTP.`,
    )
    .action(async (flags: SimFlags) => {
      const port = intFlag('port', flags.port, 0, 65535);
      const workers = intFlag('nodes', flags.nodes, 0, 5000);
      const speed = Number(flags.speed);
      if (!Number.isFinite(speed) || speed <= 0 || speed > 100_000) {
        throw usageError(
          `--speed must be a positive number up to 100000 (got "${flags.speed}")`,
          'e.g. --speed 60 plays an hour in a minute',
        );
      }
      const scenario = flags.scenario ? await loadScenario(flags.scenario) : undefined;
      const clock = scenario ? new PacedClock(Date.parse(scenario.start), { speed }) : undefined;
      const sim = new Simulator({
        workers,
        token: flags.token,
        tls: !flags.insecureHttp,
        scenario,
        clock,
        heartbeats: true,
      });
      const url = await sim.start(port, flags.host);
      const lines = scenario
        ? [
            `kubetriage sim: serving scenario ${scenario.name} (${scenario.description}) at ${url}`,
            `virtual time starts ${scenario.start} and runs at ${speed}x; the timeline's faults are not injected yet`,
          ]
        : [`kubetriage sim: serving a cluster of ${workers + 1} nodes at ${url}`];
      if (flags.kubeconfigOut) {
        const file = resolve(flags.kubeconfigOut);
        await writeFile(file, simKubeconfig({ server: url, token: flags.token, caPem: sim.caPem }), {
          mode: 0o600,
        });
        lines.push(`kubeconfig written to ${file}`, `try: kubectl --kubeconfig ${file} get nodes -o wide`);
      } else {
        lines.push('tip: add --kubeconfig-out FILE to get a kubeconfig for kubectl');
      }
      process.stderr.write(`${lines.join('\n')}\n`);
      await new Promise<void>((done) => {
        const stop = () => {
          process.stderr.write('kubetriage sim: stopping\n');
          void sim.stop().then(done);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}

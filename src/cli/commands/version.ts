/**
 * `kubetriage version`: this client's version and, as `kubectl version` does, the API
 * server's (`GET /version`). `--client` skips the server; an unreachable server still
 * prints the client and exits 3.
 */
import type { Command } from 'commander';
import { CliError, exitCodes } from '../cli-error.ts';
import { machineDocument } from '../machine-output.ts';
import { parseOutputFormat, printData } from '../output.ts';
import { packageVersion } from '../package-version.ts';

interface VersionFlags {
  client?: boolean;
  kubeconfig?: string;
  context?: string;
  output: string;
}

interface ServerVersion {
  major: string;
  minor: string;
  gitVersion: string;
  platform?: string;
}

async function serverVersion(flags: VersionFlags): Promise<{ server: string; version: ServerVersion }> {
  const [{ loadKubeConfig }, { ApiClient }, { realClock }] = await Promise.all([
    import('../../kube/kubeconfig.ts'),
    import('../../kube/api-client.ts'),
    import('../../time/clock.ts'),
  ]);
  const loaded = loadKubeConfig({ kubeconfig: flags.kubeconfig, context: flags.context });
  const client = new ApiClient(loaded.kc, { now: () => realClock.now(), requestTimeoutMs: 10_000 });
  const res = await client.getJson<ServerVersion>('/version');
  return { server: loaded.server, version: res.body };
}

export function registerVersion(program: Command): void {
  program
    .command('version')
    .description("print kubetriage's version and the cluster's (as kubectl version does)")
    .option('--client', "only kubetriage's own version; do not contact the cluster")
    .option(
      '--kubeconfig <file>',
      'kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)',
    )
    .option('--context <name>', 'kubeconfig context to use (default: its current-context)')
    .option('-o, --output <format>', 'table, wide, json, yaml, name or jsonpath=TEMPLATE', 'table')
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 2 bad usage, 3 the cluster could not be reached (the client version is still printed).\n\nExamples:\n  $ kubetriage version --client\n  $ kubetriage version --context prod -o json | jq -r .serverVersion.gitVersion',
    )
    .action(async (flags: VersionFlags) => {
      const format = parseOutputFormat(flags.output);
      const clientVersion = {
        gitVersion: `v${packageVersion()}`,
        nodeVersion: process.version,
        platform: `${process.platform}/${process.arch}`,
      };
      let server: { server: string; version: ServerVersion } | undefined;
      let failure: unknown;
      if (!flags.client) {
        try {
          server = await serverVersion(flags);
        } catch (err) {
          failure = err;
        }
      }
      const doc = machineDocument('Version', {
        clientVersion,
        ...(server ? { serverVersion: { ...server.version, server: server.server } } : {}),
      });
      process.stdout.write(
        printData(format, doc, () =>
          [
            `Client Version: ${clientVersion.gitVersion} (Node.js ${clientVersion.nodeVersion})`,
            ...(server ? [`Server Version: ${server.version.gitVersion} (${server.server})`] : []),
            '',
          ].join('\n'),
        ),
      );
      if (failure) {
        const { describeFailure } = await import('../errors.ts');
        const described = describeFailure(failure);
        // A broken kubeconfig is bad input and says its own next step; anything else means
        // the server could not be asked.
        if (described.exitCode === exitCodes.usage)
          throw new CliError(described.message, { exitCode: exitCodes.usage });
        throw new CliError(`could not read the server version: ${(failure as Error).message}`, {
          exitCode: exitCodes.unavailable,
          hint: 'check the cluster is reachable (kubetriage status), or use --client for the client version only',
        });
      }
    });
}

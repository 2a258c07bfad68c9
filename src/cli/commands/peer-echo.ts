/**
 * `kubetriage peer-echo`: the small server the peer DaemonSet runs on the pod network, so
 * the node agents can test pod-to-pod paths between nodes, full-size packets included
 * (docs/node-agent-report.md, PodNetworkPeersUnreachable). Runs until SIGINT/SIGTERM.
 */
import type { Command } from 'commander';
import { peerEchoServer } from '../../agent/peer-echo.ts';
import { usageError } from '../errors.ts';
import { stderrLogger } from '../logger.ts';

export function registerPeerEcho(program: Command): void {
  program
    .command('peer-echo')
    .description('serve the full-size response the node agents fetch across nodes (the peer DaemonSet)')
    .option('--port <port>', 'port to listen on, on all addresses', '8089')
    .addHelpText(
      'after',
      `
GET /payload answers 64 KiB; GET /healthz answers ok. Each node agent started with
--peer-service fetches /payload from the peers on other nodes: a refused or timed-out
connect means no route to that node's pods, a connect that opens but a body that stalls
means full-size packets are dropped on the way (an MTU mismatch).

Example:
  $ kubetriage peer-echo --port 8089
  $ curl -s http://POD_IP:8089/payload | wc -c      # 65536`,
    )
    .action(async (flags: { port: string }) => {
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 1 || port > 65535)
        throw usageError(`--port must be 1-65535 (got "${flags.port}")`, 'e.g. --port 8089');
      const log = stderrLogger('kubetriage-peer-echo');
      const server = peerEchoServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, resolve);
      });
      log.info('peer-echo listening', { port });
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await new Promise((r) => server.close(r));
    });
}

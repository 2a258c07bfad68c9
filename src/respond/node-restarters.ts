/**
 * How a node gets restarted: pluggable, because Kubernetes itself has no "reboot" verb.
 * `replace` deletes the Node object and leaves the machine to its pool (cloud node pools
 * with auto-repair, managed node groups, cluster-autoscaler); `command` runs the
 * operator's provider hook (`az vm restart …`, `aws ec2 reboot-instances …`, `ssh … sudo
 * reboot`) with `{node}` replaced by the node's name. Restarting through kubetriage's own
 * node agent is not offered: the agent is read-only on the host by design.
 */
import { execFile } from 'node:child_process';
import type { ApiClient } from '../kube/api-client.ts';
import { ApiRequestError } from '../kube/api-client.ts';
import type { NodeFact } from './facts.ts';
import { shellWord } from './plan.ts';
import type { RestartMechanism, RestartNodesOptions } from './restart-nodes-plan.ts';

export interface NodeRestarter {
  readonly mechanism: RestartMechanism;
  /** Starts the restart; resolves once it has been asked for (not once the node is back). */
  restart(node: NodeFact): Promise<void>;
}

export function replaceByDeletion(api: ApiClient): NodeRestarter {
  return {
    mechanism: 'replace',
    async restart(node) {
      try {
        await api.send('DELETE', `/api/v1/nodes/${encodeURIComponent(node.name)}`);
      } catch (err) {
        // Already gone: the pool got there first.
        if (!(err instanceof ApiRequestError && err.status === 404)) throw err;
      }
    },
  };
}

export class RestartHookError extends Error {}

export function restartHook(template: string, o: { timeoutMs?: number } = {}): NodeRestarter {
  return {
    mechanism: 'command',
    restart(node) {
      const cmd = template.replaceAll('{node}', shellWord(node.name));
      return new Promise((resolve, reject) => {
        execFile('sh', ['-c', cmd], { timeout: o.timeoutMs ?? 5 * 60_000 }, (err, _stdout, stderr) => {
          if (err)
            reject(
              new RestartHookError(
                `the restart hook for ${node.name} failed (${cmd}): ${stderr.trim() || err.message}`,
              ),
            );
          else resolve();
        });
      });
    },
  };
}

/**
 * The restarter the options name, branching on `mechanism` exactly as the plan does, so
 * apply performs the restart the approved plan printed.
 */
export function restarterFor(
  options: Pick<RestartNodesOptions, 'mechanism' | 'restartCommand'>,
  api: ApiClient,
): NodeRestarter {
  if (options.mechanism === 'replace') return replaceByDeletion(api);
  if (!options.restartCommand)
    throw new RestartHookError(
      'restarting by command needs the provider hook: pass --restart-command, e.g. --restart-command "az vm restart -g rg -n {node}"',
    );
  return restartHook(options.restartCommand);
}

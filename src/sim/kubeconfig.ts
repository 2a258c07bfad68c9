/**
 * Writes a kubeconfig for a simulated cluster that kubectl and client-node accept as is:
 * one cluster, one user (a bearer token when the simulator requires one), one context,
 * made current.
 */
import { stringify } from 'yaml';

export interface SimKubeconfigInput {
  server: string;
  token?: string;
  contextName?: string;
}

export function simKubeconfig(input: SimKubeconfigInput): string {
  const name = input.contextName ?? 'kubetriage-sim';
  const user = input.token ? { token: input.token } : {};
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [{ name, cluster: { server: input.server } }],
    users: [{ name: `${name}-admin`, user }],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin`, namespace: 'default' } }],
    'current-context': name,
  });
}

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
  /** PEM of the CA that signed the server's certificate (https servers). */
  caPem?: string;
}

export function simKubeconfig(input: SimKubeconfigInput): string {
  const name = input.contextName ?? 'kubetriage-sim';
  // An https user without credentials makes kubectl prompt for a username, so there is
  // always a token; the simulator checks it only when started with one.
  const user = { token: input.token ?? 'kubetriage-sim' };
  // Over https the server's CA is trusted; a plain-http server needs
  // insecure-skip-tls-verify, without which client-node 2.x refuses http URLs.
  const cluster: Record<string, unknown> = { server: input.server };
  if (input.caPem) cluster['certificate-authority-data'] = Buffer.from(input.caPem).toString('base64');
  else if (input.server.startsWith('http:')) cluster['insecure-skip-tls-verify'] = true;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [{ name, cluster }],
    users: [{ name: `${name}-admin`, user }],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin`, namespace: 'default' } }],
    'current-context': name,
  });
}

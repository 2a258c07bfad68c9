/**
 * kubetriage has never had an answer from the API server since it started: not a probe, not
 * a watch. A wrong server address or port in the kubeconfig, a name that does not resolve
 * from here, a certificate authority that does not match, or a VPN that is down all look
 * exactly like this, and so does a cluster that was already down when kubetriage started.
 * kubetriage has never seen the cluster, so it claims nothing about its health: it says how
 * the connection fails and what to check for that kind of failure.
 *
 * Told apart from: the API server going silent after it answered (control-plane-unreachable,
 * which reads what the nodes and pods did before), and refused credentials (an answer: 401/403).
 */
import type { SignalOf } from '../../detect/signal.ts';
import { hitOn } from '../evidence/clauses.ts';
import { definePattern } from '../pattern.ts';
import { at, names, said } from '../slots.ts';

export const apiNeverReached = definePattern((q) => [{ silent: q.first('api-never-reached') }])({
  id: 'api-never-reached',
  family: 'monitoring-access',
  layer: 'control-plane',
  title: 'kubetriage has not reached the API server',
  summary:
    'kubetriage has had no answer from the API server since it started, neither to its probes nor to its watches. A wrong address, port or name in the kubeconfig, a certificate authority that does not match, a VPN that is down, or a cluster already down look the same from here, so nothing about the cluster is claimed: the incident says how the connection fails and what to check. Told apart from: an API server that answered and then went silent, and refused credentials (an answer).',
  clusterLevel: true,
  base: 0.6,
  requires: [
    {
      id: 'never-answered',
      weight: 0,
      reason: 'no answer to any probe or watch of the API server since kubetriage started',
      reads: ['api-never-reached'],
      test: (c) => hitOn([c.silent]),
    },
  ],
  supports: [
    {
      id: 'watches-fail-too',
      weight: 0.15,
      reason: '{watchCount} watches fail the same way',
      reads: ['api-never-reached'],
      test: (c) =>
        c.silent?.facts.reflectorsFailing.length
          ? {
              signals: [c.silent],
              slots: { watchCount: said(c.silent.facts.reflectorsFailing.length, c.silent)! },
            }
          : undefined,
    },
  ],
  against: [],
  // Nothing was ever seen: neither an outage nor health can be claimed.
  severity: () => 'warning',
  onset: (c, q) => c.silent?.sinceMs ?? q.nowMs,
  blastRadius: () => ({}),
  evidence: (c) => (c.silent ? [c.silent] : []),
  slots: {
    since: (c) => at(c.silent?.sinceMs, c.silent),
    kinds: (c) => (c.silent ? names(c.silent.facts.errorKinds, c.silent) : undefined),
    errors: (c) => (c.silent ? names(c.silent.facts.errors, c.silent, 2) : undefined),
    refused: (c) => kindSaid(c.silent, 'refused'),
    dns: (c) => kindSaid(c.silent, 'dns'),
    tls: (c) => kindSaid(c.silent, 'tls'),
    silence: (c) => kindSaid(c.silent, 'timeout') ?? kindSaid(c.silent, 'no-route'),
  },
  statement:
    'kubetriage has had no answer from the API server since {since} ({kinds}[: {errors}]), neither to its probes nor to its watches: it has never seen this cluster, so nothing about its health is claimed.',
  nextSteps: [
    {
      say: 'Connections are {refused}: nothing listens at that address and port; check the server URL of the context kubetriage uses',
      command: "kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}'",
    },
    {
      say: 'The server name fails to resolve ({dns}); check the name in the kubeconfig and the DNS or VPN this machine uses',
    },
    {
      say: 'The TLS handshake fails ({tls}); check that the kubeconfig trusts the certificate authority that signed the server certificate, and that the certificate has not expired',
      command: 'kubectl get --raw /version -v=6',
    },
    {
      say: 'Nothing answers from here ({silence}); check the network path to the server (VPN, firewall, private endpoint), or whether the cluster is down',
    },
    {
      say: 'Try the same context with kubectl: if kubectl answers, the kubeconfig kubetriage reads differs',
      command: 'kubectl get --raw /livez --request-timeout=5s',
    },
  ],
  lookAlikes: ['control-plane-unreachable', 'credentials-rejected'],
  public: {
    components: ['Control plane'],
    title: 'Cluster status unknown',
    cause: 'the monitoring has not reached the cluster',
    outage: 'partial',
  },
  prevention: [
    "Alert on kubetriage's own connection (the api-never-reached signal) separately from cluster health",
    'Check a new kubeconfig with kubectl from the machine that runs kubetriage before starting it',
  ],
});

/** How connections failed, in words, when some failed that way (the kinds are api-health's). */
const kindWords: Record<string, string> = {
  refused: 'refused',
  dns: 'a name lookup that fails',
  tls: 'a certificate or handshake error',
  timeout: 'timed out',
  'no-route': 'no route to the host',
};

function kindSaid(s: SignalOf<'api-never-reached'> | undefined, kind: string) {
  return s?.facts.errorKinds.includes(kind) ? said(kindWords[kind], s) : undefined;
}

/**
 * A certificate on the path to the API server is out of date or untrusted, in one of two
 * ways that show differently:
 * - The API server's serving certificate is refused by its clients: expired, not yet
 *   valid, or issued by an authority they do not trust. The endpoint accepts connections,
 *   but every TLS handshake fails (kubetriage's own probes and watches, pods dialling the
 *   `kubernetes` Service VIP, the kubelets posting status), so the cluster looks down from
 *   everywhere at the same second while nothing inside it has broken.
 * - The kubelets' client certificates are refused by the API server (expired, or signed by
 *   a CA it no longer trusts; a rotated certificate written to disk but never loaded). The
 *   API server answers everyone else; only those kubelets fall silent, and since
 *   certificates issued together expire together, they fall silent within one renewal
 *   interval of each other. The node agents on those nodes tell it from a dead node or a
 *   dead kubelet: they still write to the API server with their own credentials after the
 *   leases stopped, and the kubelet still answers its own /healthz.
 * Renewing or rotating the certificate (and restarting the kubelets so they load it)
 * clears it; replacing nodes or rebuilding networking cannot.
 *
 * Told apart from: an API server that is down (connections time out or are refused, not
 * refused at the handshake), broken service routing (pods time out on the VIP; here they
 * reach a server and reject its certificate), and an admission webhook's certificate
 * (x509 errors only on the writes the webhook matches, while the API server answers).
 */
import { hitOn, quietSource } from '../evidence/clauses.ts';
import { definePattern } from '../pattern.ts';
import { at, count, names, said } from '../slots.ts';

/** Go's x509 and Node's TLS wordings for a certificate outside its validity period. */
const outOfDate = /expired|not yet valid/i;
/** The nodes lost together: every kubelet fails the same handshake at the same moment. */
const togetherMinutes = 5;
/**
 * Kubelets whose certificates ran out at one instant renew their leases every 10 s, so
 * their last renewals fall within one interval of each other (plus watch delivery).
 */
const sameInstantMs = 15_000;
/** Past the node lifecycle controller's 50 s grace and a few retries: the refusal lasts. */
const lastingSeconds = 120;

export const certificateExpiry = definePattern((q) => {
  const api = q.first('api-unreachable');
  const vip = q.first('in-cluster-api-unreachable');
  const apiTls = api?.facts.errorKinds.includes('tls') ? api : undefined;
  const vipTls = vip?.facts.errorKinds.includes('tls') ? vip : undefined;
  const spread = q.first('not-ready-spread');
  // The certificate the handshake presented, read by kubetriage even when it does not verify.
  const served = q
    .of('certificate-validity')
    .find((x) => x.facts.holder === 'apiserver-serving' && /expired|not-yet-valid/.test(x.facts.state));
  // Running kubelets gone silent on nodes that still reach the API server: refused, not dead.
  const cutOff = q
    .of('node-heartbeat-lag')
    .filter((s) => s.facts.agentHeardSince && s.facts.kubeletHealthz === 'ok' && !s.facts.unschedulable);
  const renewals = cutOff.map((s) => s.sinceMs);
  const spanMs = renewals.length ? Math.max(...renewals) - Math.min(...renewals) : 0;
  // Refused credentials never get through, so the kubelets stop at once and stay silent; a
  // network that drops some packets lets them through now and then (they flap instead).
  const refused = apiTls || vipTls || cutOff.length < 2 || spanMs > sameInstantMs ? [] : cutOff;
  // Its notAfter is when the handshakes began to fail, to the second, whenever we first met one.
  const servedSince = served && (apiTls || vipTls) ? served.sinceMs : undefined;
  const onsets = [servedSince, apiTls?.sinceMs, vipTls?.sinceMs, ...refused.map((s) => s.sinceMs)].filter(
    (x): x is number => x !== undefined,
  );
  const refusedNodes = refused.flatMap((s) => s.scope.nodes ?? []).sort();
  return [
    {
      api,
      apiTls,
      vipTls,
      spread,
      refused,
      refusedNodes,
      spanMs,
      served: servedSince === undefined ? undefined : served,
      onset: onsets.length ? Math.min(...onsets) : q.nowMs,
    },
  ];
})({
  id: 'certificate-expiry',
  // The control plane's incident: its outage and its recovery are one story (an endpoint
  // refusing handshakes, then slow while clients reconnect).
  family: 'control-plane',
  layer: 'control-plane',
  title: 'A certificate on the way to the API server is refused',
  summary:
    "A certificate on the path to the API server is out of date or untrusted. Either clients refuse the one the API server presents: every TLS handshake fails, from kubetriage, pods and kubelets alike, so the cluster looks down from everywhere at once while nothing inside has broken. Or the API server refuses the kubelets' client certificates: it answers everyone else, and only those kubelets fall silent, within one renewal interval of each other (certificates issued together expire together), while the kubelets still run and their nodes still reach the API server. Renewing the certificate, and restarting the kubelets so they load it, clears it; replacing nodes cannot. Told apart from: an API server that is down, broken service routing, an admission webhook's certificate, a network fault on the nodes (their agents lose the API too) and stopped kubelets (/healthz fails).",
  clusterLevel: true,
  base: 0.5,
  requires: [
    {
      id: 'handshake-refused',
      weight: 0,
      reason:
        'TLS handshakes with the API server failing, from kubetriage or from pods; or running kubelets on two or more nodes that still reach the API server, no longer heard by it from one instant (last renewals within 15 s)',
      reads: ['api-unreachable', 'in-cluster-api-unreachable', 'node-heartbeat-lag'],
      test: (c) => hitOn([c.apiTls, c.vipTls]) ?? hitOn(c.refused),
    },
  ],
  supports: [
    {
      id: 'certificate-out-of-date',
      weight: 0.15,
      reason: 'the handshake error says the certificate is out of date: {error}',
      reads: ['api-unreachable'],
      test: (c) => {
        const e = c.apiTls?.facts.errors.find((x) => outOfDate.test(x));
        return e && c.apiTls ? { signals: [c.apiTls], slots: { error: said(e, c.apiTls)! } } : undefined;
      },
    },
    {
      id: 'presented-certificate-out-of-date',
      weight: 0.15,
      reason:
        'the certificate the API server presents in the handshake is {servedState}: {servedCertificate}',
      reads: ['api-unreachable', 'in-cluster-api-unreachable', 'certificate-validity'],
      test: (c) =>
        c.served
          ? {
              signals: [c.served],
              slots: {
                servedState: said(c.served.facts.state.replace(/-/g, ' '), c.served)!,
                servedCertificate: said(
                  `${c.served.facts.subject}, notAfter ${c.served.facts.notAfter}${c.served.facts.sans.length ? `, for ${c.served.facts.sans.slice(0, 4).join(', ')}` : ''}`,
                  c.served,
                )!,
              },
            }
          : undefined,
    },
    {
      id: 'only-handshakes-fail',
      weight: 0.15,
      reason: 'every failure is a TLS failure ({errorKinds}): connections themselves get through',
      reads: ['api-unreachable'],
      test: (c) =>
        c.apiTls?.facts.errorKinds.every((k) => k === 'tls')
          ? { signals: [c.apiTls], slots: { errorKinds: names(c.apiTls.facts.errorKinds, c.apiTls)! } }
          : undefined,
    },
    {
      id: 'inside-and-outside-alike',
      weight: 0.1,
      reason: 'pods inside fail the handshake as kubetriage does from outside',
      reads: ['api-unreachable', 'in-cluster-api-unreachable'],
      test: (c) => (c.apiTls && c.vipTls ? { signals: [c.apiTls, c.vipTls] } : undefined),
    },
    {
      id: 'kubelets-never-heard-again',
      weight: 0.15,
      reason:
        'none of them has been heard since, {lagMinutes} min or more: a refusal that lasts, not a link that comes and goes',
      reads: ['node-heartbeat-lag', 'node-flapping'],
      test: (c, q) => {
        const flapping = new Set(q.of('node-flapping').map((f) => f.subject));
        const lag = Math.min(...c.refused.map((s) => s.facts.lagSeconds));
        return c.refused.length && lag >= lastingSeconds && !c.refused.some((s) => flapping.has(s.subject))
          ? { signals: c.refused, slots: { lagMinutes: count(Math.floor(lag / 60), c.refused)! } }
          : undefined;
      },
    },
    {
      id: 'api-serves-everyone-else',
      weight: 0.1,
      reason: 'the API server answers kubetriage meanwhile: it refuses those kubelets, not everyone',
      reads: ['api-unreachable'],
      test: (c, q) => (c.refused.length && !c.api ? quietSource(q, 'probe', true) : undefined),
    },
    {
      id: 'nodes-lost-together',
      weight: 0.05,
      reason: '{notReady} of {total} nodes went NotReady within {span} min of each other',
      reads: ['not-ready-spread'],
      test: (c) => {
        const s = c.spread;
        if (!s || s.facts.notReadyFraction < 0.9 || s.facts.onsetSpanMinutes > togetherMinutes)
          return undefined;
        return {
          signals: [s],
          slots: {
            notReady: said(s.facts.notReadyNow, s)!,
            total: said(s.facts.totalNodes, s)!,
            span: said(Math.max(1, s.facts.onsetSpanMinutes), s)!,
          },
        };
      },
    },
  ],
  against: [],
  severity: () => 'critical',
  onset: (c) => c.onset,
  blastRadius: (c) => ({
    nodes: c.refused.length ? c.refusedNodes : (c.spread?.scope.nodes ?? []),
    services: c.vipTls ? ['default/kubernetes'] : [],
    namespaces: c.vipTls?.scope.namespaces ?? [],
  }),
  evidence: (c) => [c.apiTls, c.vipTls, c.served, ...c.refused].filter((x) => x !== undefined),
  slots: {
    since: (c) => at(c.onset, [c.apiTls, c.vipTls, ...c.refused]),
    who: (c) =>
      c.apiTls && c.vipTls
        ? said('kubetriage and pods inside the cluster', [c.apiTls, c.vipTls])
        : c.apiTls
          ? said('kubetriage', c.apiTls)
          : c.vipTls
            ? said('pods inside the cluster', c.vipTls)
            : said(`The kubelets on ${c.refused.length} nodes`, c.refused),
    failure: (c) =>
      c.apiTls || c.vipTls
        ? said('fail the TLS handshake with the API server', [c.apiTls, c.vipTls])
        : said('are no longer heard by the API server', c.refused),
    meaning: (c) =>
      c.apiTls || c.vipTls
        ? said('the certificate it presents is refused, while nothing shows the connection itself failing', [
            c.apiTls,
            c.vipTls,
          ])
        : said(
            'the kubelets still run and the node agents there still write to the API server, so the API server is refusing the kubelets’ credentials (a client certificate out of date or from an authority it no longer trusts)',
            c.refused,
          ),
    error: (c) =>
      said(c.apiTls?.facts.errors.find((x) => outOfDate.test(x)) ?? c.apiTls?.facts.errors[0], c.apiTls),
    servingSide: (c) => said('the API server endpoint', [c.apiTls, c.vipTls]),
    kubelets: (c) => names(c.refusedNodes, c.refused),
    firstKubelet: (c) => said(c.refusedNodes[0], c.refused),
  },
  statement: '{who} {failure} since {since}[ ({error})]: {meaning}.',
  nextSteps: [
    {
      say: 'On {kubelets}, read the dates and issuer of the client certificate the kubelet presents (kubeadm keeps it at /var/lib/kubelet/pki/kubelet-client-current.pem; other installers name it in the kubelet kubeconfig)',
      command:
        "ssh {firstKubelet} 'sudo openssl x509 -noout -subject -issuer -dates -in /var/lib/kubelet/pki/kubelet-client-current.pem'",
    },
    {
      say: "Find the refusals in the API server's log: a client certificate out of date or from an unknown authority is logged as an authentication failure with the x509 reason",
      command:
        "kubectl -n kube-system logs -l component=kube-apiserver --since=30m | grep -iE 'x509|Unable to authenticate' | tail",
    },
    {
      say: 'Once a valid certificate is on {kubelets} (renewed, or rotated by the installer), restart the kubelet there so it loads it: a kubelet keeps presenting the certificate it started with',
      command: "ssh {firstKubelet} 'sudo systemctl restart kubelet'",
    },
    {
      say: 'Read the dates and issuer of the certificate {servingSide} presents',
      command:
        "openssl s_client -connect \"$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}' | sed 's#https://##')\" </dev/null 2>/dev/null | openssl x509 -noout -subject -issuer -dates",
    },
    {
      say: 'On a kubeadm control plane, check every certificate, renew, then restart the control-plane static pods',
      command: 'kubeadm certs check-expiration && kubeadm certs renew all',
    },
    {
      say: 'On a managed cluster, open a case with the provider naming {servingSide} and the handshake error; start their credential rotation if they offer one (GKE: gcloud container clusters update CLUSTER --start-credential-rotation)',
    },
    {
      say: 'Leave nodes and networking alone: they cannot fix a certificate, and replaced nodes cannot join until it is valid',
    },
  ],
  lookAlikes: [
    'control-plane-unreachable',
    'service-routing',
    'admission-webhook-failure',
    'node-network',
    'kubelet-failure',
  ],
  public: {
    components: ['Control plane'],
    title: 'Control plane unavailable',
    cause: "clients refuse the control plane's certificate",
    outage: 'major',
  },
  prevention: [
    'Alert on days to expiry of the API server, kubelet and webhook certificates, a month ahead',
    'Rehearse certificate rotation on a staging cluster before it is due in production',
  ],
});

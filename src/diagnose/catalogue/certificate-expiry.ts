/**
 * The API server's serving certificate is refused by its clients: expired, not yet valid,
 * or issued by an authority they do not trust. The endpoint accepts connections, but every
 * TLS handshake fails (kubetriage's own probes and watches, pods dialling the `kubernetes`
 * Service VIP, the kubelets posting status), so the cluster looks down from everywhere at
 * the same second while nothing inside it has broken. Renewing or rotating the certificate
 * clears it; replacing nodes or rebuilding networking cannot.
 *
 * Told apart from: an API server that is down (connections time out or are refused, not
 * refused at the handshake), broken service routing (pods time out on the VIP; here they
 * reach a server and reject its certificate), and an admission webhook's certificate
 * (x509 errors only on the writes the webhook matches, while the API server answers).
 */
import { hitOn } from '../evidence/clauses.ts';
import { definePattern } from '../pattern.ts';
import { at, names, said } from '../slots.ts';

/** Go's x509 and Node's TLS wordings for a certificate outside its validity period. */
const outOfDate = /expired|not yet valid/i;
/** The nodes lost together: every kubelet fails the same handshake at the same moment. */
const togetherMinutes = 5;

export const certificateExpiry = definePattern((q) => {
  const api = q.first('api-unreachable');
  const vip = q.first('in-cluster-api-unreachable');
  const apiTls = api?.facts.errorKinds.includes('tls') ? api : undefined;
  const vipTls = vip?.facts.errorKinds.includes('tls') ? vip : undefined;
  const spread = q.first('not-ready-spread');
  const onsets = [apiTls?.sinceMs, vipTls?.sinceMs].filter((x): x is number => x !== undefined);
  return [{ api, apiTls, vipTls, spread, onset: onsets.length ? Math.min(...onsets) : q.nowMs }];
})({
  id: 'certificate-expiry',
  // The control plane's incident: its outage and its recovery are one story (an endpoint
  // refusing handshakes, then slow while clients reconnect).
  family: 'control-plane',
  layer: 'control-plane',
  title: "Clients refuse the API server's certificate",
  summary:
    "The certificate the API server presents is refused by its clients: expired, not yet valid, or issued by an authority they do not trust. The endpoint accepts connections, but every TLS handshake fails (kubetriage's own probes and watches, pods dialling the kubernetes Service VIP, the kubelets posting status), so the cluster looks down from everywhere at once while nothing inside it has broken. Renewing or rotating the certificate clears it; replacing nodes or rebuilding networking cannot. Told apart from: an API server that is down (connections time out or are refused), broken service routing (pods time out on the VIP), and an admission webhook's certificate (x509 errors only on the writes it matches).",
  clusterLevel: true,
  base: 0.5,
  requires: [
    {
      id: 'handshake-refused',
      weight: 0,
      reason: 'TLS handshakes with the API server failing, from kubetriage or from pods',
      reads: ['api-unreachable', 'in-cluster-api-unreachable'],
      test: (c) => hitOn([c.apiTls, c.vipTls]),
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
    nodes: c.spread?.scope.nodes ?? [],
    services: c.vipTls ? ['default/kubernetes'] : [],
    namespaces: c.vipTls?.scope.namespaces ?? [],
  }),
  evidence: (c) => [c.apiTls, c.vipTls].filter((x) => x !== undefined),
  slots: {
    since: (c) => at(c.onset, [c.apiTls, c.vipTls]),
    who: (c) =>
      c.apiTls && c.vipTls
        ? said('kubetriage and pods inside the cluster', [c.apiTls, c.vipTls])
        : c.apiTls
          ? said('kubetriage', c.apiTls)
          : said('pods inside the cluster', c.vipTls),
    error: (c) =>
      said(c.apiTls?.facts.errors.find((x) => outOfDate.test(x)) ?? c.apiTls?.facts.errors[0], c.apiTls),
  },
  statement:
    '{who} fail the TLS handshake with the API server since {since}[ ({error})]: the certificate it presents is refused, while nothing shows the connection itself failing.',
  nextSteps: [
    {
      say: 'Read the dates and issuer of the certificate the endpoint presents',
      command:
        "openssl s_client -connect \"$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}' | sed 's#https://##')\" </dev/null 2>/dev/null | openssl x509 -noout -subject -issuer -dates",
    },
    {
      say: 'On a kubeadm control plane, check every certificate, renew, then restart the control-plane static pods',
      command: 'kubeadm certs check-expiration && kubeadm certs renew all',
    },
    {
      say: 'On a managed cluster, open a case with the provider naming the endpoint and the handshake error; start their credential rotation if they offer one (GKE: gcloud container clusters update CLUSTER --start-credential-rotation)',
    },
    {
      say: 'Leave nodes and networking alone: they cannot fix a certificate, and replaced nodes cannot join until it is valid',
    },
  ],
  lookAlikes: ['control-plane-unreachable', 'service-routing', 'admission-webhook-failure'],
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

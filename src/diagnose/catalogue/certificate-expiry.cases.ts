/** certificate-expiry: fires when handshakes with the API server fail on its certificate; loses to its look-alikes. */
import type { PatternTable } from '../cases.ts';
import {
  apiUnreachable,
  flapping,
  notReady,
  podCreation,
  servingCertificate,
  silent,
  spread,
  vipUnreachable,
  webhookFailing,
} from '../fixtures.ts';

const all = ['n1', 'n2', 'n3', 'n4'];
/** Node's wording (CERT_HAS_EXPIRED) as our client reports it, and Go's, as pods log it. */
const expired = { errors: ['certificate has expired'], errorKinds: ['tls'] };
const unknownAuthority = { errors: ['self-signed certificate in certificate chain'], errorKinds: ['tls'] };
/** Every node NotReady within a minute of the others. */
/** Running kubelets gone silent on nodes whose agents still write to the API server. */
const cutOff = (node: string, lagSeconds: number) => [
  silent(node, lagSeconds, {}, { agentHeardSince: true, kubeletHealthz: 'ok' }),
  notReady(node),
];
const workers = ['w1', 'w2', 'w3'];
const allAtOnce = [
  ...all.map((n) => notReady(n)),
  spread(all, { totalNodes: 4, notReadyFraction: 1, onsetSpanMinutes: 0 }),
];

export const certificateExpiryCases: PatternTable = {
  pattern: 'certificate-expiry',
  cases: [
    // 0.5 + 0.15 out of date + 0.15 only TLS + 0.1 inside and out + 0.05 nodes together = 0.95
    {
      name: 'the certificate expires: kubetriage, pods and kubelets all fail the handshake',
      signals: [apiUnreachable(expired), vipUnreachable(all, { errorKinds: ['tls'] }), ...allAtOnce],
      expect: { fires: true, identified: true },
    },
    // 0.5 + 0.15 + 0.15 = 0.8
    {
      name: 'the first minute: only kubetriage has met the expired certificate',
      signals: [apiUnreachable({ ...expired, reflectorsFailing: [] })],
      expect: { fires: true, identified: true },
    },
    // 0.5 + 0.15 = 0.65, over control-plane-unreachable at 0.55: a certificate, not yet sure it is expiry
    {
      name: 'the endpoint presents a certificate from an authority kubetriage does not trust',
      signals: [apiUnreachable(unknownAuthority)],
      expect: { fires: true, identified: false },
    },
    // 0.65 + 0.15 presented certificate expired = 0.8: the handshake's own certificate names the date
    {
      name: 'handshakes fail with an error that names no date, and the certificate presented expired two minutes ago',
      signals: [
        apiUnreachable({ errors: ['unable to get local issuer certificate'], errorKinds: ['tls'] }),
        servingCertificate(),
      ],
      expect: { fires: true, identified: true },
    },
    // 0.65: a valid certificate presented says nothing of expiry
    {
      name: 'handshakes fail on an unknown authority while the presented certificate is within its dates',
      signals: [
        apiUnreachable(unknownAuthority),
        servingCertificate(
          { state: 'valid', daysLeft: 200, authorizationError: 'SELF_SIGNED_CERT_IN_CHAIN' },
          { severity: 'info' },
        ),
      ],
      expect: { fires: true, identified: false },
    },
    // 0.65 + 0.1 = 0.75
    {
      name: 'kubetriage and pods alike meet a certificate from an unknown authority',
      signals: [apiUnreachable(unknownAuthority), vipUnreachable(all, { errorKinds: ['tls'] })],
      expect: { fires: true, identified: true },
    },
    // 0.65 + 0.05 = 0.7
    {
      name: 'an unknown authority, and every node went NotReady in the same minute',
      signals: [apiUnreachable(unknownAuthority), ...allAtOnce],
      expect: { fires: true, identified: true },
    },
    {
      name: 'the endpoint stops answering: probes time out',
      signals: [apiUnreachable()],
      expect: { losesTo: 'control-plane-unreachable' },
    },
    // 0.5 + 0.15 = 0.65, under control-plane-unreachable at 0.95
    {
      name: 'some handshakes fail on the certificate, most connections time out',
      signals: [
        apiUnreachable({
          errors: ['certificate has expired', 'connect ETIMEDOUT'],
          errorKinds: ['tls', 'timeout'],
        }),
      ],
      expect: { losesTo: 'control-plane-unreachable' },
    },
    {
      name: 'pods time out on the VIP while kubetriage gets answers',
      signals: [vipUnreachable(all)],
      expect: { losesTo: 'service-routing' },
    },
    {
      name: "a webhook's certificate is refused on the writes it matches while the API server answers",
      signals: [
        webhookFailing('validate.policy.example.com', { errorKinds: ['tls'] }),
        podCreation('shop', 'cart-7d9f', { webhooks: ['validate.policy.example.com'] }),
      ],
      expect: { losesTo: 'admission-webhook-failure' },
    },
    // 0.5 + 0.15 never heard again + 0.1 the API answers us = 0.75
    {
      name: "the workers' kubelets stop being heard within seconds of each other while they run and their agents write",
      signals: workers.flatMap((n, i) => cutOff(n, 120 + i * 3)),
      expect: { fires: true, identified: true },
    },
    // 0.5 + 0.1 = 0.6: the first minute, before the refusal has lasted
    {
      name: 'the first minute after running kubelets on reachable nodes fell silent together',
      signals: workers.flatMap((n, i) => cutOff(n, 60 + i * 3)),
      expect: { fires: true, identified: false },
    },
    {
      name: 'running kubelets on reachable nodes fall silent one after another over minutes',
      signals: workers.flatMap((n, i) => cutOff(n, 120 + i * 60)),
      expect: { quiet: true },
    },
    // 0.6: they got through now and then, as over a lossy link
    {
      name: 'running kubelets on reachable nodes fell silent together, but keep flapping',
      signals: [...workers.flatMap((n, i) => cutOff(n, 120 + i * 3)), ...workers.map((n) => flapping(n))],
      expect: { fires: true, identified: false },
    },
    // 0.5 + 0.15 = 0.65: the API server is not answering us either
    {
      name: 'kubelets cut off together while kubetriage loses the API server too',
      signals: [...workers.flatMap((n, i) => cutOff(n, 120 + i * 3)), apiUnreachable()],
      expect: { losesTo: 'control-plane-unreachable' },
    },
    {
      name: 'one running kubelet on a reachable node falls silent',
      signals: cutOff('w1', 120),
      expect: { losesTo: 'kubelet-failure' },
    },
    {
      name: 'the kubelets stopped: their health checks fail',
      signals: workers.flatMap((n, i) => [
        silent(n, 120 + i * 3, {}, { agentHeardSince: true, kubeletHealthz: 'failing' }),
        notReady(n),
      ]),
      expect: { quiet: true },
    },
    {
      name: 'the nodes themselves went quiet: their agents are silent too',
      signals: workers.flatMap((n, i) => [silent(n, 120 + i * 3), notReady(n)]),
      expect: { losesTo: 'node-network' },
    },
    {
      name: 'one node down while the API server answers',
      signals: [notReady('n4')],
      expect: { quiet: true },
    },
  ],
};

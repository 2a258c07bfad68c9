/** certificate-expiry: fires when handshakes with the API server fail on its certificate; loses to its look-alikes. */
import type { PatternTable } from '../cases.ts';
import {
  apiUnreachable,
  notReady,
  podCreation,
  spread,
  vipUnreachable,
  webhookFailing,
} from '../fixtures.ts';

const all = ['n1', 'n2', 'n3', 'n4'];
/** Node's wording (CERT_HAS_EXPIRED) as our client reports it, and Go's, as pods log it. */
const expired = { errors: ['certificate has expired'], errorKinds: ['tls'] };
const unknownAuthority = { errors: ['self-signed certificate in certificate chain'], errorKinds: ['tls'] };
/** Every node NotReady within a minute of the others. */
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
    {
      name: 'one node down while the API server answers',
      signals: [notReady('n4')],
      expect: { quiet: true },
    },
  ],
};

/**
 * A self-signed serving certificate for the simulated API server. Real API servers only
 * serve HTTPS, and client-go (so kubectl) sends kubeconfig credentials such as bearer
 * tokens only to https servers; the certificate doubles as the CA in the kubeconfig.
 */
import { createPublicKey } from 'node:crypto';
import { generate } from 'selfsigned';

export interface ServingCert {
  key: string;
  cert: string;
}

/**
 * `reissue` makes another certificate with the same key and name, so clients that trust the
 * first still build a chain to it, valid only between the given real times: an expired
 * one then fails their handshake with x509's own expiry error.
 */
export async function generateServingCert(
  host: string,
  reissue?: { keyPem: string; notBeforeMs: number; notAfterMs: number },
): Promise<ServingCert> {
  const isIp = /^[\d.]+$/.test(host) || host.includes(':');
  const altNames: { type: 2 | 7; value?: string; ip?: string }[] = [
    { type: 2, value: 'localhost' },
    { type: 2, value: 'kubernetes' },
    { type: 2, value: 'kubernetes.default.svc' },
    { type: 7, ip: '127.0.0.1' },
    // The in-cluster address of the `kubernetes` service (kubeadm default).
    { type: 7, ip: '10.96.0.1' },
  ];
  if (isIp && host !== '127.0.0.1') altNames.push({ type: 7, ip: host });
  if (!isIp && host !== 'localhost') altNames.push({ type: 2, value: host });
  const pems = await generate([{ name: 'commonName', value: 'kube-apiserver' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ...(reissue
      ? {
          keyPair: {
            privateKey: reissue.keyPem,
            publicKey: createPublicKey(reissue.keyPem).export({ type: 'spki', format: 'pem' }).toString(),
          },
          notBeforeDate: new Date(reissue.notBeforeMs),
          notAfterDate: new Date(reissue.notAfterMs),
        }
      : {}),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

/**
 * X.509 for the simulator: how Go's crypto/x509 prints times in its errors, and certificates
 * issued on the spot, synchronously, for any validity in virtual time (the replay's API
 * server certificate, webhook CA bundles). `selfsigned` (serving-cert.ts) is async and takes
 * real dates; a replay needs a certificate the moment its clock reaches a renewal.
 *
 * The DER follows RFC 5280 §4.1 (Certificate, TBSCertificate v3, Validity as UTCTime up to
 * 2049 and GeneralizedTime after, Name as RDNs of CN and O, extensions basicConstraints,
 * keyUsage, subjectAltName with dNSName [2] and iPAddress [7]), signed with Ed25519 (RFC
 * 8410) from a fixed seed: signatures are deterministic, so a replay issues the same bytes
 * every run.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign } from 'node:crypto';

/** How Go's crypto/x509 prints times in its errors: RFC 3339, UTC, whole seconds. */
export function x509Time(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface CertificateRequest {
  commonName: string;
  organization?: string;
  dnsNames?: readonly string[];
  ips?: readonly string[];
  notBeforeMs: number;
  notAfterMs: number;
  /** A CA (basicConstraints cA, keyCertSign), as a webhook's caBundle holds. */
  ca?: boolean;
}

/** A DER element: tag, definite length, content. */
function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const len =
    n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, content]);
}

const seq = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]) => tlv(0x31, Buffer.concat(parts));

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const bytes = [a! * 40 + b!];
  for (const n of rest) {
    const chunk = [n & 0x7f];
    for (let v = n >>> 7; v > 0; v >>>= 7) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** A positive INTEGER from big-endian bytes (a leading 0 where the top bit is set). */
function integer(bytes: Buffer): Buffer {
  return tlv(0x02, bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function time(ms: number): Buffer {
  const iso = new Date(ms).toISOString();
  const digits = iso.slice(0, 19).replace(/[-:T]/g, '');
  const year = new Date(ms).getUTCFullYear();
  // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
  return year < 2050 ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${digits}Z`));
}

function name(r: CertificateRequest): Buffer {
  const rdn = (type: string, value: string) => set(seq(oid(type), tlv(0x0c, Buffer.from(value))));
  return seq(...(r.organization ? [rdn('2.5.4.10', r.organization)] : []), rdn('2.5.4.3', r.commonName));
}

function ipBytes(ip: string): Buffer {
  return Buffer.from(ip.split('.').map(Number));
}

function extensions(r: CertificateRequest): Buffer {
  const ext = (id: string, critical: boolean, value: Buffer) =>
    seq(oid(id), ...(critical ? [tlv(0x01, Buffer.from([0xff]))] : []), tlv(0x04, value));
  // keyUsage bits: digitalSignature (0), keyEncipherment (2), keyCertSign (5).
  const usage = r.ca ? Buffer.from([0x02, 0xa4]) : Buffer.from([0x05, 0xa0]);
  const sans = [
    ...(r.dnsNames ?? []).map((d) => tlv(0x82, Buffer.from(d))),
    ...(r.ips ?? []).map((ip) => tlv(0x87, ipBytes(ip))),
  ];
  return tlv(
    0xa3,
    seq(
      ext('2.5.29.19', true, r.ca ? seq(tlv(0x01, Buffer.from([0xff]))) : seq()),
      ext('2.5.29.15', true, tlv(0x03, usage)),
      ...(sans.length ? [ext('2.5.29.17', false, seq(...sans))] : []),
    ),
  );
}

let key: { privateKey: KeyObject; spki: Buffer } | undefined;

/** The simulator's one signing key: Ed25519 from a fixed seed (PKCS#8, RFC 8410 §7). */
function signingKey(): { privateKey: KeyObject; spki: Buffer } {
  if (key) return key;
  const seed = createHash('sha256').update('kubetriage simulator CA').digest();
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  key = { privateKey, spki: createPublicKey(privateKey).export({ type: 'spki', format: 'der' }) };
  return key;
}

/** A self-signed certificate as PEM, the same bytes for the same request. */
export function issueCertificate(r: CertificateRequest): string {
  const { privateKey, spki } = signingKey();
  const ed25519 = seq(oid('1.3.101.112'));
  const serial = createHash('sha256').update(JSON.stringify(r)).digest().subarray(0, 16);
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))),
    integer(serial),
    ed25519,
    name(r),
    seq(time(r.notBeforeMs), time(r.notAfterMs)),
    name(r),
    spki,
    extensions(r),
  );
  const signature = sign(null, tbs, privateKey);
  const der = seq(tbs, ed25519, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const body = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE-----\n${body}${body.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`;
}

// node:tls-shaped certificate objects (getPeerCertificate(), checkServerIdentity's argument) built
// from DER. Uses node's X509Certificate: this is off the handshake's hot path (only called when the
// application asks, or when it installed its own checkServerIdentity).
import { Buffer } from 'node:buffer';
import { X509Certificate } from 'node:crypto';

/** A distinguished name as node:tls shows it: attribute → value (an array when repeated). */
export type CertificateName = Record<string, string | string[]>;

/** The subset of node:tls's PeerCertificate / DetailedPeerCertificate that typetls fills. */
export interface PeerCertificate {
  subject: CertificateName;
  issuer: CertificateName;
  subjectaltname?: string;
  infoAccess?: Record<string, string[]>;
  ca: boolean;
  bits?: number;
  modulus?: string;
  exponent?: string;
  pubkey?: Buffer;
  asn1Curve?: string;
  nistCurve?: string;
  valid_from: string;
  valid_to: string;
  fingerprint: string;
  fingerprint256: string;
  fingerprint512: string;
  ext_key_usage?: string[];
  serialNumber: string;
  raw: Buffer;
  issuerCertificate?: PeerCertificate;
}

const nistNames: Readonly<Record<string, string>> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};

/** Parses X509Certificate's multi-line name ("CN=a\nO=b") into node's object form. */
export function parseName(text: string): CertificateName {
  const out: CertificateName = Object.create(null) as CertificateName;
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    const prev = out[key];
    if (prev === undefined) out[key] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[key] = [prev, value];
  }
  return out;
}

function parseInfoAccess(text: string | undefined): Record<string, string[]> | undefined {
  if (text === undefined) return undefined;
  const out: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep <= 0) continue;
    const key = line.slice(0, sep);
    (out[key] ??= []).push(line.slice(sep + 3));
  }
  return out;
}

/** One certificate in node:tls's PeerCertificate shape. Throws when the DER cannot be parsed. */
function peerCertificate(der: Uint8Array): PeerCertificate {
  const x = new X509Certificate(der);
  const cert: PeerCertificate = {
    subject: parseName(x.subject),
    issuer: parseName(x.issuer),
    ca: x.ca,
    valid_from: x.validFrom,
    valid_to: x.validTo,
    fingerprint: x.fingerprint,
    fingerprint256: x.fingerprint256,
    fingerprint512: x.fingerprint512,
    serialNumber: x.serialNumber.toUpperCase(),
    raw: Buffer.from(der),
  };
  if (x.subjectAltName !== undefined) cert.subjectaltname = x.subjectAltName;
  const info = parseInfoAccess(x.infoAccess);
  if (info !== undefined) cert.infoAccess = info;
  if (x.keyUsage !== undefined && x.keyUsage.length > 0) cert.ext_key_usage = [...x.keyUsage];
  const details = x.publicKey.asymmetricKeyDetails;
  if (x.publicKey.asymmetricKeyType === 'rsa' || x.publicKey.asymmetricKeyType === 'rsa-pss') {
    const jwk = x.publicKey.export({ format: 'jwk' });
    if (details?.modulusLength !== undefined) cert.bits = details.modulusLength;
    if (typeof jwk.n === 'string') cert.modulus = Buffer.from(jwk.n, 'base64url').toString('hex').toUpperCase();
    if (details?.publicExponent !== undefined) cert.exponent = '0x' + details.publicExponent.toString(16);
    cert.pubkey = x.publicKey.export({ format: 'der', type: 'spki' });
  } else if (x.publicKey.asymmetricKeyType === 'ec') {
    const curve = details?.namedCurve;
    if (curve !== undefined) {
      cert.asn1Curve = curve;
      const nist = nistNames[curve];
      if (nist !== undefined) cert.nistCurve = nist;
      const bits = /(\d+)/.exec(curve)?.[1];
      if (bits !== undefined) cert.bits = Number(bits);
    }
    cert.pubkey = x.publicKey.export({ format: 'der', type: 'spki' });
  } else {
    cert.pubkey = x.publicKey.export({ format: 'der', type: 'spki' });
  }
  return cert;
}

/**
 * The leaf in node's shape; with `detailed`, linked to its issuers through `issuerCertificate`
 * (a self-issued last certificate points to itself, as node:tls does).
 */
export function peerCertificateChain(chain: readonly Uint8Array[], detailed: boolean): PeerCertificate | Record<string, never> {
  const first = chain[0];
  if (first === undefined) return {};
  const leaf = peerCertificate(first);
  if (!detailed) return leaf;
  let cur = leaf;
  for (let i = 1; i < chain.length; i++) {
    const der = chain[i];
    if (der === undefined) break;
    const next = peerCertificate(der);
    cur.issuerCertificate = next;
    cur = next;
  }
  const last = chain[chain.length - 1];
  if (last !== undefined) {
    const x = new X509Certificate(last);
    if (x.checkIssued(x)) cur.issuerCertificate = cur;
  }
  return leaf;
}

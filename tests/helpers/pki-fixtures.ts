// Test PKIs generated on the fly with @peculiar/x509 over node's WebCrypto: roots, intermediates,
// leaves and CRLs with exactly the extensions a test needs.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type EcKeyAlgorithm = webcrypto.EcKeyAlgorithm;
type GenParams = webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams | webcrypto.Algorithm;
type SignParams = webcrypto.Algorithm & Record<string, unknown>;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[1]);

export type KeyKind = 'p256' | 'p384' | 'rsa' | 'rsa-pss' | 'ed25519';

export interface Issued {
  readonly cert: x509.X509Certificate;
  readonly keys: CryptoKeyPair;
  readonly der: Uint8Array;
  readonly pem: string;
  readonly name: string;
}

const ALGS: Record<KeyKind, { gen: GenParams; sign: SignParams }> = {
  p256: { gen: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } },
  p384: { gen: { name: 'ECDSA', namedCurve: 'P-384' }, sign: { name: 'ECDSA', hash: 'SHA-384' } },
  rsa: {
    gen: { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    sign: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  },
  'rsa-pss': {
    gen: { name: 'RSA-PSS', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    sign: { name: 'RSA-PSS', hash: 'SHA-256', saltLength: 32 },
  },
  ed25519: { gen: { name: 'Ed25519' }, sign: { name: 'Ed25519' } },
};

export async function newKeys(kind: KeyKind = 'p256'): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALGS[kind].gen as webcrypto.EcKeyGenParams, true, ['sign', 'verify'])) as CryptoKeyPair;
}

export interface CertSpec {
  readonly cn: string;
  /** The issuer; absent = self-signed. */
  readonly issuer?: Issued;
  readonly keys?: CryptoKeyPair;
  readonly keyKind?: KeyKind;
  /** Sign with this key instead of the issuer's (to break the signature). */
  readonly signWith?: CryptoKeyPair;
  readonly ca?: boolean;
  readonly pathLen?: number;
  /** Omit basicConstraints altogether. */
  readonly noBasicConstraints?: boolean;
  readonly keyUsage?: number;
  readonly eku?: readonly string[];
  readonly dns?: readonly string[];
  readonly ips?: readonly string[];
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly serial?: string;
  readonly hash?: 'SHA-1' | 'SHA-256' | 'SHA-384';
  /** Extra raw extensions. */
  readonly extra?: readonly x509.Extension[];
}

const DAY = 86_400_000;
export const NOW = Date.UTC(2026, 0, 15);

export async function issue(spec: CertSpec): Promise<Issued> {
  const keys = spec.keys ?? (await newKeys(spec.keyKind ?? 'p256'));
  const ca = spec.ca ?? false;
  const exts: x509.Extension[] = [];
  if (!spec.noBasicConstraints && (ca || spec.pathLen !== undefined)) exts.push(new x509.BasicConstraintsExtension(ca, spec.pathLen, true));
  const ku = spec.keyUsage ?? (ca ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign : x509.KeyUsageFlags.digitalSignature);
  exts.push(new x509.KeyUsagesExtension(ku, false));
  if (spec.eku !== undefined) exts.push(new x509.ExtendedKeyUsageExtension([...spec.eku], false));
  const san = [...(spec.dns ?? []).map((value) => ({ type: 'dns' as const, value })), ...(spec.ips ?? []).map((value) => ({ type: 'ip' as const, value }))];
  if (san.length > 0) exts.push(new x509.SubjectAlternativeNameExtension(san, false));
  exts.push(await x509.SubjectKeyIdentifierExtension.create(keys.publicKey));
  if (spec.issuer !== undefined) exts.push(await x509.AuthorityKeyIdentifierExtension.create(spec.issuer.keys.publicKey));
  exts.push(...(spec.extra ?? []));
  const signer = spec.signWith ?? spec.issuer?.keys ?? keys;
  const alg = signer.privateKey.algorithm as EcKeyAlgorithm;
  const baseSign =
    alg.name === 'ECDSA' ? (alg.namedCurve === 'P-384' ? ALGS.p384.sign : ALGS.p256.sign) : (Object.values(ALGS).find((a) => a.sign.name === alg.name)?.sign ?? ALGS.p256.sign);
  const signingAlgorithm = spec.hash === undefined ? baseSign : { ...baseSign, hash: spec.hash };
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: spec.serial ?? Array.from(webcrypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('').replace(/^[89a-f]/, '1'),
    subject: `CN=${spec.cn}`,
    issuer: spec.issuer === undefined ? `CN=${spec.cn}` : spec.issuer.cert.subject,
    notBefore: spec.notBefore ?? new Date(NOW - 30 * DAY),
    notAfter: spec.notAfter ?? new Date(NOW + 365 * DAY),
    publicKey: keys.publicKey,
    signingKey: signer.privateKey,
    signingAlgorithm,
    extensions: exts,
  });
  return { cert, keys, der: new Uint8Array(cert.rawData), pem: cert.toString('pem'), name: spec.cn };
}

export async function crl(issuer: Issued, revokedSerials: readonly string[], opts: { thisUpdate?: Date; nextUpdate?: Date } = {}): Promise<Uint8Array> {
  const c = await x509.X509CrlGenerator.create({
    issuer: issuer.cert.subject,
    thisUpdate: opts.thisUpdate ?? new Date(NOW - DAY),
    nextUpdate: opts.nextUpdate ?? new Date(NOW + 7 * DAY),
    entries: revokedSerials.map((serialNumber) => ({ serialNumber, revocationDate: new Date(NOW - DAY) })),
    signingAlgorithm: issuer.keys.privateKey.algorithm.name === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    signingKey: issuer.keys.privateKey,
    // RFC 5280 §5.2.3: CRL number (INTEGER 1).
    extensions: [new x509.Extension('2.5.29.20', false, new Uint8Array([2, 1, 1]))],
  });
  return new Uint8Array(c.rawData);
}

/** DER TLV with a short or long length, for hand-made extension values. */
export function tlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  const len = content.reduce((n, c) => n + c.length, 0);
  const head = len < 0x80 ? [tag, len] : len < 0x100 ? [tag, 0x81, len] : [tag, 0x82, len >> 8, len & 0xff];
  const out = new Uint8Array(head.length + len);
  out.set(head);
  let at = head.length;
  for (const c of content) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A critical nameConstraints extension with DNS subtrees (RFC 5280 §4.2.1.10). */
export function dnsNameConstraints(permitted: readonly string[], excluded: readonly string[]): x509.Extension {
  const subtrees = (names: readonly string[]): Uint8Array[] => names.map((n) => tlv(0x30, tlv(0x82, ascii(n))));
  const parts: Uint8Array[] = [];
  if (permitted.length > 0) parts.push(tlv(0xa0, ...subtrees(permitted)));
  if (excluded.length > 0) parts.push(tlv(0xa1, ...subtrees(excluded)));
  return new x509.Extension('2.5.29.30', true, tlv(0x30, ...parts));
}

export { x509 };

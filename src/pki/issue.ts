// A small X.509 v3 certificate issuer (RFC 5280 §4.1) for demos and tests: throw-away CAs, server
// and client certificates with SKI/AKI, basicConstraints, keyUsage, extKeyUsage and subjectAltName.
// Signing goes through the CryptoProvider; key generation is handed in (it needs node:crypto, which
// this layer does not import).
import type { CryptoProvider, PrivateKey, SignatureAlgorithm } from '../crypto/provider.js';
import { internalError } from '../errors.js';
import { parseCertificate } from './certificate.js';
import { DerReader } from './der.js';
import { parseIp } from './hostname.js';
import {
  bitStringBytes,
  boolean,
  explicit,
  implicitPrimitive,
  ia5Content,
  integer,
  namedBitString,
  nullValue,
  octetString,
  oid,
  pem,
  sequence,
  setOf,
  time,
  unsignedInteger,
  utf8String,
} from './der-writer.js';

export type IssueKeyType = 'ecdsa-p256' | 'rsa-2048' | 'ed25519';

/** RFC 5280 §4.2.1.3 KeyUsage bit names, in bit order. */
const KEY_USAGE_BITS = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;
export type KeyUsageName = (typeof KEY_USAGE_BITS)[number];
export type ExtKeyUsageName = 'serverAuth' | 'clientAuth';

/** A freshly generated key pair: PKCS#8 PEM private key and DER SubjectPublicKeyInfo. */
export interface GeneratedKeyPair {
  readonly privateKeyPem: string;
  readonly spkiDer: Uint8Array;
}

export interface IssuerDeps {
  readonly crypto: CryptoProvider;
  readonly generateKeyPair: (type: IssueKeyType) => GeneratedKeyPair;
}

export interface IssueOptions {
  /** The subject's commonName. */
  readonly subjectCn: string;
  readonly organization?: string;
  /** The issuing certificate and its key; absent for a self-signed certificate. */
  readonly issuer?: { readonly certDer: Uint8Array; readonly key: PrivateKey };
  readonly keyType: IssueKeyType;
  readonly isCA?: boolean;
  /** basicConstraints pathLenConstraint (CA certificates only). */
  readonly pathLen?: number;
  /** Defaults: CA → keyCertSign, cRLSign; RSA leaf → digitalSignature, keyEncipherment; other leaf → digitalSignature. */
  readonly keyUsage?: readonly KeyUsageName[];
  /** Omitted from the certificate when empty or absent. */
  readonly extKeyUsage?: readonly ExtKeyUsageName[];
  readonly sanDns?: readonly string[];
  readonly sanIp?: readonly string[];
  /** Defaults to five minutes ago. */
  readonly notBefore?: Date;
  /** Defaults to seven days after notBefore. */
  readonly notAfter?: Date;
  /** Positive serial number; defaults to 16 random bytes. */
  readonly serial?: bigint | Uint8Array;
}

export interface IssuedCertificate {
  readonly certDer: Uint8Array;
  readonly certPem: string;
  /** PKCS#8 PEM. */
  readonly keyPem: string;
  readonly key: PrivateKey;
  readonly spkiDer: Uint8Array;
  readonly subjectKeyId: Uint8Array;
}

const OID = {
  commonName: '2.5.4.3',
  organizationName: '2.5.4.10',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  ed25519: '1.3.101.112',
} as const;

/** Issues one certificate and its fresh key pair. */
export function issueCertificate(opts: IssueOptions, deps: IssuerDeps): IssuedCertificate {
  const pair = deps.generateKeyPair(opts.keyType);
  const key = deps.crypto.importPrivateKey(pair.privateKeyPem);
  // RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value.
  const subjectKeyId = deps.crypto.digest('sha1', subjectPublicKeyBits(pair.spkiDer));
  const subjectName = name(opts.subjectCn, opts.organization);

  const issuerInfo = opts.issuer === undefined ? undefined : readIssuer(opts.issuer.certDer, deps.crypto);
  const issuerName = issuerInfo?.subject ?? subjectName;
  const authorityKeyId = issuerInfo?.keyId ?? subjectKeyId;
  const signingKey = opts.issuer?.key ?? key;
  const sig = signatureFor(signingKey);

  const notBefore = opts.notBefore ?? new Date(Date.now() - 5 * 60_000);
  const notAfter = opts.notAfter ?? new Date(notBefore.getTime() + 7 * 86_400_000);
  if (notAfter.getTime() < notBefore.getTime()) throw internalError('certificate notAfter is before notBefore');

  const tbs = sequence(
    explicit(0, integer(2)), // RFC 5280 §4.1.2.1: v3
    serialNumber(opts.serial, deps.crypto),
    sig.algorithmIdentifier,
    issuerName,
    sequence(time(notBefore), time(notAfter)),
    subjectName,
    pair.spkiDer,
    explicit(3, sequence(...extensions(opts, subjectKeyId, authorityKeyId))),
  );
  const signature = deps.crypto.sign(sig.algorithm, signingKey, tbs);
  const certDer = sequence(tbs, sig.algorithmIdentifier, bitStringBytes(signature));
  return {
    certDer,
    certPem: pem('CERTIFICATE', certDer),
    keyPem: pair.privateKeyPem,
    key,
    spkiDer: pair.spkiDer,
    subjectKeyId,
  };
}

function name(cn: string, org: string | undefined): Uint8Array {
  const rdns: Uint8Array[] = [];
  if (org !== undefined) rdns.push(setOf(sequence(oid(OID.organizationName), utf8String(org))));
  rdns.push(setOf(sequence(oid(OID.commonName), utf8String(cn))));
  return sequence(...rdns);
}

function serialNumber(serial: bigint | Uint8Array | undefined, crypto: CryptoProvider): Uint8Array {
  // RFC 5280 §4.1.2.2: positive, at most 20 octets.
  if (serial === undefined) {
    const r = crypto.randomBytes(16);
    r[0] = ((r[0] ?? 0) & 0x7f) | 0x01;
    return unsignedInteger(r);
  }
  const enc = typeof serial === 'bigint' ? integer(serial) : unsignedInteger(serial);
  if (enc.length - 2 > 20) throw internalError('certificate serial numbers are limited to 20 octets (RFC 5280 §4.1.2.2)');
  if (enc.length === 3 && enc[2] === 0) throw internalError('certificate serial numbers must be positive (RFC 5280 §4.1.2.2)');
  return enc;
}

function signatureFor(key: PrivateKey): { algorithm: SignatureAlgorithm; algorithmIdentifier: Uint8Array } {
  switch (key.type) {
    case 'ec':
      if (key.curve === 'P-384') return { algorithm: { kind: 'ecdsa', hash: 'sha384' }, algorithmIdentifier: sequence(oid(OID.ecdsaWithSha384)) };
      // RFC 5758 §3.2: the ECDSA AlgorithmIdentifier has no parameters.
      return { algorithm: { kind: 'ecdsa', hash: 'sha256' }, algorithmIdentifier: sequence(oid(OID.ecdsaWithSha256)) };
    case 'rsa':
      // RFC 4055 §5: sha256WithRSAEncryption carries NULL parameters.
      return { algorithm: { kind: 'rsa-pkcs1', hash: 'sha256' }, algorithmIdentifier: sequence(oid(OID.sha256WithRsa), nullValue()) };
    case 'ed25519':
      // RFC 8410 §3: parameters absent.
      return { algorithm: { kind: 'ed25519' }, algorithmIdentifier: sequence(oid(OID.ed25519)) };
    default:
      throw internalError(`cannot sign certificates with a ${key.type} key`);
  }
}

function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical ? sequence(oid(id), boolean(true), octetString(value)) : sequence(oid(id), octetString(value));
}

function extensions(opts: IssueOptions, ski: Uint8Array, aki: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const isCA = opts.isCA ?? false;
  // RFC 5280 §4.2.1.9: critical in CA certificates; cA FALSE is the DEFAULT and so omitted in DER.
  if (opts.pathLen !== undefined && !isCA) throw internalError('pathLen is only meaningful in a CA certificate');
  const bc: Uint8Array[] = [];
  if (isCA) bc.push(boolean(true));
  if (opts.pathLen !== undefined) bc.push(integer(opts.pathLen));
  out.push(extension(OID.basicConstraints, true, sequence(...bc)));

  // RFC 5280 §4.2.1.3: keyUsage, marked critical.
  const ku =
    opts.keyUsage ??
    (isCA ? (['keyCertSign', 'cRLSign'] as const) : opts.keyType === 'rsa-2048' ? (['digitalSignature', 'keyEncipherment'] as const) : (['digitalSignature'] as const));
  if (ku.length > 0) out.push(extension(OID.keyUsage, true, namedBitString(ku.map((n) => KEY_USAGE_BITS.indexOf(n)))));

  // RFC 5280 §4.2.1.12
  const eku = opts.extKeyUsage ?? [];
  if (eku.length > 0) out.push(extension(OID.extKeyUsage, false, sequence(...eku.map((p) => oid(OID[p])))));

  // RFC 5280 §4.2.1.6: dNSName [2] IA5String, iPAddress [7] OCTET STRING of 4 or 16 bytes.
  const names: Uint8Array[] = [];
  for (const d of opts.sanDns ?? []) names.push(implicitPrimitive(2, ia5Content(d)));
  for (const ip of opts.sanIp ?? []) {
    const bytes = parseIp(ip);
    if (bytes === undefined) throw internalError(`"${ip}" is not an IPv4 or IPv6 address`);
    names.push(implicitPrimitive(7, bytes));
  }
  if (names.length > 0) out.push(extension(OID.subjectAltName, false, sequence(...names)));

  out.push(extension(OID.subjectKeyIdentifier, false, octetString(ski))); // RFC 5280 §4.2.1.2
  out.push(extension(OID.authorityKeyIdentifier, false, sequence(implicitPrimitive(0, aki)))); // §4.2.1.1
  return out;
}

function subjectPublicKeyBits(spki: Uint8Array): Uint8Array {
  // RFC 5280 §4.1.2.7: SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
  const outer = new DerReader(spki);
  const r = outer.sequence('SubjectPublicKeyInfo');
  outer.done('SubjectPublicKeyInfo');
  r.sequence('SubjectPublicKeyInfo algorithm');
  const bits = r.bitString('subjectPublicKey');
  r.done('SubjectPublicKeyInfo');
  if (bits.unused !== 0) throw internalError('subjectPublicKey is not a whole number of bytes');
  return bits.bytes;
}

/** The issuer certificate's subject Name (raw) and key identifier (its SKI, or computed). */
function readIssuer(certDer: Uint8Array, crypto: CryptoProvider): { subject: Uint8Array; keyId: Uint8Array } {
  const cert = parseCertificate(certDer);
  const keyId = cert.extensions.subjectKeyIdentifier?.value ?? crypto.digest('sha1', subjectPublicKeyBits(cert.spki));
  return { subject: cert.subject.raw, keyId };
}

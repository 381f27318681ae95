// AlgorithmIdentifiers of X.509 signatures (RFC 3279, RFC 4055, RFC 5758, RFC 8410) and
// SubjectPublicKeyInfo key descriptions, mapped to the crypto provider's SignatureAlgorithm.
import type { HashAlgorithm, SignatureAlgorithm } from '../crypto/provider.js';
import { DerReader, Tag, ctx, malformed } from './der.js';

export type SigHash = Exclude<HashAlgorithm, 'md5-sha1'> | 'md5';

export interface X509SignatureAlgorithm {
  /** The AlgorithmIdentifier's DER (for the "must equal the TBS one" check). */
  readonly raw: Uint8Array;
  readonly oid: string;
  /** Human name for messages. */
  readonly name: string;
  /** What the provider verifies with; undefined when we do not know this algorithm. */
  readonly algorithm: SignatureAlgorithm | undefined;
  /** The digest, to reject SHA-1 and MD5 by default. */
  readonly hash: SigHash | undefined;
  /** Key type this algorithm needs. */
  readonly keyKind: 'rsa' | 'ec' | 'ed25519' | 'ed448' | undefined;
}

const RSA_PKCS1: Readonly<Record<string, SigHash>> = {
  '1.2.840.113549.1.1.4': 'md5',
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
};
const ECDSA: Readonly<Record<string, SigHash>> = {
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};
const HASH_OIDS: Readonly<Record<string, Exclude<HashAlgorithm, 'md5-sha1'>>> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
const HASH_LEN: Readonly<Record<string, number>> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };
export const OID_RSA_PSS = '1.2.840.113549.1.1.10';
const OID_MGF1 = '1.2.840.113549.1.1.8';
const OID_ED25519 = '1.3.101.112';
const OID_ED448 = '1.3.101.113';

function isNull(r: DerReader): boolean {
  const e = r.optional(Tag.NULL);
  if (e === undefined) return false;
  if (e.end !== e.contentStart) throw malformed('NULL with contents');
  return true;
}

/** A hash AlgorithmIdentifier inside RSASSA-PSS parameters (NULL or absent parameters). */
function pssHash(r: DerReader, what: string): Exclude<HashAlgorithm, 'md5-sha1'> | undefined {
  const a = r.sequence(what);
  const oid = a.oid(what);
  if (!a.atEnd) isNull(a);
  a.done(what);
  return HASH_OIDS[oid];
}

/** RFC 4055 §3.1 RSASSA-PSS-params; hash and MGF1 hash must agree, trailerField must be 1. */
function parsePssParams(r: DerReader): { hash: Exclude<HashAlgorithm, 'md5-sha1'>; saltLength: number } | undefined {
  const p = r.sequence('RSASSA-PSS-params');
  let hash: Exclude<HashAlgorithm, 'md5-sha1'> | undefined = 'sha1';
  let mgfHash: Exclude<HashAlgorithm, 'md5-sha1'> | undefined = 'sha1';
  let saltLength = 20;
  if (p.peekTag() === ctx(0, true)) hash = pssHash(p.enter(ctx(0, true), 'PSS hashAlgorithm'), 'PSS hashAlgorithm');
  if (p.peekTag() === ctx(1, true)) {
    const m = p.enter(ctx(1, true), 'PSS maskGenAlgorithm').sequence('PSS maskGenAlgorithm');
    if (m.oid('PSS maskGenAlgorithm') !== OID_MGF1) return undefined;
    mgfHash = pssHash(m, 'MGF1 hash');
    m.done('PSS maskGenAlgorithm');
  }
  if (p.peekTag() === ctx(2, true)) {
    const s = p.enter(ctx(2, true), 'PSS saltLength');
    saltLength = s.smallInt('PSS saltLength');
    s.done('PSS saltLength');
  }
  if (p.peekTag() === ctx(3, true)) {
    const t = p.enter(ctx(3, true), 'PSS trailerField');
    if (t.smallInt('PSS trailerField') !== 1) return undefined;
    t.done('PSS trailerField');
  }
  p.done('RSASSA-PSS-params');
  if (hash === undefined || hash !== mgfHash) return undefined;
  // Web PKI profile: the salt is as long as the digest.
  if (saltLength !== HASH_LEN[hash]) return undefined;
  return { hash, saltLength };
}

export function parseSignatureAlgorithm(r: DerReader, what: string): X509SignatureAlgorithm {
  const e = r.expect(Tag.SEQUENCE, what);
  const raw = r.raw(e);
  const a = new DerReader(r.buf, e.contentStart, e.end);
  const oid = a.oid(what);
  const rsa = RSA_PKCS1[oid];
  if (rsa !== undefined) {
    // RFC 4055 §5: the parameters MUST be NULL.
    const nul = isNull(a);
    a.done(what);
    const alg: SignatureAlgorithm | undefined = nul && rsa !== 'md5' ? { kind: 'rsa-pkcs1', hash: rsa } : undefined;
    return { raw, oid, name: `RSA PKCS#1 v1.5 with ${rsa.toUpperCase()}`, algorithm: alg, hash: rsa, keyKind: 'rsa' };
  }
  const ec = ECDSA[oid];
  if (ec !== undefined) {
    // RFC 5758 §3.2: the parameters MUST be absent.
    a.done(what);
    const alg: SignatureAlgorithm | undefined = ec === 'md5' ? undefined : { kind: 'ecdsa', hash: ec };
    return { raw, oid, name: `ECDSA with ${ec.toUpperCase()}`, algorithm: alg, hash: ec, keyKind: 'ec' };
  }
  if (oid === OID_RSA_PSS) {
    const pss = parsePssParams(a);
    a.done(what);
    const alg: SignatureAlgorithm | undefined = pss === undefined ? undefined : { kind: 'rsa-pss', hash: pss.hash, saltLength: pss.saltLength };
    return { raw, oid, name: `RSASSA-PSS${pss ? ' with ' + pss.hash.toUpperCase() : ''}`, algorithm: alg, hash: pss?.hash, keyKind: 'rsa' };
  }
  if (oid === OID_ED25519 || oid === OID_ED448) {
    // RFC 8410 §3: parameters MUST be absent.
    a.done(what);
    const ed = oid === OID_ED25519;
    return { raw, oid, name: ed ? 'Ed25519' : 'Ed448', algorithm: { kind: ed ? 'ed25519' : 'ed448' }, hash: undefined, keyKind: ed ? 'ed25519' : 'ed448' };
  }
  return { raw, oid, name: `unknown algorithm ${oid}`, algorithm: undefined, hash: undefined, keyKind: undefined };
}

/** What we need to know about a subject public key before importing it. */
export interface KeyInfo {
  readonly kind: 'rsa' | 'rsa-pss' | 'ec' | 'ed25519' | 'ed448' | 'unsupported';
  readonly curve?: 'P-256' | 'P-384' | 'P-521';
  readonly bits?: number;
  /** Why the key is unusable, when kind is 'unsupported'. */
  readonly problem?: string;
}

const CURVES: Readonly<Record<string, 'P-256' | 'P-384' | 'P-521'>> = {
  '1.2.840.10045.3.1.7': 'P-256',
  '1.3.132.0.34': 'P-384',
  '1.3.132.0.35': 'P-521',
};
const CURVE_POINT_LEN: Readonly<Record<string, number>> = { 'P-256': 65, 'P-384': 97, 'P-521': 133 };

function rsaModulusBits(key: Uint8Array): number {
  const r = new DerReader(key).sequence('RSAPublicKey');
  const n = r.integer('RSA modulus');
  r.integer('RSA exponent');
  r.done('RSAPublicKey');
  if ((n[0] as number) & 0x80) throw malformed('negative RSA modulus');
  let i = 0;
  while (i < n.length && n[i] === 0) i++;
  if (i === n.length) return 0;
  return (n.length - i - 1) * 8 + (32 - Math.clz32(n[i] as number));
}

/** Parses SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) far enough to judge the key. */
export function describeSpki(r: DerReader): { raw: Uint8Array; info: KeyInfo } {
  const e = r.expect(Tag.SEQUENCE, 'subjectPublicKeyInfo');
  const raw = r.raw(e);
  const s = new DerReader(r.buf, e.contentStart, e.end);
  const alg = s.sequence('SPKI algorithm');
  const oid = alg.oid('SPKI algorithm');
  const paramTag = alg.peekTag();
  const paramEl = alg.atEnd ? undefined : alg.element();
  alg.done('SPKI algorithm');
  const bits = s.bitString('subjectPublicKey');
  s.done('subjectPublicKeyInfo');
  const key = bits.bytes;
  if (bits.unused !== 0) throw malformed('subjectPublicKey has unused bits');
  let info: KeyInfo;
  switch (oid) {
    case '1.2.840.113549.1.1.1': {
      if (paramTag !== Tag.NULL || paramEl === undefined || paramEl.end !== paramEl.contentStart) throw malformed('rsaEncryption parameters must be NULL');
      info = { kind: 'rsa', bits: rsaModulusBits(key) };
      break;
    }
    case OID_RSA_PSS:
      info = { kind: 'rsa-pss', bits: rsaModulusBits(key) };
      break;
    case '1.2.840.10045.2.1': {
      // RFC 5480 §2.1.1: only namedCurve is allowed (no implicit or explicit curves).
      if (paramTag !== Tag.OID || paramEl === undefined) {
        info = { kind: 'unsupported', problem: 'an EC key with explicit or implicit curve parameters' };
        break;
      }
      const curveOid = new DerReader(r.buf, paramEl.start, paramEl.end).oid('namedCurve');
      const curve = CURVES[curveOid];
      if (curve === undefined) info = { kind: 'unsupported', problem: `an EC key on an unsupported curve (${curveOid})` };
      else if (key.length !== CURVE_POINT_LEN[curve] || key[0] !== 4) info = { kind: 'unsupported', problem: 'an EC key that is not an uncompressed point' };
      else info = { kind: 'ec', curve };
      break;
    }
    case OID_ED25519:
      info = paramEl === undefined && key.length === 32 ? { kind: 'ed25519' } : { kind: 'unsupported', problem: 'a malformed Ed25519 key' };
      break;
    case OID_ED448:
      info = paramEl === undefined && key.length === 57 ? { kind: 'ed448' } : { kind: 'unsupported', problem: 'a malformed Ed448 key' };
      break;
    case '1.2.840.10040.4.1':
      info = { kind: 'unsupported', problem: 'a DSA key' };
      break;
    default:
      info = { kind: 'unsupported', problem: `a key of unknown type ${oid}` };
  }
  return { raw, info };
}

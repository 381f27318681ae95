// SignatureScheme code points (RFC 8446 §4.2.3) mapped to the provider's algorithms and to the keys
// that can make them.
import type { CryptoProvider, PrivateKey, PublicKey, SignatureAlgorithm } from '../crypto/provider.js';
import { SignatureScheme as S } from '../wire/iana.js';

interface SchemeInfo {
  readonly alg: SignatureAlgorithm;
  readonly keyType: 'rsa' | 'rsa-pss' | 'ec' | 'ed25519' | 'ed448';
  /** For ECDSA in TLS 1.3 the curve is bound to the scheme. */
  readonly curve?: string;
  /** May be used in a TLS 1.3 CertificateVerify (RFC 8446 §4.4.3: no PKCS#1 v1.5, no SHA-1). */
  readonly tls13: boolean;
}

const table: ReadonlyMap<number, SchemeInfo> = new Map<number, SchemeInfo>([
  [S.ecdsa_secp256r1_sha256, { alg: { kind: 'ecdsa', hash: 'sha256' }, keyType: 'ec', curve: 'P-256', tls13: true }],
  [S.ecdsa_secp384r1_sha384, { alg: { kind: 'ecdsa', hash: 'sha384' }, keyType: 'ec', curve: 'P-384', tls13: true }],
  [S.ecdsa_secp521r1_sha512, { alg: { kind: 'ecdsa', hash: 'sha512' }, keyType: 'ec', curve: 'P-521', tls13: true }],
  [S.ed25519, { alg: { kind: 'ed25519' }, keyType: 'ed25519', tls13: true }],
  [S.ed448, { alg: { kind: 'ed448' }, keyType: 'ed448', tls13: true }],
  [S.rsa_pss_rsae_sha256, { alg: { kind: 'rsa-pss', hash: 'sha256', saltLength: 32 }, keyType: 'rsa', tls13: true }],
  [S.rsa_pss_rsae_sha384, { alg: { kind: 'rsa-pss', hash: 'sha384', saltLength: 48 }, keyType: 'rsa', tls13: true }],
  [S.rsa_pss_rsae_sha512, { alg: { kind: 'rsa-pss', hash: 'sha512', saltLength: 64 }, keyType: 'rsa', tls13: true }],
  [S.rsa_pss_pss_sha256, { alg: { kind: 'rsa-pss', hash: 'sha256', saltLength: 32 }, keyType: 'rsa-pss', tls13: true }],
  [S.rsa_pss_pss_sha384, { alg: { kind: 'rsa-pss', hash: 'sha384', saltLength: 48 }, keyType: 'rsa-pss', tls13: true }],
  [S.rsa_pss_pss_sha512, { alg: { kind: 'rsa-pss', hash: 'sha512', saltLength: 64 }, keyType: 'rsa-pss', tls13: true }],
  [S.rsa_pkcs1_sha256, { alg: { kind: 'rsa-pkcs1', hash: 'sha256' }, keyType: 'rsa', tls13: false }],
  [S.rsa_pkcs1_sha384, { alg: { kind: 'rsa-pkcs1', hash: 'sha384' }, keyType: 'rsa', tls13: false }],
  [S.rsa_pkcs1_sha512, { alg: { kind: 'rsa-pkcs1', hash: 'sha512' }, keyType: 'rsa', tls13: false }],
]);

/** Our default preference for signatures we accept (and make). SHA-1 schemes are not offered. */
export const DEFAULT_SIGNATURE_SCHEMES: readonly number[] = Object.freeze([
  S.ecdsa_secp256r1_sha256,
  S.ecdsa_secp384r1_sha384,
  S.ecdsa_secp521r1_sha512,
  S.ed25519,
  S.ed448,
  S.rsa_pss_rsae_sha256,
  S.rsa_pss_rsae_sha384,
  S.rsa_pss_rsae_sha512,
  S.rsa_pss_pss_sha256,
  S.rsa_pss_pss_sha384,
  S.rsa_pss_pss_sha512,
  S.rsa_pkcs1_sha256,
  S.rsa_pkcs1_sha384,
  S.rsa_pkcs1_sha512,
]);

export function schemeInfo(scheme: number): SchemeInfo | undefined {
  return table.get(scheme);
}

/** Signs `data` with `key` under a scheme we chose ourselves (so one in the table). */
export function signWithScheme(crypto: CryptoProvider, scheme: number, key: PrivateKey, data: Uint8Array): Uint8Array {
  const info = table.get(scheme);
  if (info === undefined) throw new Error('unreachable: chosen scheme unknown');
  return crypto.sign(info.alg, key, data);
}

/** Whether `key` can make (or verify) signatures of `scheme`. */
export function keyFitsScheme(key: PublicKey | PrivateKey, scheme: number, tls13: boolean): boolean {
  const info = table.get(scheme);
  if (info === undefined || (tls13 && !info.tls13)) return false;
  if (info.keyType !== key.type) return false;
  // RFC 8446 §4.2.3: in TLS 1.3 the ECDSA curve is part of the scheme. TLS 1.2 pairs any curve with any hash.
  if (info.curve !== undefined && tls13 && info.curve !== key.curve) return false;
  return true;
}

/**
 * Picks the scheme for our key: the first of `ours` (our preference) that the peer offered and the key
 * can make. Undefined when there is none.
 */
export function chooseScheme(key: PrivateKey, peerOffered: readonly number[], ours: readonly number[], tls13: boolean): number | undefined {
  for (const s of ours) if (peerOffered.includes(s) && keyFitsScheme(key, s, tls13)) return s;
  return undefined;
}

/** RFC 8446 §4.4.3: the content covered by a CertificateVerify signature. */
export function certificateVerifyContent(isServer: boolean, transcriptHash: Uint8Array): Uint8Array {
  const context = isServer ? 'TLS 1.3, server CertificateVerify' : 'TLS 1.3, client CertificateVerify';
  const out = new Uint8Array(64 + context.length + 1 + transcriptHash.length);
  out.fill(0x20, 0, 64);
  for (let i = 0; i < context.length; i++) out[64 + i] = context.charCodeAt(i);
  out[64 + context.length] = 0;
  out.set(transcriptHash, 64 + context.length + 1);
  return out;
}

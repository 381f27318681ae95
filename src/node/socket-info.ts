// node:tls-shaped views of a HandshakeSummary: getCipher(), getEphemeralKeyInfo() and getSharedSigalgs().
import type { HandshakeSummary } from '../conn/types.js';
import { NamedGroup, SignatureScheme as S } from '../wire/iana.js';
import { suiteNamesOf } from '../wire/names.js';

export interface CipherInfo {
  /** OpenSSL's name (TLS 1.3 suites keep the IANA name), as node:tls reports it. */
  readonly name: string;
  /** The IANA name. */
  readonly standardName: string;
  /** The oldest version the suite belongs to, as OpenSSL says (node:tls's meaning of `version`). */
  readonly version: string;
}

export function cipherInfo(s: HandshakeSummary): CipherInfo {
  const n = suiteNamesOf(s.cipherSuite);
  return {
    name: n?.openssl ?? s.cipherName,
    standardName: n?.iana ?? s.cipherName,
    version: n?.since ?? s.version,
  };
}

export interface EphemeralKeyInfo {
  readonly type: 'ECDH' | 'DH' | 'KEM';
  readonly name?: string;
  readonly size: number;
}

/** What node:tls reports for each group (OpenSSL's names and key sizes in bits). */
const groupInfo: ReadonlyMap<number, EphemeralKeyInfo> = new Map<number, EphemeralKeyInfo>([
  [NamedGroup.x25519, { type: 'ECDH', name: 'X25519', size: 253 }],
  [NamedGroup.x448, { type: 'ECDH', name: 'X448', size: 448 }],
  [NamedGroup.secp256r1, { type: 'ECDH', name: 'prime256v1', size: 256 }],
  [NamedGroup.secp384r1, { type: 'ECDH', name: 'secp384r1', size: 384 }],
  [NamedGroup.secp521r1, { type: 'ECDH', name: 'secp521r1', size: 521 }],
  [NamedGroup.ffdhe2048, { type: 'DH', size: 2048 }],
  [NamedGroup.ffdhe3072, { type: 'DH', size: 3072 }],
  [NamedGroup.ffdhe4096, { type: 'DH', size: 4096 }],
  [NamedGroup.X25519MLKEM768, { type: 'KEM', name: 'X25519MLKEM768', size: 0 }],
]);

/** {} when no ephemeral exchange happened (resumption with psk_ke, TLS 1.2 RSA key transport). */
export function ephemeralKeyInfo(group: number | undefined): EphemeralKeyInfo | Record<string, never> {
  if (group === undefined) return {};
  return groupInfo.get(group) ?? { type: 'ECDH', name: `0x${group.toString(16).padStart(4, '0')}`, size: 0 };
}

/** OpenSSL's `signature+hash` spelling of each scheme, as node:tls's getSharedSigalgs() prints it. */
const sigalgNames: ReadonlyMap<number, string> = new Map<number, string>([
  [S.ecdsa_secp256r1_sha256, 'ECDSA+SHA256'],
  [S.ecdsa_secp384r1_sha384, 'ECDSA+SHA384'],
  [S.ecdsa_secp521r1_sha512, 'ECDSA+SHA512'],
  [S.ecdsa_sha1, 'ECDSA+SHA1'],
  [S.ed25519, 'Ed25519+UNDEF'],
  [S.ed448, 'Ed448+UNDEF'],
  // rsa_pss_rsae_* and rsa_pss_pss_* print alike, as in OpenSSL.
  [S.rsa_pss_rsae_sha256, 'RSA-PSS+SHA256'],
  [S.rsa_pss_rsae_sha384, 'RSA-PSS+SHA384'],
  [S.rsa_pss_rsae_sha512, 'RSA-PSS+SHA512'],
  [S.rsa_pss_pss_sha256, 'RSA-PSS+SHA256'],
  [S.rsa_pss_pss_sha384, 'RSA-PSS+SHA384'],
  [S.rsa_pss_pss_sha512, 'RSA-PSS+SHA512'],
  [S.rsa_pkcs1_sha256, 'RSA+SHA256'],
  [S.rsa_pkcs1_sha384, 'RSA+SHA384'],
  [S.rsa_pkcs1_sha512, 'RSA+SHA512'],
  [S.rsa_pkcs1_sha1, 'RSA+SHA1'],
]);

/** getSharedSigalgs(): the shared schemes in OpenSSL's spelling (a scheme without one is left out). */
export function sharedSigalgNames(schemes: readonly number[] | undefined): string[] {
  const out: string[] = [];
  for (const s of schemes ?? []) {
    const name = sigalgNames.get(s);
    if (name !== undefined) out.push(name);
  }
  return out;
}

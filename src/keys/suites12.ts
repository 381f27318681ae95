// TLS 1.2 cipher suites (RFC 5246 §A.5, RFC 5288, RFC 5289, RFC 7905, RFC 8422): key exchange, bulk
// cipher, MAC and PRF hash of each suite typetls implements.
import type { AeadAlgorithm, CbcAlgorithm } from '../crypto/provider.js';
import { CipherSuite as CS, suiteName } from '../wire/iana.js';

export type KeyExchange12 = 'ecdhe_ecdsa' | 'ecdhe_rsa' | 'rsa';

export type Bulk12 =
  /** AES-GCM (RFC 5288: 4-byte salt + 8-byte explicit nonce) or ChaCha20-Poly1305 (RFC 7905: 12-byte IV, no explicit nonce). */
  | { readonly kind: 'aead'; readonly aead: AeadAlgorithm; readonly keyLength: number; readonly fixedIvLength: 4 | 12; readonly explicitNonceLength: 8 | 0 }
  /** AES-CBC with HMAC (RFC 5246 §6.2.3.2). */
  | { readonly kind: 'cbc'; readonly cbc: CbcAlgorithm; readonly keyLength: number; readonly mac: 'sha1' | 'sha256' | 'sha384'; readonly macLength: number };

export interface Suite12 {
  readonly suite: number;
  readonly name: string;
  readonly kx: KeyExchange12;
  readonly bulk: Bulk12;
  /** RFC 5246 §5: the PRF hash (SHA-256 unless the suite says SHA-384). */
  readonly prfHash: 'sha256' | 'sha384';
}

const gcm128: Bulk12 = { kind: 'aead', aead: 'aes-128-gcm', keyLength: 16, fixedIvLength: 4, explicitNonceLength: 8 };
const gcm256: Bulk12 = { kind: 'aead', aead: 'aes-256-gcm', keyLength: 32, fixedIvLength: 4, explicitNonceLength: 8 };
const chacha: Bulk12 = { kind: 'aead', aead: 'chacha20-poly1305', keyLength: 32, fixedIvLength: 12, explicitNonceLength: 0 };
const cbc = (bits: 128 | 256, mac: 'sha1' | 'sha256' | 'sha384'): Bulk12 => ({
  kind: 'cbc',
  cbc: bits === 128 ? 'aes-128-cbc' : 'aes-256-cbc',
  keyLength: bits / 8,
  mac,
  macLength: mac === 'sha1' ? 20 : mac === 'sha256' ? 32 : 48,
});

function s(suite: number, kx: KeyExchange12, bulk: Bulk12, prfHash: 'sha256' | 'sha384' = 'sha256'): Suite12 {
  return { suite, name: suiteName(suite), kx, bulk, prfHash };
}

const SUITES12: readonly Suite12[] = [
  s(CS.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 'ecdhe_ecdsa', gcm128),
  s(CS.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 'ecdhe_rsa', gcm128),
  s(CS.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, 'ecdhe_ecdsa', gcm256, 'sha384'),
  s(CS.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, 'ecdhe_rsa', gcm256, 'sha384'),
  s(CS.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, 'ecdhe_ecdsa', chacha),
  s(CS.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, 'ecdhe_rsa', chacha),
  s(CS.TLS_RSA_WITH_AES_128_GCM_SHA256, 'rsa', gcm128),
  s(CS.TLS_RSA_WITH_AES_256_GCM_SHA384, 'rsa', gcm256, 'sha384'),
  s(CS.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, 'ecdhe_ecdsa', cbc(128, 'sha1')),
  s(CS.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, 'ecdhe_ecdsa', cbc(256, 'sha1')),
  s(CS.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, 'ecdhe_rsa', cbc(128, 'sha1')),
  s(CS.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, 'ecdhe_rsa', cbc(256, 'sha1')),
  s(CS.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, 'ecdhe_ecdsa', cbc(128, 'sha256')),
  s(CS.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384, 'ecdhe_ecdsa', cbc(256, 'sha384'), 'sha384'),
  s(CS.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, 'ecdhe_rsa', cbc(128, 'sha256')),
  s(CS.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384, 'ecdhe_rsa', cbc(256, 'sha384'), 'sha384'),
  s(CS.TLS_RSA_WITH_AES_128_CBC_SHA, 'rsa', cbc(128, 'sha1')),
  s(CS.TLS_RSA_WITH_AES_256_CBC_SHA, 'rsa', cbc(256, 'sha1')),
  s(CS.TLS_RSA_WITH_AES_128_CBC_SHA256, 'rsa', cbc(128, 'sha256')),
  s(CS.TLS_RSA_WITH_AES_256_CBC_SHA256, 'rsa', cbc(256, 'sha256')),
];

/** Every TLS 1.2 suite typetls implements, in its default preference order. */
export const TLS12_SUITES: readonly number[] = SUITES12.map((x) => x.suite);

/**
 * The suites on by default: forward secret (ECDHE) AEAD only. RSA key transport and CBC suites are
 * used only when the configuration names them in `cipherSuites`.
 */
export const TLS12_DEFAULT_SUITES: readonly number[] = SUITES12.filter((x) => x.kx !== 'rsa' && x.bulk.kind === 'aead').map((x) => x.suite);

export function suite12(suite: number): Suite12 | undefined {
  return SUITES12.find((x) => x.suite === suite);
}

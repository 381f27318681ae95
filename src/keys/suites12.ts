// TLS 1.2 cipher suite parameters: key exchange, record cipher, MAC and PRF hash of each suite in
// the IANA table (RFC 5246 App. C, RFC 5288, RFC 5289, RFC 8422, RFC 7905).
import type { AeadAlgorithm, CbcAlgorithm, HashAlgorithm } from '../crypto/provider.js';
import { CipherSuite, suiteName } from '../wire/iana.js';

/** `psk`: the pre-shared key alone (RFC 4279 §2); `ecdhe_psk`: ECDHE mixed with it (RFC 5489). Neither uses certificates. */
export type KeyExchange12 = 'ecdhe_ecdsa' | 'ecdhe_rsa' | 'rsa' | 'psk' | 'ecdhe_psk';

export type RecordCipher12 =
  /** AES-GCM (RFC 5288): 4-byte implicit salt, 8-byte explicit nonce per record. */
  | { readonly kind: 'gcm'; readonly aead: AeadAlgorithm; readonly keyLength: number; readonly fixedIvLength: 4 }
  /** ChaCha20-Poly1305 (RFC 7905): 12-byte IV XOR sequence number, no explicit nonce. */
  | { readonly kind: 'chacha'; readonly aead: AeadAlgorithm; readonly keyLength: 32; readonly fixedIvLength: 12 }
  /** AES-CBC with HMAC (RFC 5246 §6.2.3.2): explicit random IV per record. */
  | {
      readonly kind: 'cbc';
      readonly cbc: CbcAlgorithm;
      readonly keyLength: number;
      readonly fixedIvLength: 0;
      readonly mac: HashAlgorithm;
      readonly macLength: number;
    };

export interface Suite12 {
  readonly suite: number;
  readonly name: string;
  readonly keyExchange: KeyExchange12;
  readonly cipher: RecordCipher12;
  /** Hash of the PRF (RFC 5246 §5) and of the Finished transcript. */
  readonly prfHash: 'sha256' | 'sha384';
  /** Forward secret (ECDHE) or not (static RSA key transport, plain PSK). */
  readonly forwardSecret: boolean;
  /** Authenticated by a pre-shared key, not by certificates (RFC 4279, RFC 5489). */
  readonly psk: boolean;
}

const GCM128 = { kind: 'gcm', aead: 'aes-128-gcm', keyLength: 16, fixedIvLength: 4 } as const;
const GCM256 = { kind: 'gcm', aead: 'aes-256-gcm', keyLength: 32, fixedIvLength: 4 } as const;
const CHACHA = { kind: 'chacha', aead: 'chacha20-poly1305', keyLength: 32, fixedIvLength: 12 } as const;
const cbc = (bits: 128 | 256, mac: 'sha1' | 'sha256' | 'sha384'): RecordCipher12 => ({
  kind: 'cbc',
  cbc: bits === 128 ? 'aes-128-cbc' : 'aes-256-cbc',
  keyLength: bits / 8,
  fixedIvLength: 0,
  mac,
  macLength: mac === 'sha1' ? 20 : mac === 'sha256' ? 32 : 48,
});

const S = CipherSuite;
const TABLE: readonly [number, KeyExchange12, RecordCipher12, 'sha256' | 'sha384'][] = [
  [S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 'ecdhe_ecdsa', GCM128, 'sha256'],
  [S.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, 'ecdhe_ecdsa', GCM256, 'sha384'],
  [S.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 'ecdhe_rsa', GCM128, 'sha256'],
  [S.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, 'ecdhe_rsa', GCM256, 'sha384'],
  [S.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, 'ecdhe_rsa', CHACHA, 'sha256'],
  [S.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, 'ecdhe_ecdsa', CHACHA, 'sha256'],
  [S.TLS_RSA_WITH_AES_128_GCM_SHA256, 'rsa', GCM128, 'sha256'],
  [S.TLS_RSA_WITH_AES_256_GCM_SHA384, 'rsa', GCM256, 'sha384'],
  [S.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, 'ecdhe_ecdsa', cbc(128, 'sha1'), 'sha256'],
  [S.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, 'ecdhe_ecdsa', cbc(256, 'sha1'), 'sha256'],
  [S.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, 'ecdhe_rsa', cbc(128, 'sha1'), 'sha256'],
  [S.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, 'ecdhe_rsa', cbc(256, 'sha1'), 'sha256'],
  [S.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, 'ecdhe_ecdsa', cbc(128, 'sha256'), 'sha256'],
  [S.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384, 'ecdhe_ecdsa', cbc(256, 'sha384'), 'sha384'],
  [S.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, 'ecdhe_rsa', cbc(128, 'sha256'), 'sha256'],
  [S.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384, 'ecdhe_rsa', cbc(256, 'sha384'), 'sha384'],
  [S.TLS_RSA_WITH_AES_128_CBC_SHA, 'rsa', cbc(128, 'sha1'), 'sha256'],
  [S.TLS_RSA_WITH_AES_256_CBC_SHA, 'rsa', cbc(256, 'sha1'), 'sha256'],
  [S.TLS_RSA_WITH_AES_128_CBC_SHA256, 'rsa', cbc(128, 'sha256'), 'sha256'],
  [S.TLS_RSA_WITH_AES_256_CBC_SHA256, 'rsa', cbc(256, 'sha256'), 'sha256'],
  [S.TLS_PSK_WITH_AES_128_GCM_SHA256, 'psk', GCM128, 'sha256'],
  [S.TLS_PSK_WITH_AES_256_GCM_SHA384, 'psk', GCM256, 'sha384'],
  [S.TLS_PSK_WITH_CHACHA20_POLY1305_SHA256, 'psk', CHACHA, 'sha256'],
  [S.TLS_PSK_WITH_AES_128_CBC_SHA256, 'psk', cbc(128, 'sha256'), 'sha256'],
  [S.TLS_PSK_WITH_AES_256_CBC_SHA384, 'psk', cbc(256, 'sha384'), 'sha384'],
  [S.TLS_PSK_WITH_AES_128_CBC_SHA, 'psk', cbc(128, 'sha1'), 'sha256'],
  [S.TLS_PSK_WITH_AES_256_CBC_SHA, 'psk', cbc(256, 'sha1'), 'sha256'],
  [S.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256, 'ecdhe_psk', CHACHA, 'sha256'],
  [S.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256, 'ecdhe_psk', cbc(128, 'sha256'), 'sha256'],
  [S.TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384, 'ecdhe_psk', cbc(256, 'sha384'), 'sha384'],
  [S.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA, 'ecdhe_psk', cbc(128, 'sha1'), 'sha256'],
  [S.TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA, 'ecdhe_psk', cbc(256, 'sha1'), 'sha256'],
];

const SUITES12: readonly Suite12[] = TABLE.map(([suite, keyExchange, cipher, prfHash]) => ({
  suite,
  name: suiteName(suite),
  keyExchange,
  cipher,
  prfHash,
  forwardSecret: keyExchange !== 'rsa' && keyExchange !== 'psk',
  psk: keyExchange === 'psk' || keyExchange === 'ecdhe_psk',
}));

/** The parameters of a TLS 1.2 cipher suite typetls implements, or undefined. */
export function suite12(suite: number): Suite12 | undefined {
  return SUITES12.find((s) => s.suite === suite);
}

/** Every TLS 1.2 suite typetls implements, in the table's order. */
export function allSuites12(): readonly Suite12[] {
  return SUITES12;
}

/** Sizes for keyBlock12() (RFC 5246 §6.3). */
export function keyBlockSizes12(s: Suite12): { macKeyLength: number; keyLength: number; fixedIvLength: number } {
  const c = s.cipher;
  return { macKeyLength: c.kind === 'cbc' ? c.macLength : 0, keyLength: c.keyLength, fixedIvLength: c.fixedIvLength };
}

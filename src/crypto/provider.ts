// The CryptoProvider: every primitive typetls uses, behind one interface handed in by the config
// (shared/STYLE.md, habit 9). The node:crypto implementation is src/crypto/node.ts; a browser
// provider later implements the same interface with pure-JS libraries. All calls are synchronous
// (shared/DESIGN.md, "Crypto is synchronous").

export type HashAlgorithm = 'sha1' | 'sha256' | 'sha384' | 'sha512' | 'md5-sha1';

/**
 * Digests of password-protected files (PKCS#12 MACs and its key derivation, PBKDF2's HMAC PRFs,
 * RFC 7292 and RFC 8018): TLS never uses SHA-224 or the SHA-512/t variants, these files may.
 */
export type PasswordHashAlgorithm = 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512' | 'sha512-224' | 'sha512-256';

/** Incremental hash; `digest()` does not consume the context (it digests a copy). */
export interface HashContext {
  readonly algorithm: HashAlgorithm;
  readonly outputLength: number;
  update(data: Uint8Array): void;
  /** Digest of everything so far; the context stays usable. */
  digest(): Uint8Array;
  /** An independent copy (a transcript snapshot). */
  copy(): HashContext;
}

export type AeadAlgorithm = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';

/** An AEAD bound to one key (RFC 5116). Tag length is 16 for every algorithm here. */
export interface Aead {
  readonly algorithm: AeadAlgorithm;
  readonly keyLength: number;
  /**
   * Encrypts `plaintext` and writes ciphertext then tag into `out` at `outOffset`
   * (`out` must have room for plaintext.length + 16). Returns the number of bytes written.
   * `nonce` and `aad` are valid only during the call (the record layer rewrites them for the next record).
   */
  sealInto(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, outOffset: number): number;
  /**
   * True when `sealInto` is certain to write every byte of its output range (ciphertext and tag).
   * The record layer then seals into memory it did not zero first; without it, into zeroed memory.
   */
  readonly fillsOutput?: boolean;
  /** Decrypts ciphertext‖tag; returns the plaintext or null when authentication fails (never throws for that). */
  open(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array | null;
}

/** TLS 1.2 uses the AES ones; AES-192 and DES-EDE3 (3DES) only decrypt password-protected files (PKCS#12, PKCS#8). */
export type CbcAlgorithm = 'aes-128-cbc' | 'aes-192-cbc' | 'aes-256-cbc' | 'des-ede3-cbc';

/** Raw CBC without padding (TLS 1.2 CBC suites do their own padding and MAC; so does the PKCS#12 reader). */
export interface CbcCipher {
  encrypt(iv: Uint8Array, data: Uint8Array): Uint8Array;
  decrypt(iv: Uint8Array, data: Uint8Array): Uint8Array;
}

/**
 * An ephemeral key exchange for one named group (RFC 8446 §4.2.8). For a KEM group (X25519MLKEM768)
 * the first use fixes the role: the client reads `publicKey` first; the server calls `deriveSecret`
 * with the client's share first and then sends `publicKey` (its ciphertext share).
 */
export interface KeyExchange {
  readonly group: number;
  /** Our key_share bytes as they go on the wire. */
  readonly publicKey: Uint8Array;
  /**
   * The shared secret from the peer's key_share bytes. Throws a TlsError (illegal_parameter) when the
   * peer's share is malformed (wrong length, point format, off-curve, all-zero X25519 result).
   */
  deriveSecret(peerPublic: Uint8Array): Uint8Array;
}

/** A signature algorithm, independent of TLS's SignatureScheme code points (X.509 uses other pairings). */
export type SignatureAlgorithm =
  | { readonly kind: 'rsa-pkcs1'; readonly hash: HashAlgorithm }
  | { readonly kind: 'rsa-pss'; readonly hash: Exclude<HashAlgorithm, 'md5-sha1'>; readonly saltLength: number }
  | { readonly kind: 'ecdsa'; readonly hash: Exclude<HashAlgorithm, 'md5-sha1'> }
  | { readonly kind: 'ed25519' }
  | { readonly kind: 'ed448' };

export type KeyType = 'rsa' | 'rsa-pss' | 'ec' | 'ed25519' | 'ed448' | 'x25519' | 'x448' | 'dsa' | 'unknown';

/** An imported public key. `handle` is provider-specific (a node KeyObject for the node provider). */
export interface PublicKey {
  readonly type: KeyType;
  /** For EC keys: 'P-256' | 'P-384' | 'P-521'. */
  readonly curve?: string;
  /** Modulus size for RSA keys, field size for EC keys. */
  readonly bits?: number;
  readonly handle: unknown;
}

export interface PrivateKey {
  readonly type: KeyType;
  readonly curve?: string;
  readonly bits?: number;
  readonly handle: unknown;
  /** The matching public key. */
  readonly publicKey: PublicKey;
}

export interface CryptoProvider {
  readonly name: string;
  randomBytes(n: number): Uint8Array;

  hash(alg: HashAlgorithm): HashContext;
  digest(alg: HashAlgorithm | PasswordHashAlgorithm, data: Uint8Array): Uint8Array;
  hashLength(alg: HashAlgorithm): number;
  /**
   * HMAC(key, data) as a new buffer the caller owns. `key` and `data` are valid only during the call
   * (the key schedule writes its labels into a buffer it reuses for the next derivation).
   */
  hmac(alg: HashAlgorithm | PasswordHashAlgorithm, key: Uint8Array, data: Uint8Array | readonly Uint8Array[]): Uint8Array;
  /** PBKDF2 (RFC 8018 §5.2) with HMAC-`prf`: `length` bytes. The caller bounds `iterations` (the cost). */
  pbkdf2(prf: PasswordHashAlgorithm, password: Uint8Array, salt: Uint8Array, iterations: number, length: number): Uint8Array;

  /** `key` may be a view of a larger buffer the caller reuses or drops: an implementation copies what it keeps. */
  aead(alg: AeadAlgorithm, key: Uint8Array): Aead;
  cbc(alg: CbcAlgorithm, key: Uint8Array): CbcCipher;

  /** Groups this provider can do, in its own order. */
  supportedGroups(): readonly number[];
  /** Starts a key exchange for `group` (a NamedGroup code point); throws for an unsupported group. */
  keyExchange(group: number): KeyExchange;

  /** Imports a SubjectPublicKeyInfo (DER). Throws a TlsError (bad_certificate) when it cannot be used. */
  importSpki(spki: Uint8Array): PublicKey;
  /** Imports a private key: PEM (PKCS#8, PKCS#1, SEC1) or DER PKCS#8. Optional passphrase. */
  importPrivateKey(key: string | Uint8Array, passphrase?: string): PrivateKey;
  /** Whether two imported public keys are the same key (a certificate's and a private key's `publicKey`). */
  samePublicKey(a: PublicKey, b: PublicKey): boolean;

  sign(alg: SignatureAlgorithm, key: PrivateKey, data: Uint8Array): Uint8Array;
  /** False on a bad signature or a key/algorithm mismatch; never throws for those. */
  verify(alg: SignatureAlgorithm, key: PublicKey, data: Uint8Array, signature: Uint8Array): boolean;

  /** RSA key transport (TLS 1.2): PKCS#1 v1.5 encryption with the server's key. */
  rsaEncryptPkcs1(key: PublicKey, data: Uint8Array): Uint8Array;
  /**
   * Raw RSA private operation (no padding) for the branch-free unpadding of the TLS 1.2 server
   * (shared/DESIGN.md). Returns null when the ciphertext is not exactly the modulus length or >= n.
   */
  rsaDecryptRaw(key: PrivateKey, ciphertext: Uint8Array): Uint8Array | null;

  /** Constant-time equality; false for different lengths. */
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean;

  /** The platform's default trust anchors as PEM (Node: tls.rootCertificates), when it has some. */
  trustAnchors?(): readonly string[];
}

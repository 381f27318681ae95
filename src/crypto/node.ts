// The node:crypto CryptoProvider (src/crypto/provider.ts). Facts and hazards it relies on are in
// shared/INTEROP.md §1 and §6: key exchange is in node-kex.ts (X25519 from a random scalar through
// JWK, NIST shares checked here, RFC 7919 groups), SPKI imports take a JWK fast path
// (spki-jwk.ts), and PKCS#1 v1.5 private decryption goes through RSA_NO_PADDING.
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  hash as oneShotHash,
  createPublicKey,
  pbkdf2Sync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  randomFillSync,
  sign as nodeSign,
  timingSafeEqual as nodeTimingSafeEqual,
  verify as nodeVerify,
  type CipherChaCha20Poly1305,
  type CipherGCM,
  type CipherGCMTypes,
  type DecipherChaCha20Poly1305,
  type DecipherGCM,
  type Hash,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { TlsError, internalError } from '../errors.js';
import { AlertDescription, NamedGroup } from '../wire/iana.js';
import { b64url, view } from './node-bytes.js';
import { newKeyExchange } from './node-kex.js';
import { isSingleDerSequence, spkiToJwk, type SpkiJwk } from './spki-jwk.js';
import { X25519MlKem768 } from './x25519mlkem768.js';
import type {
  Aead,
  AeadAlgorithm,
  CbcAlgorithm,
  CbcCipher,
  CryptoProvider,
  HashAlgorithm,
  HashContext,
  KeyExchange,
  KeyType,
  PasswordHashAlgorithm,
  PrivateKey,
  PublicKey,
  SignatureAlgorithm,
} from './provider.js';

export { keyExchangeFromPrivate, x25519FromPrivate } from './node-kex.js';

const TAG_LENGTH = 16;


function hashLength(alg: HashAlgorithm): number {
  switch (alg) {
    case 'sha1':
      return 20;
    case 'sha256':
      return 32;
    case 'sha384':
      return 48;
    case 'sha512':
      return 64;
    case 'md5-sha1':
      return 36;
  }
}

class NodeHashContext implements HashContext {
  readonly outputLength: number;
  constructor(
    readonly algorithm: HashAlgorithm,
    private readonly h: Hash,
  ) {
    this.outputLength = hashLength(algorithm);
  }
  update(data: Uint8Array): void {
    this.h.update(data);
  }
  digest(): Uint8Array {
    return view(this.h.copy().digest());
  }
  copy(): HashContext {
    return new NodeHashContext(this.algorithm, this.h.copy());
  }
}

function aeadKeyLength(alg: AeadAlgorithm): number {
  return alg === 'aes-128-gcm' ? 16 : 32;
}

/** The options of every AEAD cipher object (one frozen object, not one per record). */
const AEAD_OPTIONS = Object.freeze({ authTagLength: TAG_LENGTH });

class NodeAead implements Aead {
  /** sealInto checks below that ciphertext and tag cover its whole output range. */
  readonly fillsOutput = true;
  readonly keyLength: number;
  private readonly key: Uint8Array;
  /** The name node:crypto knows the cipher by; the overloads of createCipheriv are keyed on literal types. */
  private readonly name: CipherGCMTypes | 'chacha20-poly1305';
  constructor(
    readonly algorithm: AeadAlgorithm,
    key: Uint8Array,
  ) {
    this.keyLength = aeadKeyLength(algorithm);
    if (key.length !== this.keyLength) {
      throw internalError(`${algorithm} needs a ${this.keyLength}-byte key, got ${key.length} bytes`);
    }
    // Raw key bytes: a KeyObject (createSecretKey) measured no faster per record on Node 20.
    this.key = key.slice();
    this.name = algorithm;
  }

  private cipher(nonce: Uint8Array): CipherGCM | CipherChaCha20Poly1305 {
    return this.name === 'chacha20-poly1305' ? createCipheriv(this.name, this.key, nonce, AEAD_OPTIONS) : createCipheriv(this.name, this.key, nonce, AEAD_OPTIONS);
  }

  private decipher(nonce: Uint8Array): DecipherGCM | DecipherChaCha20Poly1305 {
    return this.name === 'chacha20-poly1305' ? createDecipheriv(this.name, this.key, nonce, AEAD_OPTIONS) : createDecipheriv(this.name, this.key, nonce, AEAD_OPTIONS);
  }

  sealInto(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, outOffset: number): number {
    const need = plaintext.length + TAG_LENGTH;
    if (outOffset < 0 || outOffset + need > out.length) {
      throw internalError(`AEAD output buffer too small: need ${need} bytes at offset ${outOffset}, have ${out.length}`);
    }
    const c = this.cipher(nonce);
    // No options object per record: node reads plaintextLength for CCM only (not one of our ciphers),
    // though its ChaCha20-Poly1305 typing asks for it.
    (c as CipherGCM).setAAD(aad);
    const body = c.update(plaintext);
    out.set(body, outOffset);
    const fin = c.final();
    if (fin.length !== 0) out.set(fin, outOffset + body.length);
    const tag = c.getAuthTag();
    if (body.length + fin.length !== plaintext.length || tag.length !== TAG_LENGTH) {
      throw internalError(`${this.name} gave ${body.length + fin.length} bytes of ciphertext and a ${tag.length}-byte tag for ${plaintext.length} bytes`);
    }
    out.set(tag, outOffset + plaintext.length);
    return need;
  }

  open(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array | null {
    if (ciphertextAndTag.length < TAG_LENGTH) return null;
    const ctLen = ciphertextAndTag.length - TAG_LENGTH;
    try {
      const d = this.decipher(nonce);
      (d as DecipherGCM).setAAD(aad); // no per-record options object (see sealInto)
      d.setAuthTag(ciphertextAndTag.subarray(ctLen));
      const body = d.update(ciphertextAndTag.subarray(0, ctLen));
      const fin = d.final(); // throws when authentication fails
      if (fin.length === 0) return view(body);
      const all = new Uint8Array(body.length + fin.length);
      all.set(body);
      all.set(fin, body.length);
      return all;
    } catch {
      return null;
    }
  }
}

/** Key and block sizes of the CBC ciphers, in bytes. */
const CBC_SIZES: Readonly<Record<CbcAlgorithm, { readonly key: number; readonly block: number }>> = {
  'aes-128-cbc': { key: 16, block: 16 },
  'aes-192-cbc': { key: 24, block: 16 },
  'aes-256-cbc': { key: 32, block: 16 },
  'des-ede3-cbc': { key: 24, block: 8 },
};

class NodeCbc implements CbcCipher {
  private readonly key: Uint8Array;
  private readonly block: number;
  constructor(
    private readonly algorithm: CbcAlgorithm,
    key: Uint8Array,
  ) {
    const sizes = CBC_SIZES[algorithm];
    if (key.length !== sizes.key) throw internalError(`${algorithm} needs a ${sizes.key}-byte key, got ${key.length} bytes`);
    this.key = key.slice();
    this.block = sizes.block;
  }
  private run(encrypt: boolean, iv: Uint8Array, data: Uint8Array): Uint8Array {
    const block = this.block;
    if (iv.length !== block) throw internalError(`${this.algorithm} needs a ${block}-byte IV, got ${iv.length} bytes`);
    if (data.length % block !== 0) throw internalError(`${this.algorithm} input of ${data.length} bytes is not a whole number of blocks`);
    const c = encrypt ? createCipheriv(this.algorithm, this.key, iv) : createDecipheriv(this.algorithm, this.key, iv);
    c.setAutoPadding(false);
    const body = c.update(data);
    c.final();
    return view(body);
  }
  encrypt(iv: Uint8Array, data: Uint8Array): Uint8Array {
    return this.run(true, iv, data);
  }
  decrypt(iv: Uint8Array, data: Uint8Array): Uint8Array {
    return this.run(false, iv, data);
  }
}

// ---------------------------------------------------------------------------------------------
// Keys and signatures

function keyType(k: KeyObject): KeyType {
  switch (k.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
    case 'ec':
    case 'ed25519':
    case 'ed448':
    case 'x25519':
    case 'x448':
    case 'dsa':
      return k.asymmetricKeyType;
    default:
      return 'unknown';
  }
}

function curveName(named: string | undefined): string | undefined {
  switch (named) {
    case 'prime256v1':
      return 'P-256';
    case 'secp384r1':
      return 'P-384';
    case 'secp521r1':
      return 'P-521';
    default:
      return named;
  }
}

function curveBits(curve: string | undefined): number | undefined {
  switch (curve) {
    case 'P-256':
      return 256;
    case 'P-384':
      return 384;
    case 'P-521':
      return 521;
    default:
      return undefined;
  }
}

interface KeyInfo {
  type: KeyType;
  curve?: string;
  bits?: number;
}

function keyInfo(k: KeyObject): KeyInfo {
  const type = keyType(k);
  const d = k.asymmetricKeyDetails;
  const info: KeyInfo = { type };
  if (type === 'ec') {
    const curve = curveName(d?.namedCurve);
    if (curve !== undefined) info.curve = curve;
    const bits = curveBits(curve);
    if (bits !== undefined) info.bits = bits;
  } else if (d?.modulusLength !== undefined) {
    info.bits = d.modulusLength;
  } else if (type === 'ed25519' || type === 'x25519') {
    info.bits = 255;
  } else if (type === 'ed448' || type === 'x448') {
    info.bits = 448;
  }
  return info;
}

function jwkOf(j: SpkiJwk): JsonWebKey {
  switch (j.kty) {
    case 'RSA':
      return { kty: 'RSA', n: b64url(j.n), e: b64url(j.e) };
    case 'EC':
      return { kty: 'EC', crv: j.crv, x: b64url(j.x), y: b64url(j.y) };
    case 'OKP':
      return { kty: 'OKP', crv: j.crv, x: b64url(j.x) };
  }
}

function makePublicKey(k: KeyObject): PublicKey {
  return { ...keyInfo(k), handle: k };
}

function makePrivateKey(k: KeyObject): PrivateKey {
  return { ...keyInfo(k), handle: k, publicKey: makePublicKey(createPublicKey(k)) };
}

function handleOf(key: PublicKey | PrivateKey): KeyObject {
  const h = key.handle;
  if (typeof h !== 'object' || h === null || !('asymmetricKeyType' in h)) {
    throw internalError('key was not imported by the node crypto provider');
  }
  return h as KeyObject;
}

/** Whether a key of this type can make signatures of this kind. */
function kindFits(alg: SignatureAlgorithm, type: KeyType): boolean {
  switch (alg.kind) {
    case 'rsa-pkcs1':
      return type === 'rsa';
    case 'rsa-pss':
      return type === 'rsa' || type === 'rsa-pss';
    case 'ecdsa':
      return type === 'ec';
    case 'ed25519':
      return type === 'ed25519';
    case 'ed448':
      return type === 'ed448';
  }
}

type SignKey = KeyObject | { key: KeyObject; padding: number; saltLength?: number };

function signParams(alg: SignatureAlgorithm, k: KeyObject): { hash: string | null; key: SignKey } {
  switch (alg.kind) {
    case 'rsa-pkcs1':
      return { hash: alg.hash, key: { key: k, padding: constants.RSA_PKCS1_PADDING } };
    case 'rsa-pss':
      return { hash: alg.hash, key: { key: k, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.saltLength } };
    case 'ecdsa':
      return { hash: alg.hash, key: k }; // DER-encoded ECDSA-Sig-Value, the TLS and X.509 wire form
    case 'ed25519':
    case 'ed448':
      return { hash: null, key: k };
  }
}

function rsaModulusBytes(k: KeyObject): number {
  const bits = k.asymmetricKeyDetails?.modulusLength;
  if (bits === undefined) throw internalError('not an RSA key');
  return (bits + 7) >> 3;
}

/** Options of the node provider. */
export interface NodeCryptoOptions {
  /**
   * Randomness for randomBytes() and ephemeral key generation (tests that reproduce a transcript
   * byte for byte). Defaults to node's CSPRNG. Never set this in production.
   */
  readonly random?: (n: number) => Uint8Array;
}

/**
 * CSPRNG bytes (node's randomFillSync) served from a 4 KiB pool: one native call covers the eight or
 * so small draws of many handshakes (randoms, key shares, ticket nonces). Each draw is copied out and
 * its pool bytes zeroed at once, so no value handed out stays behind in the pool. Large draws go
 * straight to randomBytes.
 */
const POOL_SIZE = 4096;
const POOLED_MAX = 256;
let pool: Buffer | undefined;
let poolAt = POOL_SIZE;

function pooledRandom(n: number): Uint8Array {
  if (!(n > 0 && n <= POOLED_MAX && Number.isInteger(n))) return view(randomBytes(n)); // incl. 0 and bad sizes (randomBytes throws)
  if (poolAt + n > POOL_SIZE) {
    pool ??= Buffer.allocUnsafeSlow(POOL_SIZE);
    randomFillSync(pool);
    poolAt = 0;
  }
  const p = pool as Buffer;
  const out = new Uint8Array(n);
  out.set(p.subarray(poolAt, poolAt + n));
  p.fill(0, poolAt, poolAt + n);
  poolAt += n;
  return out;
}

class NodeCryptoProvider implements CryptoProvider {
  readonly name = 'node';
  private readonly random: (n: number) => Uint8Array;

  constructor(options: NodeCryptoOptions) {
    this.random = options.random ?? pooledRandom;
  }

  randomBytes(n: number): Uint8Array {
    return this.random(n);
  }

  hash(alg: HashAlgorithm): HashContext {
    return new NodeHashContext(alg, createHash(alg));
  }
  digest(alg: HashAlgorithm | PasswordHashAlgorithm, data: Uint8Array): Uint8Array {
    // One-shot crypto.hash (Node ≥ 20.12): 2.1 µs against createHash's 3.2 µs for 20 bytes, which the
    // PKCS#12 key derivation repeats thousands of times.
    return view(oneShotHash(alg, data, 'buffer'));
  }
  hashLength(alg: HashAlgorithm): number {
    return hashLength(alg);
  }
  hmac(alg: HashAlgorithm | PasswordHashAlgorithm, key: Uint8Array, data: Uint8Array | readonly Uint8Array[]): Uint8Array {
    const h = createHmac(alg, key);
    if (data instanceof Uint8Array) h.update(data);
    else for (const part of data) h.update(part);
    return view(h.digest());
  }
  pbkdf2(prf: PasswordHashAlgorithm, password: Uint8Array, salt: Uint8Array, iterations: number, length: number): Uint8Array {
    return view(pbkdf2Sync(password, salt, iterations, length, prf));
  }

  aead(alg: AeadAlgorithm, key: Uint8Array): Aead {
    return new NodeAead(alg, key);
  }
  cbc(alg: CbcAlgorithm, key: Uint8Array): CbcCipher {
    return new NodeCbc(alg, key);
  }

  supportedGroups(): readonly number[] {
    return [
      NamedGroup.x25519,
      NamedGroup.secp256r1,
      NamedGroup.secp384r1,
      NamedGroup.x448,
      NamedGroup.secp521r1,
      NamedGroup.ffdhe2048,
      NamedGroup.ffdhe3072,
      NamedGroup.ffdhe4096,
      // Can be configured; the defaults (src/conn/resolve.ts) do not offer it.
      NamedGroup.X25519MLKEM768,
    ];
  }

  keyExchange(group: number): KeyExchange {
    if (group === NamedGroup.X25519MLKEM768) return new X25519MlKem768(newKeyExchange(NamedGroup.x25519, this.random), this.random);
    return newKeyExchange(group, this.random);
  }

  importSpki(spki: Uint8Array): PublicKey {
    // Fast path (shared/INTEROP.md §6): the common SPKI shapes go in through JWK, 10–30x cheaper.
    const jwk = spkiToJwk(spki);
    if (jwk !== undefined) {
      try {
        return makePublicKey(createPublicKey({ key: jwkOf(jwk), format: 'jwk' }));
      } catch {
        // fall through: the DER import gives the verdict and the error
      }
    }
    if (!isSingleDerSequence(spki)) {
      throw new TlsError('ERR_TLS_BAD_CERTIFICATE', AlertDescription.bad_certificate, 'the SubjectPublicKeyInfo is not a single DER SEQUENCE');
    }
    let k: KeyObject;
    try {
      k = createPublicKey({ key: Buffer.from(spki.buffer, spki.byteOffset, spki.length), format: 'der', type: 'spki' });
    } catch (e) {
      throw new TlsError('ERR_TLS_BAD_CERTIFICATE', AlertDescription.bad_certificate, 'the certificate public key (SubjectPublicKeyInfo) cannot be imported', {
        cause: e,
      });
    }
    return makePublicKey(k);
  }

  importPrivateKey(key: string | Uint8Array, passphrase?: string): PrivateKey {
    let k: KeyObject;
    try {
      if (typeof key === 'string') {
        k = passphrase === undefined ? createPrivateKey(key) : createPrivateKey({ key, passphrase });
      } else {
        const buf = Buffer.from(key.buffer, key.byteOffset, key.length);
        const looksPem = buf.subarray(0, 64).toString('latin1').includes('-----BEGIN');
        k = looksPem
          ? createPrivateKey(passphrase === undefined ? { key: buf } : { key: buf, passphrase })
          : createPrivateKey(passphrase === undefined ? { key: buf, format: 'der', type: 'pkcs8' } : { key: buf, format: 'der', type: 'pkcs8', passphrase });
      }
    } catch (e) {
      throw new TlsError(
        'ERR_TLS_INVALID_PRIVATE_KEY',
        AlertDescription.internal_error,
        'the private key cannot be read (expected PEM PKCS#8/PKCS#1/SEC1 or DER PKCS#8; check the passphrase)',
        { cause: e },
      );
    }
    return makePrivateKey(k);
  }

  samePublicKey(a: PublicKey, b: PublicKey): boolean {
    try {
      return handleOf(a).equals(handleOf(b));
    } catch {
      return false;
    }
  }

  sign(alg: SignatureAlgorithm, key: PrivateKey, data: Uint8Array): Uint8Array {
    const k = handleOf(key);
    if (!kindFits(alg, keyType(k))) throw internalError(`a ${keyType(k)} key cannot make ${alg.kind} signatures`);
    const p = signParams(alg, k);
    try {
      return view(nodeSign(p.hash, data, p.key));
    } catch (e) {
      throw internalError(`signing with ${alg.kind} failed`, e);
    }
  }

  verify(alg: SignatureAlgorithm, key: PublicKey, data: Uint8Array, signature: Uint8Array): boolean {
    let k: KeyObject;
    try {
      k = handleOf(key);
    } catch {
      return false;
    }
    if (!kindFits(alg, keyType(k))) return false;
    const p = signParams(alg, k);
    try {
      return nodeVerify(p.hash, data, p.key, signature);
    } catch {
      return false;
    }
  }

  rsaEncryptPkcs1(key: PublicKey, data: Uint8Array): Uint8Array {
    const k = handleOf(key);
    if (keyType(k) !== 'rsa') throw internalError(`RSA key transport needs an RSA key, not ${keyType(k)}`);
    return view(publicEncrypt({ key: k, padding: constants.RSA_PKCS1_PADDING }, data));
  }

  rsaDecryptRaw(key: PrivateKey, ciphertext: Uint8Array): Uint8Array | null {
    const k = handleOf(key);
    if (keyType(k) !== 'rsa') return null;
    // shared/INTEROP.md §1: a short ciphertext is silently accepted by OpenSSL, so check the length.
    const n = rsaModulusBytes(k);
    if (ciphertext.length !== n) return null;
    try {
      const out = privateDecrypt({ key: k, padding: constants.RSA_NO_PADDING }, ciphertext);
      if (out.length === n) return view(out);
      // Left-pad to the modulus length so the caller's fixed-position unpadding stays uniform.
      const padded = new Uint8Array(n);
      padded.set(out, n - out.length);
      return padded;
    } catch {
      return null; // ciphertext >= n
    }
  }

  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
    if (a.length !== b.length) return false;
    return nodeTimingSafeEqual(a, b);
  }

  trustAnchors(): readonly string[] {
    return rootCertificates;
  }
}

/** The default provider has no state of its own: every caller without options shares one. */
let shared: CryptoProvider | undefined;

/** The CryptoProvider backed by node:crypto (without options: one shared instance). */
export function nodeCryptoProvider(options: NodeCryptoOptions = {}): CryptoProvider {
  if (options.random === undefined) return (shared ??= new NodeCryptoProvider(options));
  return new NodeCryptoProvider(options);
}

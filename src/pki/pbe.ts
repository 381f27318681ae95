// Password-based encryption of PKCS#12 contents: PBES2 with PBKDF2 (RFC 8018 §6.2, §5.2) and the
// PKCS#12 PBE schemes with their key derivation (RFC 7292 Appendix B and C). The hashes, HMAC,
// PBKDF2 and the block ciphers come from the crypto provider; the PKCS#12 KDF is built here on the
// provider's hash, as the TLS key schedules are built on its HMAC. Schemes OpenSSL 3 keeps in its
// legacy provider (RC2, RC4, single DES), which Node 20 does not load, are refused with what to do.
import type { CbcAlgorithm, CryptoProvider, PasswordHashAlgorithm } from '../crypto/provider.js';
import { DerReader, Tag, malformed } from './der.js';
import { pkcs12Error } from './errors.js';

/**
 * Iteration counts above these are refused before any work is done. Real files use 2,000 (Windows),
 * 2,048 (OpenSSL), 10,000 (Java) and for PBKDF2 up to a few hundred thousand (OWASP suggests 600,000
 * with SHA-256); node:tls sets no limit, so a damaged or hostile count of 2^31 would hold the process
 * for hours. PBKDF2 runs natively (10,000,000 HMAC-SHA-256 iterations take about 4 s here); the
 * PKCS#12 KDF loops over the provider's hash from JavaScript (about 2.7 µs an iteration, so 1,000,000
 * iterations take about 3 s per output block).
 */
export const MAX_PBKDF2_ITERATIONS = 10_000_000;
export const MAX_PKCS12_KDF_ITERATIONS = 1_000_000;

/** The two encodings of one password (OpenSSL's NULL password is empty in both; "" is not, for the KDF). */
export interface Password {
  /** PBKDF2's password (RFC 8018 §4): the UTF-8 bytes, as node:tls passes a passphrase. */
  readonly utf8: Uint8Array;
  /** The PKCS#12 KDF's password (RFC 7292 Appendix B.1): a BMPString, big-endian, with two zero bytes at the end. */
  readonly bmp: Uint8Array;
}

const utf8Encoder = new TextEncoder();

/**
 * Both encodings of `password`; `undefined` is OpenSSL's NULL password (no bytes at all, not even the
 * BMPString's terminator). The BMPString is made from the UTF-8 bytes as OpenSSL 3 does
 * (OPENSSL_utf82uni): a lone surrogate becomes U+FFFD, as it does in node's Buffer.from(passphrase).
 */
export function passwordOf(password: string | undefined): Password {
  if (password === undefined) return { utf8: new Uint8Array(0), bmp: new Uint8Array(0) };
  const utf8 = utf8Encoder.encode(password);
  const text = new TextDecoder().decode(utf8); // lone surrogates → U+FFFD, as in the UTF-8 bytes
  const bmp = new Uint8Array(text.length * 2 + 2);
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i); // UTF-16 code units: characters beyond the BMP as surrogate pairs, as OpenSSL writes them
    bmp[2 * i] = unit >> 8;
    bmp[2 * i + 1] = unit & 0xff;
  }
  return { utf8, bmp };
}

/** Output and block sizes (u and v of RFC 7292 Appendix B.2) of the hashes the PKCS#12 KDF runs on. */
const KDF_SIZES: Readonly<Record<PasswordHashAlgorithm, { readonly u: number; readonly v: number }>> = {
  sha1: { u: 20, v: 64 },
  sha224: { u: 28, v: 64 },
  sha256: { u: 32, v: 64 },
  sha384: { u: 48, v: 128 },
  sha512: { u: 64, v: 128 },
  'sha512-224': { u: 28, v: 128 },
  'sha512-256': { u: 32, v: 128 },
};

export function passwordHashLength(hash: PasswordHashAlgorithm): number {
  return KDF_SIZES[hash].u;
}

/** The PKCS#12 KDF's purposes (RFC 7292 Appendix B.3). */
export const KdfId = { key: 1, iv: 2, mac: 3 } as const;

/** `data` repeated to fill `length` bytes (RFC 7292 Appendix B.2 steps 2 and 3). */
function repeatTo(data: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  if (data.length === 0) return out;
  for (let i = 0; i < length; i += data.length) out.set(data.subarray(0, Math.min(data.length, length - i)), i);
  return out;
}

/** Rejects an iteration count outside 1..max before anything is derived. */
export function checkIterations(iterations: number, max: number, what: string): void {
  if (!Number.isSafeInteger(iterations) || iterations < 1) throw malformed(`${what}: iteration count ${iterations} is not a positive integer`);
  if (iterations > max) {
    throw pkcs12Error(
      'ERR_TLS_PKCS12_LIMIT',
      `${what}: iteration count ${iterations} is above typetls's limit of ${max} (real files use 2,000 to a few hundred thousand; ` +
        're-export the file with a smaller count, e.g. `openssl pkcs12 -export -iter 100000 -maciter 100000`)',
    );
  }
}

/**
 * The PKCS#12 key derivation (RFC 7292 Appendix B.2): `length` bytes for purpose `id` from the
 * BMPString `password` and `salt`, with `iterations` rounds of `hash` per output block.
 */
export function pkcs12Kdf(
  crypto: CryptoProvider,
  hash: PasswordHashAlgorithm,
  password: Uint8Array,
  salt: Uint8Array,
  id: number,
  iterations: number,
  length: number,
): Uint8Array {
  checkIterations(iterations, MAX_PKCS12_KDF_ITERATIONS, 'PKCS#12 key derivation');
  const { u, v } = KDF_SIZES[hash];
  // Steps 1–4: D = ID repeated to v bytes; I = S‖P, salt and password each repeated to a multiple of v.
  const s = v * Math.ceil(salt.length / v);
  const p = v * Math.ceil(password.length / v);
  const block = new Uint8Array(v + s + p); // D‖I, hashed at the start of each round
  block.fill(id, 0, v);
  block.set(repeatTo(salt, s), v);
  block.set(repeatTo(password, p), v + s);
  const rounds = Math.ceil(length / u); // step 5
  const out = new Uint8Array(rounds * u);
  for (let i = 0; i < rounds; i++) {
    // Step 6a: A_i = H^r(D‖I).
    let a = crypto.digest(hash, block);
    for (let r = 1; r < iterations; r++) a = crypto.digest(hash, a);
    out.set(a, i * u);
    if (i === rounds - 1) break;
    // Steps 6b–6c: B = A_i repeated to v bytes; each v-byte block I_j of I becomes (I_j + B + 1) mod 2^(8v).
    const b = repeatTo(a, v);
    for (let j = v; j < block.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = (block[j + k] as number) + (b[k] as number) + carry;
        block[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return out.subarray(0, length);
}

// ---------------------------------------------------------------------------------------------
// Encryption schemes

/** PBES2 (RFC 8018 §6.2) with PBKDF2: the only key derivation OpenSSL 3 writes. */
interface Pbes2 {
  readonly kind: 'pbes2';
  readonly prf: PasswordHashAlgorithm;
  readonly salt: Uint8Array;
  readonly iterations: number;
  readonly cipher: CbcAlgorithm;
  readonly keyLength: number;
  readonly iv: Uint8Array;
}

/** pbeWithSHAAnd3-KeyTripleDES-CBC and pbeWithSHAAnd2-KeyTripleDES-CBC (RFC 7292 Appendix C). */
interface Pkcs12Pbe {
  readonly kind: 'pkcs12';
  readonly name: string;
  readonly salt: Uint8Array;
  readonly iterations: number;
  /** 24 for three-key 3DES, 16 for two-key (K1‖K2, used as K1‖K2‖K1). */
  readonly keyLength: 16 | 24;
}

export type PbeScheme = Pbes2 | Pkcs12Pbe;

const OID_PBES2 = '1.2.840.113549.1.5.13';
const OID_PBKDF2 = '1.2.840.113549.1.5.12';
const OID_SCRYPT = '1.3.6.1.4.1.11591.4.11';

const PKCS12_PBE: Readonly<Record<string, { readonly name: string; readonly keyLength?: 16 | 24 }>> = {
  '1.2.840.113549.1.12.1.1': { name: 'pbeWithSHAAnd128BitRC4' },
  '1.2.840.113549.1.12.1.2': { name: 'pbeWithSHAAnd40BitRC4' },
  '1.2.840.113549.1.12.1.3': { name: 'pbeWithSHAAnd3-KeyTripleDES-CBC', keyLength: 24 },
  '1.2.840.113549.1.12.1.4': { name: 'pbeWithSHAAnd2-KeyTripleDES-CBC', keyLength: 16 },
  '1.2.840.113549.1.12.1.5': { name: 'pbeWithSHAAnd128BitRC2-CBC' },
  '1.2.840.113549.1.12.1.6': { name: 'pbewithSHAAnd40BitRC2-CBC' },
};

/** PKCS#5 v1.5 PBES1 (RFC 8018 §6.1): single DES or RC2, all legacy. */
const PBES1: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.5.1': 'pbeWithMD2AndDES-CBC',
  '1.2.840.113549.1.5.3': 'pbeWithMD5AndDES-CBC',
  '1.2.840.113549.1.5.4': 'pbeWithMD2AndRC2-CBC',
  '1.2.840.113549.1.5.6': 'pbeWithMD5AndRC2-CBC',
  '1.2.840.113549.1.5.10': 'pbeWithSHA1AndDES-CBC',
  '1.2.840.113549.1.5.11': 'pbeWithSHA1AndRC2-CBC',
};

/** HMAC PRFs of PBKDF2 (RFC 8018 Appendix B.1). */
export const HMAC_PRFS: Readonly<Record<string, PasswordHashAlgorithm>> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.8': 'sha224',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
  '1.2.840.113549.2.12': 'sha512-224',
  '1.2.840.113549.2.13': 'sha512-256',
};

/** PBES2 encryption schemes (RFC 8018 Appendix B.2, RFC 3565 for AES): key and IV (= block) sizes. */
const PBES2_CIPHERS: Readonly<Record<string, { readonly cipher: CbcAlgorithm; readonly key: number; readonly iv: number }>> = {
  '2.16.840.1.101.3.4.1.2': { cipher: 'aes-128-cbc', key: 16, iv: 16 },
  '2.16.840.1.101.3.4.1.22': { cipher: 'aes-192-cbc', key: 24, iv: 16 },
  '2.16.840.1.101.3.4.1.42': { cipher: 'aes-256-cbc', key: 32, iv: 16 },
  '1.2.840.113549.3.7': { cipher: 'des-ede3-cbc', key: 24, iv: 8 },
};

const LEGACY_CIPHERS: Readonly<Record<string, string>> = {
  '1.3.14.3.2.7': 'DES-CBC',
  '1.2.840.113549.3.2': 'RC2-CBC',
  '1.2.840.113549.3.9': 'RC5-CBC',
};

/** The advice for a file encrypted with an algorithm Node 20's OpenSSL no longer has. */
function legacy(name: string): Error {
  return pkcs12Error(
    'ERR_TLS_PKCS12_UNSUPPORTED',
    `it is encrypted with ${name}, a legacy algorithm OpenSSL 3 keeps out of its default provider (node:tls refuses this file too: ` +
      '"Unsupported PKCS12 PFX data"): convert it with `openssl pkcs12 -legacy -in old.p12 -nodes | openssl pkcs12 -export -out new.p12` ' +
      '(AES-256-CBC with PBKDF2), or export it again without -legacy',
  );
}

function unsupported(what: string): Error {
  return pkcs12Error(
    'ERR_TLS_PKCS12_UNSUPPORTED',
    `${what} is not supported: re-encrypt the file with \`openssl pkcs12 -in old.p12 -nodes | openssl pkcs12 -export -out new.p12\` (AES-256-CBC with PBKDF2)`,
  );
}

/** AlgorithmIdentifier parameters that must be NULL or absent. */
function nullOrAbsent(r: DerReader, what: string): void {
  const e = r.optional(Tag.NULL);
  if (e !== undefined && e.end !== e.contentStart) throw malformed(`${what}: NULL with contents`);
  r.done(what);
}

/** An iteration count INTEGER; one too long to be a number comes back as MAX_SAFE_INTEGER (above every limit). */
export function iterationCount(r: DerReader, what: string): number {
  const v = r.integer(what);
  if ((v[0] as number) & 0x80) throw malformed(`${what} is negative`);
  // Longer than 6 bytes is far above any limit: it is refused as the limit it breaks.
  if (v.length > 6) return Number.MAX_SAFE_INTEGER;
  let n = 0;
  for (const b of v) n = n * 256 + b;
  return n;
}

/** PBKDF2-params (RFC 8018 Appendix A.2). */
function parsePbkdf2(r: DerReader): { salt: Uint8Array; iterations: number; keyLength: number | undefined; prf: PasswordHashAlgorithm } {
  const p = r.sequence('PBKDF2-params');
  if (p.peekTag() !== Tag.OCTET_STRING) throw unsupported('a PBKDF2 salt from another source (otherSource)');
  const salt = p.octetString('PBKDF2 salt');
  const iterations = iterationCount(p, 'PBKDF2 iterationCount');
  let keyLength: number | undefined;
  if (p.peekTag() === Tag.INTEGER) keyLength = p.smallInt('PBKDF2 keyLength');
  let prf: PasswordHashAlgorithm = 'sha1'; // DEFAULT algid-hmacWithSHA1
  if (!p.atEnd) {
    const a = p.sequence('PBKDF2 prf');
    const oid = a.oid('PBKDF2 prf');
    const h = HMAC_PRFS[oid];
    if (h === undefined) throw unsupported(`the PBKDF2 PRF ${oid}`);
    nullOrAbsent(a, 'PBKDF2 prf');
    prf = h;
  }
  p.done('PBKDF2-params');
  return { salt, iterations, keyLength, prf };
}

function parsePbes2(r: DerReader): Pbes2 {
  const p = r.sequence('PBES2-params');
  const kdf = p.sequence('PBES2 keyDerivationFunc');
  const kdfOid = kdf.oid('PBES2 keyDerivationFunc');
  if (kdfOid === OID_SCRYPT) throw unsupported('PBES2 with scrypt');
  if (kdfOid !== OID_PBKDF2) throw unsupported(`the PBES2 key derivation ${kdfOid}`);
  const k = parsePbkdf2(kdf);
  kdf.done('PBES2 keyDerivationFunc');
  const enc = p.sequence('PBES2 encryptionScheme');
  const encOid = enc.oid('PBES2 encryptionScheme');
  const legacyName = LEGACY_CIPHERS[encOid];
  if (legacyName !== undefined) throw legacy(`PBES2 with ${legacyName}`);
  const c = PBES2_CIPHERS[encOid];
  if (c === undefined) throw unsupported(`the PBES2 encryption scheme ${encOid}`);
  const iv = enc.octetString('PBES2 IV');
  if (iv.length !== c.iv) throw malformed(`PBES2 ${c.cipher} IV of ${iv.length} bytes`);
  enc.done('PBES2 encryptionScheme');
  p.done('PBES2-params');
  // RFC 8018 Appendix A.2: keyLength, when present, is the cipher's key length.
  if (k.keyLength !== undefined && k.keyLength !== c.key) throw malformed(`PBKDF2 keyLength ${k.keyLength} does not fit ${c.cipher}`);
  checkIterations(k.iterations, MAX_PBKDF2_ITERATIONS, 'PBKDF2');
  return { kind: 'pbes2', prf: k.prf, salt: k.salt, iterations: k.iterations, cipher: c.cipher, keyLength: c.key, iv };
}

/** An encryption AlgorithmIdentifier (EncryptedPrivateKeyInfo, EncryptedContentInfo), read from `r`. */
export function parsePbeAlgorithm(r: DerReader, what: string): PbeScheme {
  const a = r.sequence(what);
  const oid = a.oid(what);
  let scheme: PbeScheme;
  if (oid === OID_PBES2) {
    scheme = parsePbes2(a);
  } else if (PKCS12_PBE[oid] !== undefined) {
    const { name, keyLength } = PKCS12_PBE[oid];
    if (keyLength === undefined) throw legacy(name);
    // pkcs-12PbeParams (RFC 7292 Appendix C).
    const p = a.sequence(`${name} parameters`);
    const salt = p.octetString(`${name} salt`);
    const iterations = iterationCount(p, `${name} iterations`);
    p.done(`${name} parameters`);
    checkIterations(iterations, MAX_PKCS12_KDF_ITERATIONS, name);
    scheme = { kind: 'pkcs12', name, salt, iterations, keyLength };
  } else if (PBES1[oid] !== undefined) {
    throw legacy(PBES1[oid]);
  } else {
    throw unsupported(`the encryption algorithm ${oid}`);
  }
  a.done(what);
  return scheme;
}

/** RFC 8018 §6.1.1 step 4 / RFC 5652 §6.3: 1..block bytes, each holding the padding length. */
function unpad(data: Uint8Array, block: number): Uint8Array {
  const n = data[data.length - 1] ?? 0;
  let ok = n >= 1 && n <= block && n <= data.length;
  for (let i = data.length - n; ok && i < data.length; i++) ok = data[i] === n;
  // Not a padding oracle: the file is local and the MAC, when there is one, was checked first.
  if (!ok) throw pkcs12Error('ERR_TLS_PKCS12_BAD_DECRYPT', 'bad decrypt: the passphrase is wrong or the file is damaged');
  return data.subarray(0, data.length - n);
}

/** Decrypts `ciphertext` under `scheme` with `password`; throws "bad decrypt" when the padding is wrong. */
export function pbeDecrypt(crypto: CryptoProvider, scheme: PbeScheme, password: Password, ciphertext: Uint8Array): Uint8Array {
  let cipher: CbcAlgorithm;
  let key: Uint8Array;
  let iv: Uint8Array;
  if (scheme.kind === 'pbes2') {
    cipher = scheme.cipher;
    key = crypto.pbkdf2(scheme.prf, password.utf8, scheme.salt, scheme.iterations, scheme.keyLength);
    iv = scheme.iv;
  } else {
    // RFC 7292 Appendix B.2 with SHA-1 for both (Appendix C); two-key 3DES is K1‖K2‖K1.
    cipher = 'des-ede3-cbc';
    const k = pkcs12Kdf(crypto, 'sha1', password.bmp, scheme.salt, KdfId.key, scheme.iterations, scheme.keyLength);
    key = scheme.keyLength === 24 ? k : Uint8Array.of(...k, ...k.subarray(0, 8));
    iv = pkcs12Kdf(crypto, 'sha1', password.bmp, scheme.salt, KdfId.iv, scheme.iterations, 8);
  }
  const block = iv.length;
  if (ciphertext.length === 0 || ciphertext.length % block !== 0) {
    throw malformed(`encrypted content of ${ciphertext.length} bytes is not a whole number of ${block}-byte blocks`);
  }
  const plain = crypto.cbc(cipher, key).decrypt(iv, ciphertext);
  key.fill(0);
  return unpad(plain, block);
}

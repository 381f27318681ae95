// PKCS#12 (RFC 7292) files, as node:tls's `pfx` option reads them: the PFX, its MAC, the
// AuthenticatedSafe's plain (`data`) and password-encrypted (`encryptedData`) SafeContents, and the
// key, certificate and nested bags in them. What is kept and how the key is paired with its
// certificate follow OpenSSL 3.0's PKCS12_parse, which node:tls calls (checked against node:tls on
// Node 20.20 / OpenSSL 3.0.19, tests/pki.pkcs12.test.ts):
// - the MAC is checked first; with no passphrase (or an empty one) both of PKCS#12's empty
//   passwords are tried, the absent one (no bytes) and the empty string (two zero bytes);
// - a file without a MAC opens only with no (or an empty) passphrase: OpenSSL 3.0 answers a
//   passphrase with "mac absent" (later OpenSSL versions accept it);
// - the first private key bag is the key; later key bags are skipped without being decrypted;
// - the certificate is the first X.509 certificate (in bag order) whose public key is the key's
//   (X509_check_private_key): OpenSSL 3 keeps localKeyId and friendlyName as labels and does not
//   pair by them, so neither does this file; every other certificate is an "extra" one, in order;
// - envelopedData (public-key privacy mode) and unknown contents are skipped, CRL, secret and
//   unknown bags ignored.
// Structures are read with the strict DER reader after berToDer, since BER PFX files exist.
import type { CryptoProvider, PasswordHashAlgorithm, PrivateKey } from '../crypto/provider.js';
import { TlsError } from '../errors.js';
import { berToDer } from './ber.js';
import { type Certificate, parseCertificate } from './certificate.js';
import { DerReader, Tag, ctx, malformed } from './der.js';
import { pkcs12Error } from './errors.js';
import { KdfId, type Password, type PbeScheme, checkIterations, iterationCount, MAX_PKCS12_KDF_ITERATIONS, parsePbeAlgorithm, passwordHashLength, passwordOf, pbeDecrypt, pkcs12Kdf } from './pbe.js';
import { concatBytes } from '../wire/bytes.js';

const OID_DATA = '1.2.840.113549.1.7.1';
const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
const OID_ENVELOPED_DATA = '1.2.840.113549.1.7.3';
const OID_ENCRYPTED_DATA = '1.2.840.113549.1.7.6';
const OID_PBMAC1 = '1.2.840.113549.1.5.14';

/** SafeBag types (RFC 7292 §4.2). */
const Bag = {
  key: '1.2.840.113549.1.12.10.1.1',
  shroudedKey: '1.2.840.113549.1.12.10.1.2',
  cert: '1.2.840.113549.1.12.10.1.3',
  safeContents: '1.2.840.113549.1.12.10.1.6',
} as const;
const OID_X509_CERTIFICATE = '1.2.840.113549.1.9.22.1';
const OID_FRIENDLY_NAME = '1.2.840.113549.1.9.20';
const OID_LOCAL_KEY_ID = '1.2.840.113549.1.9.21';

/** MAC digests (RFC 7292 §5, the DigestInfo of MacData). */
const MAC_DIGESTS: Readonly<Record<string, PasswordHashAlgorithm>> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '2.16.840.1.101.3.4.2.5': 'sha512-224',
  '2.16.840.1.101.3.4.2.6': 'sha512-256',
};

/** safeContentsBag nesting (RFC 7292 §4.2.6) deeper than this is refused; real files do not nest at all. */
const MAX_NESTING = 8;
/** Password-based derivations (MAC attempts and decryptions) one file may ask for, each bounded by pbe.ts's limits. */
const MAX_DERIVATIONS = 32;

export interface Pkcs12Certificate {
  /** The certificate, DER, as the bag holds it. */
  readonly der: Uint8Array;
  readonly localKeyId?: Uint8Array;
  readonly friendlyName?: string;
}

export interface Pkcs12Contents {
  /** The first key bag's PrivateKeyInfo (PKCS#8, DER), decrypted; undefined when the file holds no key. */
  readonly privateKey: Uint8Array | undefined;
  /** Every X.509 certificate, in bag order. */
  readonly certificates: readonly Pkcs12Certificate[];
  /** envelopedData contents skipped (their bags need a private key to open, which OpenSSL does not try either). */
  readonly envelopedSkipped: number;
}

/** Decoding state: the password that opened the MAC, and the work spent on derivations. */
class Reader {
  private derivations = 0;
  privateKey: Uint8Array | undefined;
  readonly certificates: Pkcs12Certificate[] = [];
  envelopedSkipped = 0;

  constructor(
    readonly crypto: CryptoProvider,
    public password: Password,
  ) {}

  spend(): void {
    if (++this.derivations > MAX_DERIVATIONS) {
      throw pkcs12Error('ERR_TLS_PKCS12_LIMIT', `it asks for more than ${MAX_DERIVATIONS} password-based key derivations (real files need two or three)`);
    }
  }

  decrypt(scheme: PbeScheme, ciphertext: Uint8Array): Uint8Array {
    this.spend();
    return pbeDecrypt(this.crypto, scheme, this.password, ciphertext);
  }
}

/** A reader over `bytes`, which may be BER (berToDer): the strict DER reader does the parsing. */
function readerOf(bytes: Uint8Array): DerReader {
  return new DerReader(berToDer(bytes));
}

/** ContentInfo (RFC 5652 §3): the type and its [0] EXPLICIT content. */
function contentInfo(r: DerReader, what: string): { type: string; content: DerReader | undefined } {
  const c = r.sequence(what);
  const type = c.oid(`${what} contentType`);
  const content = c.atEnd ? undefined : c.enter(ctx(0, true), `${what} content`);
  c.done(what);
  return { type, content };
}

/** The OCTET STRING inside a `data` ContentInfo's [0] content. */
function dataOctets(content: DerReader | undefined, what: string): Uint8Array {
  if (content === undefined) throw malformed(`${what}: a data ContentInfo without content`);
  const octets = content.octetString(`${what} data`);
  content.done(`${what} content`);
  return octets;
}

// ---------------------------------------------------------------------------------------------
// MAC (RFC 7292 §5, Appendix B)

interface MacData {
  readonly hash: PasswordHashAlgorithm;
  readonly digest: Uint8Array;
  readonly salt: Uint8Array;
  readonly iterations: number;
}

function parseMacData(r: DerReader): MacData {
  const m = r.sequence('MacData');
  const info = m.sequence('MacData mac');
  const alg = info.sequence('MacData digestAlgorithm');
  const oid = alg.oid('MacData digestAlgorithm');
  if (oid === OID_PBMAC1) {
    throw pkcs12Error(
      'ERR_TLS_PKCS12_UNSUPPORTED',
      'its MAC is PBMAC1 (RFC 9579), which node:tls on Node 20 (OpenSSL 3.0) cannot check either: export it with the classic MAC (`openssl pkcs12 -export -macalg sha256`)',
    );
  }
  const hash = MAC_DIGESTS[oid];
  if (hash === undefined) throw pkcs12Error('ERR_TLS_PKCS12_UNSUPPORTED', `its MAC digest ${oid} is not supported: export it with \`openssl pkcs12 -export -macalg sha256\``);
  const nul = alg.optional(Tag.NULL);
  if (nul !== undefined && nul.end !== nul.contentStart) throw malformed('MacData digestAlgorithm: NULL with contents');
  alg.done('MacData digestAlgorithm');
  const digest = info.octetString('MacData digest');
  info.done('MacData mac');
  const salt = m.octetString('MacData macSalt');
  const iterations = m.atEnd ? 1 : iterationCount(m, 'MacData iterations'); // DEFAULT 1
  m.done('MacData');
  checkIterations(iterations, MAX_PKCS12_KDF_ITERATIONS, 'the MAC');
  return { hash, digest, salt, iterations };
}

/** HMAC over the AuthenticatedSafe with the KDF's MAC key (ID 3, as long as the hash), compared in constant time. */
function macMatches(reader: Reader, mac: MacData, authSafe: Uint8Array, password: Password): boolean {
  reader.spend();
  const { crypto } = reader;
  const key = pkcs12Kdf(crypto, mac.hash, password.bmp, mac.salt, KdfId.mac, mac.iterations, passwordHashLength(mac.hash));
  const ok = crypto.timingSafeEqual(crypto.hmac(mac.hash, key, authSafe), mac.digest);
  key.fill(0);
  return ok;
}

// ---------------------------------------------------------------------------------------------
// Bags (RFC 7292 §4.2)

interface BagAttributes {
  localKeyId?: Uint8Array;
  friendlyName?: string;
}

/** BMPString contents (UTF-16 big-endian). */
function bmpString(v: Uint8Array, what: string): string {
  if (v.length % 2 !== 0) throw malformed(`${what}: a BMPString of odd length`);
  let s = '';
  for (let i = 0; i < v.length; i += 2) s += String.fromCharCode(((v[i] as number) << 8) | (v[i + 1] as number));
  return s;
}

/** bagAttributes: SET OF PKCS12Attribute; friendlyName and localKeyId must have the types RFC 7292 gives them (OpenSSL refuses the file otherwise). */
function parseAttributes(r: DerReader): BagAttributes {
  const out: BagAttributes = {};
  const set = r.enter(Tag.SET, 'bagAttributes');
  while (!set.atEnd) {
    const a = set.sequence('bag attribute');
    const oid = a.oid('bag attribute type');
    const values = a.enter(Tag.SET, 'bag attribute values');
    a.done('bag attribute');
    if (oid === OID_FRIENDLY_NAME && out.friendlyName === undefined) {
      out.friendlyName = bmpString(values.bytes(values.expect(Tag.BMPString, 'friendlyName')), 'friendlyName');
    } else if (oid === OID_LOCAL_KEY_ID && out.localKeyId === undefined) {
      out.localKeyId = values.octetString('localKeyId');
    }
    // Other values (and attributes) are not read: each was checked to be a whole element by the SET's reader.
  }
  return out;
}

function parseSafeContents(reader: Reader, bytes: Uint8Array, depth: number): void {
  const r = readerOf(bytes);
  const bags = r.sequence('SafeContents');
  r.done('SafeContents');
  while (!bags.atEnd) parseBag(reader, bags, depth);
}

function parseBag(reader: Reader, bags: DerReader, depth: number): void {
  const b = bags.sequence('SafeBag');
  const type = b.oid('SafeBag bagId');
  const value = b.enter(ctx(0, true), 'SafeBag bagValue');
  const attributes = b.atEnd ? {} : parseAttributes(b);
  b.done('SafeBag');
  switch (type) {
    case Bag.key: {
      // RFC 7292 §4.2.1: a PrivateKeyInfo (RFC 5208). Only the first key counts, as in OpenSSL.
      const e = value.expect(Tag.SEQUENCE, 'keyBag');
      value.done('keyBag');
      reader.privateKey ??= value.raw(e);
      return;
    }
    case Bag.shroudedKey: {
      // RFC 7292 §4.2.2: an EncryptedPrivateKeyInfo (RFC 5208 §6).
      const info = value.sequence('pkcs8ShroudedKeyBag');
      value.done('pkcs8ShroudedKeyBag');
      if (reader.privateKey !== undefined) return; // OpenSSL does not decrypt a second key
      const scheme = parsePbeAlgorithm(info, 'EncryptedPrivateKeyInfo encryptionAlgorithm');
      const encrypted = info.octetString('EncryptedPrivateKeyInfo encryptedData');
      info.done('EncryptedPrivateKeyInfo');
      reader.privateKey = berToDer(reader.decrypt(scheme, encrypted));
      return;
    }
    case Bag.cert: {
      // RFC 7292 §4.2.3: CertBag; only X.509 certificates (sdsiCertificate and others are skipped).
      const c = value.sequence('certBag');
      value.done('certBag');
      const certType = c.oid('certBag certId');
      const v = c.enter(ctx(0, true), 'certBag certValue');
      c.done('certBag');
      if (certType !== OID_X509_CERTIFICATE) return;
      const der = v.octetString('x509Certificate');
      v.done('certBag certValue');
      reader.certificates.push({ der, ...attributes });
      return;
    }
    case Bag.safeContents: {
      // RFC 7292 §4.2.6: SafeContents inside a bag.
      if (depth >= MAX_NESTING) throw pkcs12Error('ERR_TLS_PKCS12_LIMIT', `its safeContentsBags nest more than ${MAX_NESTING} deep`);
      const e = value.expect(Tag.SEQUENCE, 'safeContentsBag');
      value.done('safeContentsBag');
      parseSafeContents(reader, value.raw(e), depth + 1);
      return;
    }
    default:
      // crlBag, secretBag and unknown bags: not needed for a certificate and key (OpenSSL skips them too).
      return;
  }
}

/** EncryptedData (RFC 5652 §8) holding SafeContents: decrypted with the password. */
function encryptedSafeContents(reader: Reader, content: DerReader | undefined): void {
  if (content === undefined) throw malformed('an encryptedData ContentInfo without content');
  const ed = content.sequence('EncryptedData');
  content.done('encryptedData content');
  const version = ed.smallInt('EncryptedData version');
  if (version !== 0 && version !== 2) throw malformed(`EncryptedData version ${version}`);
  const eci = ed.sequence('EncryptedContentInfo');
  if (eci.oid('EncryptedContentInfo contentType') !== OID_DATA) throw malformed('EncryptedContentInfo does not hold data');
  const scheme = parsePbeAlgorithm(eci, 'EncryptedContentInfo contentEncryptionAlgorithm');
  // encryptedContent [0] IMPLICIT OCTET STRING: primitive in DER; berToDer leaves BER's constructed
  // form as [0] holding OCTET STRING segments.
  let ciphertext: Uint8Array;
  if (eci.peekTag() === ctx(0, false)) {
    ciphertext = eci.bytes(eci.element());
  } else {
    const parts = eci.enter(ctx(0, true), 'encryptedContent');
    const segments: Uint8Array[] = [];
    while (!parts.atEnd) segments.push(parts.octetString('encryptedContent segment'));
    ciphertext = concatBytes(...segments);
  }
  eci.done('EncryptedContentInfo');
  if (!ed.atEnd) ed.enter(ctx(1, true), 'EncryptedData unprotectedAttrs');
  ed.done('EncryptedData');
  parseSafeContents(reader, reader.decrypt(scheme, ciphertext), 0);
}

/**
 * The private key and certificates of a PKCS#12 file (DER or BER), after checking its MAC with
 * `password` (undefined or '' both mean "no passphrase", as node:tls passes them to OpenSSL).
 * Throws a TlsError with an ERR_TLS_PKCS12_* code and a message that says what to do.
 */
export function decodePkcs12(file: Uint8Array, password: string | undefined, crypto: CryptoProvider): Pkcs12Contents {
  try {
    return decode(file, password === '' ? undefined : password, crypto);
  } catch (e) {
    // The strict reader's errors speak of certificates; here they mean the file.
    if (e instanceof TlsError && e.code === 'ERR_TLS_CERT_MALFORMED') {
      const hint = file[0] === 0x30 ? '' : ' (a .p12/.pfx file is binary DER, starting with a SEQUENCE: pass its bytes as read from the file)';
      throw pkcs12Error('ERR_TLS_PKCS12_MALFORMED', `it is not a well-formed PKCS#12 file: ${e.message}${hint}`, e);
    }
    throw e;
  }
}

function decode(file: Uint8Array, password: string | undefined, crypto: CryptoProvider): Pkcs12Contents {
  // RFC 7292 §4: PFX ::= SEQUENCE { version INTEGER {v3(3)}, authSafe ContentInfo, macData MacData OPTIONAL }.
  const top = readerOf(file);
  const pfx = top.sequence('PFX');
  top.done('PFX');
  const version = pfx.smallInt('PFX version');
  if (version !== 3) throw malformed(`PFX version ${version} (RFC 7292 has only version 3)`);
  const authSafe = contentInfo(pfx, 'authSafe');
  if (authSafe.type === OID_SIGNED_DATA) {
    throw pkcs12Error('ERR_TLS_PKCS12_UNSUPPORTED', 'it uses public-key integrity mode (signedData), which neither node:tls nor typetls reads: export it with a password');
  }
  if (authSafe.type !== OID_DATA) throw malformed(`authSafe content type ${authSafe.type} is not data`);
  const safe = dataOctets(authSafe.content, 'authSafe');
  const mac = pfx.atEnd ? undefined : parseMacData(pfx);
  pfx.done('PFX');

  const reader = new Reader(crypto, passwordOf(password));
  if (mac !== undefined) {
    // RFC 7292 §5.1 / Appendix B.1: PKCS#12 tells "no password" (no bytes) from "" (two zero bytes);
    // OpenSSL tries both when it is given none.
    const candidates = password === undefined ? [passwordOf(undefined), passwordOf('')] : [reader.password];
    const opened = candidates.find((p) => macMatches(reader, mac, safe, p));
    if (opened === undefined) {
      throw pkcs12Error(
        'ERR_TLS_PKCS12_MAC_VERIFY_FAILURE',
        password === undefined
          ? 'mac verify failure: the file needs a passphrase (give `passphrase`), or it was altered'
          : 'mac verify failure: the passphrase is wrong, or the file was altered',
      );
    }
    reader.password = opened;
  } else if (password !== undefined) {
    throw pkcs12Error(
      'ERR_TLS_PKCS12_MAC_ABSENT',
      'mac absent: the file has no MAC to check the passphrase with, and node:tls on Node 20 (OpenSSL 3.0) refuses such a file when a passphrase is given ' +
        '(it opens it only without one): export it with a MAC (`openssl pkcs12 -export` without -nomac)',
    );
  }

  // RFC 7292 §4.1: AuthenticatedSafe ::= SEQUENCE OF ContentInfo.
  const r = readerOf(safe);
  const list = r.sequence('AuthenticatedSafe');
  r.done('AuthenticatedSafe');
  while (!list.atEnd) {
    const ci = contentInfo(list, 'AuthenticatedSafe ContentInfo');
    if (ci.type === OID_DATA) parseSafeContents(reader, dataOctets(ci.content, 'SafeContents'), 0);
    else if (ci.type === OID_ENCRYPTED_DATA) encryptedSafeContents(reader, ci.content);
    else if (ci.type === OID_ENVELOPED_DATA) reader.envelopedSkipped++;
    // Other content types are skipped, as OpenSSL's PKCS12_parse does.
  }
  return { privateKey: reader.privateKey, certificates: reader.certificates, envelopedSkipped: reader.envelopedSkipped };
}

// ---------------------------------------------------------------------------------------------
// The key and its certificate

export interface Pkcs12Identity {
  readonly key: PrivateKey;
  /** The key's certificate. */
  readonly certificate: Certificate;
  /** The file's other certificates, in bag order (its CA chain, usually). */
  readonly extraCertificates: readonly Certificate[];
}

/**
 * The file's key, the certificate that goes with it and the other certificates, as OpenSSL's
 * PKCS12_parse splits them (see the top of this file).
 */
export function pkcs12Identity(contents: Pkcs12Contents, crypto: CryptoProvider): Pkcs12Identity {
  const enveloped = contents.envelopedSkipped > 0 ? ' (its envelopedData part, public-key privacy mode, cannot be opened by node:tls or typetls)' : '';
  if (contents.privateKey === undefined) {
    throw pkcs12Error('ERR_TLS_PKCS12_NO_KEY', `it holds no private key${enveloped}: export it with the key (\`openssl pkcs12 -export -in cert.pem -inkey key.pem\`)`);
  }
  let key: PrivateKey;
  try {
    key = crypto.importPrivateKey(contents.privateKey);
  } catch (e) {
    throw pkcs12Error('ERR_TLS_PKCS12_UNSUPPORTED', `its private key cannot be imported: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  const certificates = contents.certificates.map((c, i) => {
    try {
      return parseCertificate(c.der);
    } catch (e) {
      throw pkcs12Error('ERR_TLS_PKCS12_MALFORMED', `its certificate #${i + 1} cannot be parsed: ${e instanceof Error ? e.message : String(e)}`, e);
    }
  });
  const index = certificates.findIndex((c) => {
    try {
      return crypto.samePublicKey(c.publicKey(crypto), key.publicKey);
    } catch {
      return false; // a public key the provider cannot import is not this key's
    }
  });
  const certificate = certificates[index];
  if (certificate === undefined) {
    throw pkcs12Error(
      'ERR_TLS_PKCS12_NO_CERTIFICATE',
      certificates.length === 0
        ? `it holds a private key but no certificate${enveloped}: export it with the certificate (\`openssl pkcs12 -export -in cert.pem -inkey key.pem\`)`
        : `none of its ${certificates.length} certificate(s) is for its private key${enveloped}: export it with the key's certificate`,
    );
  }
  return { key, certificate, extraCertificates: certificates.filter((_, i) => i !== index) };
}

/** decodePkcs12 then pkcs12Identity: what node:tls's `pfx` option takes from a file. */
export function readPkcs12(file: Uint8Array, password: string | undefined, crypto: CryptoProvider): Pkcs12Identity {
  return pkcs12Identity(decodePkcs12(file, password, crypto), crypto);
}

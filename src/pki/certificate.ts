// X.509 v3 certificate parsing (RFC 5280 §4.1), strict DER, and PEM bundles (RFC 7468).
import type { CryptoProvider, PublicKey } from '../crypto/provider.js';
import { TlsError } from '../errors.js';
import { AlertDescription } from '../wire/iana.js';
import { type KeyInfo, type X509SignatureAlgorithm, describeSpki, parseSignatureAlgorithm } from './algorithms.js';
import { DerReader, Tag, ctx, malformed } from './der.js';
import { type Extensions, parseExtensions } from './extensions.js';
import { type Name, attributeValues, equalBytes, nameToString, OID_CN, parseName } from './name.js';

const NO_EXTENSIONS: Extensions = { all: [], unknownCritical: [], badlyCritical: [], mustBeCritical: [] };

export class Certificate {
  /** The imported subject public key, once a signature needed it (anchors and issuers reuse it). */
  private key: PublicKey | undefined;
  private keyError: TlsError | undefined;
  /** Issuers whose signature on this certificate has been verified (positive results only). */
  private readonly signedBy = new WeakSet<Certificate>();

  constructor(
    /** The whole certificate, DER. */
    readonly raw: Uint8Array,
    /** The signed bytes: tbsCertificate with its header. */
    readonly tbs: Uint8Array,
    /** 1, 2 or 3. */
    readonly version: number,
    /** serialNumber contents (two's complement, as encoded). */
    readonly serial: Uint8Array,
    readonly signatureAlgorithm: X509SignatureAlgorithm,
    readonly signature: Uint8Array,
    readonly issuer: Name,
    readonly subject: Name,
    /** Milliseconds since the epoch. */
    readonly notBefore: number,
    readonly notAfter: number,
    /** subjectPublicKeyInfo, DER. */
    readonly spki: Uint8Array,
    readonly keyInfo: KeyInfo,
    readonly extensions: Extensions,
  ) {}

  /** Issuer and subject encode the same name (RFC 5280 §6.1: "self-issued"). */
  get selfIssued(): boolean {
    return equalBytes(this.issuer.raw, this.subject.raw);
  }

  get extKeyUsageOids(): readonly string[] | undefined {
    return this.extensions.extKeyUsage?.oids;
  }

  get isCA(): boolean {
    return this.extensions.basicConstraints?.ca === true;
  }

  /** A short description for messages: the subject's CN, else the whole subject. */
  get displayName(): string {
    const cn = attributeValues(this.subject, OID_CN);
    return cn.length > 0 ? `"${cn.join(', ')}"` : `"${nameToString(this.subject)}"`;
  }

  get subjectText(): string {
    return nameToString(this.subject);
  }

  get issuerText(): string {
    return nameToString(this.issuer);
  }

  /** Has `issuer`'s signature on this certificate been verified before (by any verification)? */
  knownSignedBy(issuer: Certificate): boolean {
    return this.signedBy.has(issuer);
  }

  /** Records a verified signature (a pure function of the two certificates, so safe to remember). */
  rememberSignedBy(issuer: Certificate): void {
    this.signedBy.add(issuer);
  }

  /** The imported public key, cached on this object. Throws a TlsError when it cannot be used. */
  publicKey(crypto: CryptoProvider): PublicKey {
    if (this.key !== undefined) return this.key;
    if (this.keyError !== undefined) throw this.keyError;
    try {
      this.key = crypto.importSpki(this.spki);
      return this.key;
    } catch (e) {
      this.keyError =
        e instanceof TlsError
          ? e
          : new TlsError('UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY', AlertDescription.bad_certificate, `the public key of ${this.displayName} cannot be imported`, { cause: e });
      throw this.keyError;
    }
  }
}

/** Parses one DER certificate strictly (RFC 5280 §4.1). Throws a TlsError (bad_certificate) when malformed. */
export function parseCertificate(der: Uint8Array): Certificate {
  const top = new DerReader(der);
  const c = top.sequence('Certificate');
  top.done('Certificate');
  const tbsEl = c.expect(Tag.SEQUENCE, 'tbsCertificate');
  const tbs = c.raw(tbsEl);
  const sigAlg = parseSignatureAlgorithm(c, 'signatureAlgorithm');
  const sig = c.bitString('signatureValue');
  if (sig.unused !== 0) throw malformed('signatureValue has unused bits');
  c.done('Certificate');

  const t = new DerReader(der, tbsEl.contentStart, tbsEl.end);
  let version = 1;
  if (t.peekTag() === ctx(0, true)) {
    const v = t.enter(ctx(0, true), 'version');
    version = v.smallInt('version') + 1;
    v.done('version');
    // DER: the DEFAULT v1 is never encoded; only v2 and v3 exist.
    if (version !== 2 && version !== 3) throw malformed(`certificate version ${version}`);
  }
  const serial = t.integer('serialNumber');
  const tbsSigAlg = parseSignatureAlgorithm(t, 'signature');
  // RFC 5280 §4.1.1.2: signatureAlgorithm MUST equal the signature field in tbsCertificate.
  if (!equalBytes(tbsSigAlg.raw, sigAlg.raw)) {
    throw new TlsError('CERT_SIGNATURE_FAILURE', AlertDescription.bad_certificate, 'certificate signatureAlgorithm differs from the one inside tbsCertificate');
  }
  const issuer = parseName(t, 'issuer');
  const validity = t.sequence('validity');
  const notBefore = validity.time('notBefore');
  const notAfter = validity.time('notAfter');
  validity.done('validity');
  const subject = parseName(t, 'subject');
  const { raw: spki, info } = describeSpki(t);
  if (t.peekTag() === ctx(1, false)) {
    if (version < 2) throw malformed('issuerUniqueID in a v1 certificate');
    t.bitString('issuerUniqueID', ctx(1, false));
  }
  if (t.peekTag() === ctx(2, false)) {
    if (version < 2) throw malformed('subjectUniqueID in a v1 certificate');
    t.bitString('subjectUniqueID', ctx(2, false));
  }
  let extensions = NO_EXTENSIONS;
  if (t.peekTag() === ctx(3, true)) {
    if (version !== 3) throw malformed('extensions in a certificate that is not v3');
    const x = t.enter(ctx(3, true), 'extensions');
    extensions = parseExtensions(x);
    x.done('extensions');
  }
  t.done('tbsCertificate');
  return new Certificate(der, tbs, version, serial, sigAlg, sig.bytes, issuer, subject, notBefore, notAfter, spki, info, extensions);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function badBase64(label: string): TlsError {
  return new TlsError('ERR_TLS_CERT_MALFORMED', AlertDescription.bad_certificate, `PEM ${label} block is not valid base64`);
}

/** Strict base64 (RFC 4648 §4) ignoring whitespace, as PEM bodies are (RFC 7468 §3). */
function base64Decode(s: string, label: string): Uint8Array {
  const out = new Uint8Array(Math.floor((s.length * 3) / 4) + 3);
  let acc = 0;
  let bits = 0;
  let n = 0;
  let pad = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
    if (c === 0x3d) {
      pad++;
      continue;
    }
    if (pad > 0) throw badBase64(label);
    const v = c < 128 ? B64_TABLE[c] : -1;
    if (v === undefined || v < 0) throw badBase64(label);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  // Leftover bits after k symbols: k%4 = 0 → 0 (no padding), 2 → 4 bits ("=="), 3 → 2 bits ("="); they must be zero.
  const wantPad = bits === 0 ? 0 : bits === 4 ? 2 : bits === 2 ? 1 : -1;
  if (wantPad !== pad || (acc & ((1 << bits) - 1)) !== 0) throw badBase64(label);
  return out.subarray(0, n);
}

const B64_TABLE: readonly number[] = Array.from({ length: 128 }, (_, c) => B64.indexOf(String.fromCharCode(c)));

/** All PEM blocks with the given label (default CERTIFICATE), as DER (RFC 7468). Text outside the blocks is ignored. */
export function parsePemBundle(pem: string, label = 'CERTIFICATE'): Uint8Array[] {
  const out: Uint8Array[] = [];
  const begin = `-----BEGIN ${label}-----`;
  const end = `-----END ${label}-----`;
  let at = 0;
  for (;;) {
    const b = pem.indexOf(begin, at);
    if (b < 0) break;
    const e = pem.indexOf(end, b + begin.length);
    if (e < 0) throw new TlsError('ERR_TLS_CERT_MALFORMED', AlertDescription.bad_certificate, `PEM ${label} block without its END line`);
    out.push(base64Decode(pem.slice(b + begin.length, e), label));
    at = e + end.length;
  }
  return out;
}

/** DER bytes from DER or PEM input (all blocks of the label). */
export function toDerList(input: string | Uint8Array, label = 'CERTIFICATE'): Uint8Array[] {
  if (typeof input !== 'string') return [input];
  const list = parsePemBundle(input, label);
  if (list.length === 0) throw new TlsError('ERR_TLS_CERT_MALFORMED', AlertDescription.bad_certificate, `no PEM ${label} block found`);
  return list;
}

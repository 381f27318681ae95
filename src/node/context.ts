// The "secure context" half of node:tls's options (certificates, keys, trust anchors, algorithm
// lists, versions), mapped onto typetls's CommonConfig fields, and typetls's createSecureContext().
import { Buffer } from 'node:buffer';
import type { CryptoProvider } from '../crypto/provider.js';
import type { PemOrDer } from '../conn/config.js';
import { TrustStore } from '../pki/trust-store.js';
import type { CertifiedKey, VersionName } from '../conn/types.js';
import { isTls13Suite, lookupGroup, lookupScheme, parseSuiteList, splitNameList, suiteNames } from '../wire/names.js';
import { CipherSuite, PskKeyExchangeMode } from '../wire/iana.js';
import { defaultCryptoProvider } from './default-provider.js';
import { cachedTrustStore, defaultTrustStore, trustStoreFor } from './verify.js';
import { describe, optionError } from './option-error.js';
import { certificatesFrom, looksLikePem, pemBlocks } from './pem.js';
import { mapPfx, withPfxCertificates, type PfxOption } from './pfx.js';
import type { Certificate } from '../pki/certificate.js';

export type PemValue = string | Uint8Array;
export type KeyValue = PemValue | { readonly pem: PemValue; readonly passphrase?: string };

/** node:tls createSecureContext() options that typetls understands (plus `crypto`). */
export interface SecureContextOptions {
  /** Trust anchors (PEM, possibly several per string, or DER). Replaces the default root store. */
  readonly ca?: PemValue | readonly PemValue[];
  /** Our certificate chain, leaf first (PEM may hold the whole chain); an array gives one chain per key. */
  readonly cert?: PemValue | readonly PemValue[];
  /** Private key(s) as PEM or DER; `{ pem, passphrase }` as node:tls. */
  readonly key?: KeyValue | readonly KeyValue[];
  readonly passphrase?: string;
  /**
   * PKCS#12 (.p12/.pfx) files, DER: a Buffer, or an array of Buffers and `{ buf, passphrase }`, as
   * node:tls. Each gives a certificate and key; the files' other certificates are sent as its chain
   * and trusted, as node:tls does (src/node/pfx.ts).
   */
  readonly pfx?: PfxOption;
  readonly crl?: PemValue | readonly PemValue[];
  /** OpenSSL cipher list; IANA names (TLS_AES_128_GCM_SHA256) and OpenSSL names both work. */
  readonly ciphers?: string;
  /** TLS 1.3 suites (OpenSSL's -ciphersuites); overrides the TLS 1.3 part of `ciphers`. */
  readonly ciphersuites?: string;
  /** Groups, e.g. 'X25519:P-256' (also x25519, secp256r1, prime256v1); 'auto' = default. */
  readonly ecdhCurve?: string;
  /** Signature schemes, IANA (ecdsa_secp256r1_sha256) or OpenSSL (ECDSA+SHA256) spelling. */
  readonly sigalgs?: string;
  readonly minVersion?: string;
  readonly maxVersion?: string;
  /** node's legacy version selector; only 'TLS_method', 'TLSv1_2_method', 'TLSv1_3_method' fit typetls. */
  readonly secureProtocol?: string;
  /** OpenSSL's SSL_OP_* flags (crypto.constants), ORed; see mapSecureOptions for what each does here. */
  readonly secureOptions?: number;
  /** typetls extra: the crypto provider (default: node:crypto). */
  readonly crypto?: CryptoProvider;
}

const defaultSuites: readonly number[] = [
  CipherSuite.TLS_AES_128_GCM_SHA256,
  CipherSuite.TLS_AES_256_GCM_SHA384,
  CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
  CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
  CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
  CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
  CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
  CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
  CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
];

/** The CommonConfig fields a secure context decides. */
export interface ContextFields {
  crypto?: CryptoProvider;
  /** A TrustStore built once per context (each handshake then reuses its anchors and cache). */
  ca?: readonly PemOrDer[] | TrustStore;
  crl?: readonly PemOrDer[];
  cipherSuites?: readonly number[];
  groups?: readonly number[];
  signatureSchemes?: readonly number[];
  minVersion?: VersionName;
  maxVersion?: VersionName;
  encryptThenMac?: boolean;
  pskModes?: readonly number[];
  tickets12?: boolean;
  legacyServerConnect?: boolean;
}

function list<T>(v: T | readonly T[] | undefined): readonly T[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? (v as readonly T[]) : [v as T];
}

function isPemValue(v: unknown): v is PemValue {
  return typeof v === 'string' || v instanceof Uint8Array;
}

/** Trust anchors as DER; without `ca`, node's root store (tls.rootCertificates), parsed once. */
export function mapCa(ca: SecureContextOptions['ca'], option = 'ca'): readonly PemOrDer[] | TrustStore {
  // Node's root store, parsed once per process (src/node/verify.ts), as node:tls does.
  if (ca === undefined) return defaultTrustStore();
  const items = list(ca);
  // The same `ca` again (connect({ ca }) on every connection): the store parsed then, no decoding.
  if (items.every(isPemValue)) {
    const hit = cachedTrustStore(items);
    if (hit !== undefined) return hit;
  }
  const out: Uint8Array[] = [];
  for (const v of items) {
    if (!isPemValue(v)) throw optionError(option, `expected PEM text or a DER buffer (or an array of them), got ${describe(v)}`);
    try {
      out.push(...certificatesFrom(v, option));
    } catch (e) {
      throw optionError(option, e instanceof Error ? e.message : String(e), e);
    }
  }
  return out;
}

function mapCrl(crl: SecureContextOptions['crl']): readonly PemOrDer[] {
  const out: Uint8Array[] = [];
  for (const v of list(crl)) {
    if (!isPemValue(v)) throw optionError('crl', `expected PEM text or a DER buffer, got ${describe(v)}`);
    if (typeof v !== 'string' && !looksLikePem(v)) out.push(v);
    else {
      const blocks = pemBlocks(typeof v === 'string' ? v : Buffer.from(v).toString('latin1')).filter((b) => b.label === 'X509 CRL');
      if (blocks.length === 0) throw optionError('crl', 'holds no PEM X509 CRL block');
      out.push(...blocks.map((b) => b.der));
    }
  }
  return out;
}

/** Certificate chains paired with private keys (by position, as node:tls's arrays). */
function mapCertificates(o: SecureContextOptions, provider: CryptoProvider): CertifiedKey[] {
  const certs = list(o.cert);
  const keys = list(o.key);
  if (certs.length === 0 && keys.length === 0) return [];
  if (certs.length === 0) throw optionError('cert', 'a `key` was given without a `cert`');
  if (keys.length === 0) throw optionError('key', 'a `cert` was given without a `key`');
  if (certs.length !== keys.length) {
    throw optionError('cert', `${certs.length} certificate chain(s) but ${keys.length} key(s); give one key per chain`);
  }
  return certs.map((c, i) => {
    if (!isPemValue(c)) throw optionError('cert', `expected PEM text or a DER buffer, got ${describe(c)}`);
    let chain: Uint8Array[];
    try {
      chain = certificatesFrom(c, 'cert');
    } catch (e) {
      throw optionError('cert', e instanceof Error ? e.message : String(e), e);
    }
    const k = keys[i];
    const pem = isPemValue(k) ? k : k?.pem;
    const passphrase = isPemValue(k) ? o.passphrase : (k?.passphrase ?? o.passphrase);
    if (pem === undefined || !isPemValue(pem)) throw optionError('key', `expected PEM text, a DER buffer or { pem, passphrase }, got ${describe(k)}`);
    try {
      const key = passphrase === undefined ? provider.importPrivateKey(pem) : provider.importPrivateKey(pem, passphrase);
      return { chain, key };
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw optionError('key', `cannot import the private key${passphrase === undefined ? '' : ' (with the passphrase)'}: ${why}`, e);
    }
  });
}

function mapVersion(option: string, v: string | undefined, isMin: boolean): VersionName | undefined {
  if (v === undefined) return undefined;
  if (v === 'TLSv1.3' || v === 'TLSv1.2') return v;
  // Older versions are not implemented; as a lower bound they simply mean "whatever we have".
  if (isMin && (v === 'TLSv1' || v === 'TLSv1.1')) return 'TLSv1.2';
  throw optionError(option, `${describe(v)} is not a version typetls speaks (use 'TLSv1.2' or 'TLSv1.3')`);
}

/** Splits an OpenSSL list into typetls's suites; node's rule: a list without TLS 1.3 suites turns TLS 1.3 off. */
function mapSuites(o: SecureContextOptions, f: ContextFields): void {
  if (o.ciphers === undefined && o.ciphersuites === undefined) return;
  let suites: readonly number[] = defaultSuites;
  if (o.ciphers !== undefined) {
    if (typeof o.ciphers !== 'string') throw optionError('ciphers', `expected a ':'-separated string, got ${describe(o.ciphers)}`);
    const r = parseSuiteList(o.ciphers, defaultSuites);
    if (!r.ok) throw optionError('ciphers', `unknown cipher ${describe(r.bad)} (known: ${suiteNames.map((s) => s.openssl).join(', ')})`);
    suites = r.suites;
  }
  let tls13 = suites.filter(isTls13Suite);
  let tls12 = suites.filter((s) => !isTls13Suite(s));
  if (o.ciphersuites !== undefined) {
    if (typeof o.ciphersuites !== 'string') throw optionError('ciphersuites', `expected a ':'-separated string, got ${describe(o.ciphersuites)}`);
    const r = parseSuiteList(o.ciphersuites, defaultSuites.filter(isTls13Suite));
    if (!r.ok) throw optionError('ciphersuites', `unknown cipher suite ${describe(r.bad)}`);
    const bad = r.suites.find((s) => !isTls13Suite(s));
    if (bad !== undefined) throw optionError('ciphersuites', `${suiteNames.find((s) => s.code === bad)?.iana ?? bad} is not a TLS 1.3 suite (put it in \`ciphers\`)`);
    tls13 = [...r.suites];
    if (o.ciphers === undefined) tls12 = defaultSuites.filter((s) => !isTls13Suite(s));
  }
  if (tls13.length === 0 && tls12.length === 0) throw optionError(o.ciphers !== undefined ? 'ciphers' : 'ciphersuites', 'selects no cipher suite typetls implements');
  f.cipherSuites = Object.freeze([...tls13, ...tls12]);
  // node:tls: no TLS 1.3 suite means TLS 1.2 only, and no TLS 1.2 suite means TLS 1.3 only.
  if (tls13.length === 0) {
    if (f.minVersion === 'TLSv1.3') throw optionError('ciphers', 'has no TLS 1.3 suite but minVersion is TLSv1.3');
    f.maxVersion = 'TLSv1.2';
  }
  if (tls12.length === 0) {
    if (f.maxVersion === 'TLSv1.2') throw optionError('ciphers', 'has no TLS 1.2 suite but maxVersion is TLSv1.2');
    f.minVersion = 'TLSv1.3';
  }
}

/** OpenSSL's SSL_OP_* values (node's crypto.constants), those typetls reads. */
const SSL_OP = {
  LEGACY_SERVER_CONNECT: 0x4,
  ALLOW_NO_DHE_KEX: 0x400,
  NO_TICKET: 0x4000,
  NO_ENCRYPT_THEN_MAC: 0x80000,
  NO_TLSv1_2: 0x8000000,
  NO_TLSv1_3: 0x20000000,
} as const;

/**
 * node:tls's `secureOptions`. What typetls does with each flag:
 * - SSL_OP_NO_TLSv1_3 / SSL_OP_NO_TLSv1_2: that version off (both: no version left, refused);
 * - SSL_OP_NO_TICKET: no TLS 1.2 session tickets, session IDs only (TLS 1.3 tickets stay, as OpenSSL
 *   then issues stateful ones);
 * - SSL_OP_NO_ENCRYPT_THEN_MAC: RFC 7366 off for TLS 1.2 CBC suites;
 * - SSL_OP_ALLOW_NO_DHE_KEX: TLS 1.3 resumption may skip the (EC)DHE exchange (psk_ke, after psk_dhe_ke);
 * - SSL_OP_LEGACY_SERVER_CONNECT: a client may connect to a TLS 1.2 server without RFC 5746;
 * - every other flag is already typetls's behaviour or has no meaning here: SSLv2/SSLv3/TLS 1.0/1.1
 *   are never spoken, renegotiation and compression never happen, the server always picks the suite
 *   by its own order (SSL_OP_CIPHER_SERVER_PREFERENCE), and the OpenSSL bug workarounds concern
 *   OpenSSL.
 */
function mapSecureOptions(v: number | undefined, f: ContextFields): void {
  if (v === undefined) return;
  // Flags ORed in JavaScript are a signed 32-bit number once SSL_OP_ALL (bit 31) is among them.
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff) {
    throw optionError('secureOptions', `expected SSL_OP_* flags from crypto.constants (a 32-bit integer), got ${describe(v)}`);
  }
  const has = (bit: number): boolean => (v & bit) !== 0;
  if (has(SSL_OP.NO_TLSv1_3) && has(SSL_OP.NO_TLSv1_2)) throw optionError('secureOptions', 'SSL_OP_NO_TLSv1_2 and SSL_OP_NO_TLSv1_3 together leave no version typetls speaks');
  if (has(SSL_OP.NO_TLSv1_3)) {
    if (f.minVersion === 'TLSv1.3') throw optionError('secureOptions', 'SSL_OP_NO_TLSv1_3 with minVersion TLSv1.3 leaves no version');
    f.maxVersion = 'TLSv1.2';
  }
  if (has(SSL_OP.NO_TLSv1_2)) {
    if (f.maxVersion === 'TLSv1.2') throw optionError('secureOptions', 'SSL_OP_NO_TLSv1_2 with maxVersion TLSv1.2 leaves no version');
    f.minVersion = 'TLSv1.3';
  }
  if (has(SSL_OP.NO_TICKET)) f.tickets12 = false;
  if (has(SSL_OP.NO_ENCRYPT_THEN_MAC)) f.encryptThenMac = false;
  if (has(SSL_OP.ALLOW_NO_DHE_KEX)) f.pskModes = Object.freeze([PskKeyExchangeMode.psk_dhe_ke, PskKeyExchangeMode.psk_ke]);
  if (has(SSL_OP.LEGACY_SERVER_CONNECT)) f.legacyServerConnect = true;
}

/** Maps the algorithm, version and trust options (everything but certificates). */
function mapContextFields(o: SecureContextOptions): ContextFields {
  const f: ContextFields = {};
  // One provider per context, shared by its connections (a provider holds no per-connection state).
  f.crypto = o.crypto ?? defaultCryptoProvider();
  f.ca = mapCa(o.ca);
  if (o.crl !== undefined) f.crl = mapCrl(o.crl);
  const min = mapVersion('minVersion', o.minVersion, true);
  const max = mapVersion('maxVersion', o.maxVersion, false);
  if (min !== undefined) f.minVersion = min;
  if (max !== undefined) f.maxVersion = max;
  if (o.secureProtocol !== undefined) {
    const p = o.secureProtocol;
    if (p === 'TLSv1_2_method') f.minVersion = f.maxVersion = 'TLSv1.2';
    else if (p === 'TLSv1_3_method') f.minVersion = f.maxVersion = 'TLSv1.3';
    else if (p !== 'TLS_method' && p !== 'SSLv23_method') throw optionError('secureProtocol', `${describe(p)} selects a protocol typetls does not speak`);
  }
  mapSecureOptions(o.secureOptions, f);
  if (f.minVersion === 'TLSv1.3' && f.maxVersion === 'TLSv1.2') throw optionError('minVersion', 'TLSv1.3 is above maxVersion TLSv1.2');
  mapSuites(o, f);
  if (o.ecdhCurve !== undefined) {
    if (typeof o.ecdhCurve !== 'string') throw optionError('ecdhCurve', `expected a ':'-separated string, got ${describe(o.ecdhCurve)}`);
    if (o.ecdhCurve.toLowerCase() !== 'auto') {
      const groups = splitNameList(o.ecdhCurve).map((n) => {
        const g = lookupGroup(n);
        if (g === undefined) throw optionError('ecdhCurve', `unknown group ${describe(n)} (known: X25519, X448, P-256, P-384, P-521, ffdhe2048…)`);
        return g;
      });
      if (groups.length === 0) throw optionError('ecdhCurve', 'names no group');
      f.groups = Object.freeze(groups);
    }
  }
  if (o.sigalgs !== undefined) {
    if (typeof o.sigalgs !== 'string') throw optionError('sigalgs', `expected a ':'-separated string, got ${describe(o.sigalgs)}`);
    const schemes = splitNameList(o.sigalgs).map((n) => {
      const s = lookupScheme(n);
      if (s === undefined) throw optionError('sigalgs', `unknown signature algorithm ${describe(n)}`);
      return s;
    });
    if (schemes.length === 0) throw optionError('sigalgs', 'names no signature algorithm');
    f.signatureSchemes = Object.freeze(schemes);
  }
  return f;
}

const NO_ENGINES = 'OpenSSL engines are not available in typetls: pass the private key itself as `key`';

/**
 * node:tls options typetls does not implement. Ignoring one would change what the application gets
 * without telling it (no certificate, no PSK authentication), so each is refused with
 * what to do instead. Unknown names are still ignored, as node:tls does (http passes its options on).
 */
const UNSUPPORTED: Readonly<Record<string, string>> = Object.freeze({
  privateKeyEngine: NO_ENGINES,
  privateKeyIdentifier: NO_ENGINES,
  clientCertEngine: NO_ENGINES,
});

/** Throws for a node:tls option typetls does not implement (set to anything but undefined, null or false). */
export function refuseUnsupported(options: object): void {
  for (const name in UNSUPPORTED) {
    const v = (options as Record<string, unknown>)[name];
    if (v !== undefined && v !== null && v !== false) throw optionError(name, UNSUPPORTED[name] as string);
  }
}

/** The trust anchors with the pfx files' other certificates added (node:tls adds them to its store). */
function withAnchors(ca: readonly PemOrDer[] | TrustStore, extra: readonly Certificate[]): readonly PemOrDer[] | TrustStore {
  if (ca instanceof TrustStore) return TrustStore.fromCertificates([...ca.anchors, ...extra], { strictAnchors: ca.strictAnchors });
  return [...ca, ...extra.map((c) => c.raw)];
}

/** typetls's secure context: the mapped options, with keys imported once. */
export class SecureContext {
  readonly options: SecureContextOptions;
  readonly certificates: readonly CertifiedKey[];
  readonly fields: ContextFields;
  /**
   * The subjects a server names in its CertificateRequest, as node:tls's client CA list: the `ca`
   * certificates, then the pfx files' other certificates; never the default root store.
   */
  readonly certificateAuthorities: readonly Uint8Array[];

  constructor(options: SecureContextOptions = {}) {
    refuseUnsupported(options);
    this.options = Object.freeze({ ...options });
    const fields = mapContextFields(options);
    if (options.ca !== undefined && fields.ca !== undefined && !(fields.ca instanceof TrustStore)) {
      // Parsed once per distinct list rather than per connection (anchors, their keys, recently seen
      // chains; src/node/verify.ts). A `ca` that does not parse keeps its old path: the error
      // surfaces when a chain is verified.
      try {
        fields.ca = trustStoreFor(fields.ca, list(options.ca));
      } catch {
        // keep the DER list
      }
    }
    const crypto = fields.crypto ?? defaultCryptoProvider();
    // node:tls reads `cert`/`key` first, then `pfx` (src/node/pfx.ts).
    const certificates = mapCertificates(options, crypto);
    const pfx = options.pfx === undefined || options.pfx === null ? undefined : mapPfx(options.pfx, options.passphrase, crypto);
    const extra = pfx?.extraCertificates ?? [];
    const named = options.ca !== undefined && fields.ca instanceof TrustStore ? fields.ca.anchors : [];
    this.certificateAuthorities = Object.freeze([...named, ...extra].map((c) => c.subject.raw));
    if (extra.length > 0 && fields.ca !== undefined) fields.ca = withAnchors(fields.ca, extra);
    this.fields = Object.freeze(fields);
    this.certificates = Object.freeze(withPfxCertificates(certificates, pfx?.certificates ?? []));
  }
}

/** node:tls.createSecureContext, typetls flavour (accepted by SNICallback, addContext, `secureContext`). */
export function createSecureContext(options: SecureContextOptions = {}): SecureContext {
  return new SecureContext(options);
}

/** A SecureContext, or `{ cert, key }`-style options turned into one (SNICallback, addContext). */
export function toSecureContext(value: unknown, option: string): SecureContext {
  if (value instanceof SecureContext) return value;
  if (typeof value === 'object' && value !== null) {
    if ('context' in value && !('cert' in value)) {
      throw optionError(option, "got a node:tls SecureContext; typetls cannot read its keys: use typetls's createSecureContext({ cert, key })");
    }
    return new SecureContext(value as SecureContextOptions);
  }
  throw optionError(option, `expected a SecureContext from typetls's createSecureContext() or { cert, key }, got ${describe(value)}`);
}

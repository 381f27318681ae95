// Turns a ClientConfig/ServerConfig into a validated, frozen ResolvedConfig with secure defaults
// (shared/STYLE.md, habit 15). A bad option raises an error that names it.
import type { CryptoProvider } from '../crypto/provider.js';
import { CipherSuite as CS, NamedGroup as G, ProtocolVersion, PskKeyExchangeMode, suiteName, groupName, schemeName } from '../wire/iana.js';
import { TlsError } from '../errors.js';
import { AlertDescription } from '../wire/iana.js';
import { DEFAULT_SIGNATURE_SCHEMES, schemeInfo } from '../handshake/schemes.js';
import type { CommonConfig } from './config.js';
import type { ConnectionListener, VersionName } from './types.js';
import type { CertificateVerifier } from '../handshake/verifier.js';
import { suite12 } from '../keys/suites12.js';

export const TLS13_SUITES: readonly number[] = Object.freeze([CS.TLS_AES_128_GCM_SHA256, CS.TLS_AES_256_GCM_SHA384, CS.TLS_CHACHA20_POLY1305_SHA256]);
const DEFAULT_GROUPS: readonly number[] = Object.freeze([G.x25519, G.secp256r1, G.secp384r1]);
const NONE: readonly never[] = Object.freeze([]);
const DEFAULT_PSK_MODES: readonly number[] = Object.freeze([PskKeyExchangeMode.psk_dhe_ke]);

/** Date.now, as the default clock (a constant function, so a resolved config captures nothing else). */
const systemNow = (): number => Date.now();

/** One randomBytes function per provider (not one closure per resolved config, i.e. per connection). */
const randomOf = new WeakMap<CryptoProvider, (n: number) => Uint8Array>();

function providerRandom(crypto: CryptoProvider): (n: number) => Uint8Array {
  let f = randomOf.get(crypto);
  if (f === undefined) {
    f = (n) => crypto.randomBytes(n);
    randomOf.set(crypto, f);
  }
  return f;
}

/**
 * The list as the resolved config keeps it: a frozen input is shared as it is (a server's or a
 * context's connections then hold one copy between them), anything else is copied and frozen.
 */
function frozen<T>(list: readonly T[]): readonly T[] {
  return Object.isFrozen(list) ? list : Object.freeze([...list]);
}

/** `list`, or `whole` when they hold the same values in the same order (shares the constant). */
function sameOr(list: readonly number[], whole: readonly number[]): readonly number[] {
  return list.length === whole.length && list.every((v, i) => v === whole[i]) ? whole : interned(list);
}

/**
 * Code point lists (suites, groups, the schemes two peers share) shared between configs and
 * connections with the same contents: a client that passes the same `ciphers` to every connect()
 * keeps one frozen copy, not one per connection. A memo of immutable values, so it changes no
 * result; bounded: emptied when it reaches INTERNED_MAX distinct lists.
 */
const INTERNED_MAX = 256;
const internedLists = new Map<string, readonly number[]>();

export function interned(list: readonly number[]): readonly number[] {
  const key = list.join(',');
  let found = internedLists.get(key);
  if (found === undefined) {
    if (internedLists.size >= INTERNED_MAX) internedLists.clear();
    found = Object.freeze([...list]);
    internedLists.set(key, found);
  }
  return found;
}

export interface ResolvedConfig {
  readonly crypto: CryptoProvider;
  readonly minVersion: number;
  readonly maxVersion: number;
  readonly suites13: readonly number[];
  readonly suites12: readonly number[];
  readonly groups: readonly number[];
  readonly signatureSchemes: readonly number[];
  readonly alpn: readonly string[];
  readonly rejectUnauthorized: boolean;
  readonly random: (n: number) => Uint8Array;
  readonly now: () => number;
  readonly listener: ConnectionListener | undefined;
  readonly keylog: boolean;
  readonly trace: boolean;
  readonly verifier: CertificateVerifier;
  /** RFC 8449 limit we announce, when configured. */
  readonly recordSizeLimit: number | undefined;
  /** TLS 1.3 PSK key exchange modes offered (client) or accepted (server). */
  readonly pskModes: readonly number[];
  readonly requireExtendedMasterSecret: boolean;
  readonly encryptThenMac: boolean;
  readonly tickets12: boolean;
  readonly legacyServerConnect: boolean;
}

export function configError(option: string, message: string): TlsError {
  return new TlsError('ERR_INVALID_ARG_VALUE', AlertDescription.internal_error, `invalid option ${option}: ${message}`);
}

function versionCode(v: VersionName | undefined, option: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (v === 'TLSv1.3') return ProtocolVersion.TLSv1_3;
  if (v === 'TLSv1.2') return ProtocolVersion.TLSv1_2;
  throw configError(option, `${String(v)} is not supported (use 'TLSv1.2' or 'TLSv1.3'; older versions are refused)`);
}

/** Versions implemented by the handshake so far. */
export interface Capabilities {
  readonly suites12: readonly number[];
  readonly defaultSuites12: readonly number[];
}

export function resolveCommon(
  c: CommonConfig,
  defaultProvider: () => CryptoProvider,
  makeVerifier: (crypto: CryptoProvider, now: () => number) => CertificateVerifier,
  caps: Capabilities,
): ResolvedConfig {
  const crypto = c.crypto ?? defaultProvider();
  const now = c.now ?? systemNow;
  const minVersion = versionCode(c.minVersion, 'minVersion', ProtocolVersion.TLSv1_2);
  const maxVersion = versionCode(c.maxVersion, 'maxVersion', ProtocolVersion.TLSv1_3);
  if (minVersion > maxVersion) throw configError('minVersion', `${c.minVersion} is above maxVersion ${c.maxVersion}`);

  let suites13: readonly number[] = TLS13_SUITES;
  let suites12: readonly number[] = caps.defaultSuites12;
  if (c.cipherSuites !== undefined) {
    const s13: number[] = [];
    const s12: number[] = [];
    for (const s of c.cipherSuites) {
      if (TLS13_SUITES.includes(s)) s13.push(s);
      else if (caps.suites12.includes(s)) s12.push(s);
      else if (suite12(s)?.psk === true) throw configError('cipherSuites', `${suiteName(s)} is a PSK suite: it needs a pre-shared key (the psk option)`);
      else throw configError('cipherSuites', `${suiteName(s)} is not supported`);
    }
    suites13 = sameOr(s13, TLS13_SUITES);
    suites12 = sameOr(s12, caps.defaultSuites12);
  }
  const tls13 = maxVersion >= ProtocolVersion.TLSv1_3;
  const tls12 = minVersion <= ProtocolVersion.TLSv1_2 && caps.suites12.length > 0;
  if (tls13 && suites13.length === 0 && !(tls12 && suites12.length > 0)) {
    throw configError('cipherSuites', 'no usable cipher suite for the enabled versions');
  }
  const effectiveMin = tls12 ? minVersion : ProtocolVersion.TLSv1_3;
  if (effectiveMin > maxVersion) throw configError('maxVersion', 'TLS 1.2 is not available in this build; allow TLS 1.3');

  const supported = crypto.supportedGroups();
  const groups = c.groups !== undefined ? (Object.isFrozen(c.groups) ? c.groups : interned(c.groups)) : sameOr(DEFAULT_GROUPS.filter((g) => supported.includes(g)), DEFAULT_GROUPS);
  if (groups.length === 0) throw configError('groups', 'no key exchange group');
  for (const g of groups) if (!supported.includes(g)) throw configError('groups', `${groupName(g)} is not supported by the crypto provider`);
  if (new Set(groups).size !== groups.length) throw configError('groups', 'a group is listed twice');

  const signatureSchemes = c.signatureSchemes ?? DEFAULT_SIGNATURE_SCHEMES;
  for (const s of signatureSchemes) if (!schemeInfo(s)) throw configError('signatureSchemes', `${schemeName(s)} is not supported`);

  const alpn = c.alpnProtocols ?? NONE;
  for (const p of alpn) {
    if (p.length === 0 || p.length > 255) throw configError('alpnProtocols', `protocol name "${p}" must be 1 to 255 bytes`);
  }

  const recordSizeLimit = c.recordSizeLimit;
  if (recordSizeLimit !== undefined && (!Number.isInteger(recordSizeLimit) || recordSizeLimit < 64 || recordSizeLimit > 16385)) {
    throw configError('recordSizeLimit', `${recordSizeLimit} is not an integer from 64 to 16385 (RFC 8449)`);
  }
  const pskModes = c.pskModes ?? DEFAULT_PSK_MODES;
  for (const m of pskModes) {
    if (m !== PskKeyExchangeMode.psk_dhe_ke && m !== PskKeyExchangeMode.psk_ke) throw configError('pskModes', `${m} is not a PSK key exchange mode (0 psk_ke, 1 psk_dhe_ke)`);
  }

  return Object.freeze({
    recordSizeLimit,
    pskModes: frozen(pskModes),
    crypto,
    minVersion: effectiveMin,
    maxVersion,
    suites13: tls13 ? suites13 : NONE,
    suites12: tls12 ? suites12 : NONE,
    groups,
    signatureSchemes: frozen(signatureSchemes),
    alpn: frozen(alpn),
    rejectUnauthorized: c.rejectUnauthorized ?? true,
    random: c.random ?? providerRandom(crypto),
    now,
    listener: c.listener,
    keylog: c.keylog ?? false,
    trace: c.trace ?? false,
    verifier: makeVerifier(crypto, now),
    requireExtendedMasterSecret: c.requireExtendedMasterSecret ?? false,
    encryptThenMac: c.encryptThenMac ?? true,
    tickets12: c.tickets12 ?? true,
    legacyServerConnect: c.legacyServerConnect ?? false,
  });
}

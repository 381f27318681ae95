// Spellings of cipher suites, groups and signature schemes outside the IANA registry: OpenSSL's names
// (node:tls's `ciphers`, `ecdhCurve`, `sigalgs`, and openssl's command line) and the usual aliases.
// The IANA names themselves live in ./iana.ts; everything here maps onto those code points.
import { CipherSuite, NamedGroup, SignatureScheme } from './iana.js';

export interface SuiteNames {
  readonly code: number;
  /** IANA name, e.g. TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256. */
  readonly iana: string;
  /** OpenSSL's name, e.g. ECDHE-ECDSA-AES128-GCM-SHA256 (TLS 1.3 suites keep their IANA name). */
  readonly openssl: string;
  /** The oldest protocol version the suite belongs to, as OpenSSL reports it (node's getCipher().version). */
  readonly since: 'TLSv1.3' | 'TLSv1.2' | 'TLSv1' | 'SSLv3';
}

const suiteTable: readonly (readonly [keyof typeof CipherSuite, string, SuiteNames['since']])[] = [
  ['TLS_AES_128_GCM_SHA256', 'TLS_AES_128_GCM_SHA256', 'TLSv1.3'],
  ['TLS_AES_256_GCM_SHA384', 'TLS_AES_256_GCM_SHA384', 'TLSv1.3'],
  ['TLS_CHACHA20_POLY1305_SHA256', 'TLS_CHACHA20_POLY1305_SHA256', 'TLSv1.3'],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256', 'TLSv1.2'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'TLSv1.2'],
  ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'TLSv1.2'],
  ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ECDHE-RSA-AES256-GCM-SHA384', 'TLSv1.2'],
  ['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-RSA-CHACHA20-POLY1305', 'TLSv1.2'],
  ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'TLSv1.2'],
  ['TLS_RSA_WITH_AES_128_GCM_SHA256', 'AES128-GCM-SHA256', 'TLSv1.2'],
  ['TLS_RSA_WITH_AES_256_GCM_SHA384', 'AES256-GCM-SHA384', 'TLSv1.2'],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'ECDHE-ECDSA-AES128-SHA', 'TLSv1'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'ECDHE-ECDSA-AES256-SHA', 'TLSv1'],
  ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'ECDHE-RSA-AES128-SHA', 'TLSv1'],
  ['TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'ECDHE-RSA-AES256-SHA', 'TLSv1'],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 'ECDHE-ECDSA-AES128-SHA256', 'TLSv1.2'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384', 'ECDHE-ECDSA-AES256-SHA384', 'TLSv1.2'],
  ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', 'ECDHE-RSA-AES128-SHA256', 'TLSv1.2'],
  ['TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', 'ECDHE-RSA-AES256-SHA384', 'TLSv1.2'],
  ['TLS_RSA_WITH_AES_128_CBC_SHA', 'AES128-SHA', 'SSLv3'],
  ['TLS_RSA_WITH_AES_256_CBC_SHA', 'AES256-SHA', 'SSLv3'],
  ['TLS_RSA_WITH_AES_128_CBC_SHA256', 'AES128-SHA256', 'TLSv1.2'],
  ['TLS_RSA_WITH_AES_256_CBC_SHA256', 'AES256-SHA256', 'TLSv1.2'],
  ['TLS_PSK_WITH_AES_128_GCM_SHA256', 'PSK-AES128-GCM-SHA256', 'TLSv1.2'],
  ['TLS_PSK_WITH_AES_256_GCM_SHA384', 'PSK-AES256-GCM-SHA384', 'TLSv1.2'],
  ['TLS_PSK_WITH_CHACHA20_POLY1305_SHA256', 'PSK-CHACHA20-POLY1305', 'TLSv1.2'],
  ['TLS_PSK_WITH_AES_128_CBC_SHA256', 'PSK-AES128-CBC-SHA256', 'TLSv1'],
  ['TLS_PSK_WITH_AES_256_CBC_SHA384', 'PSK-AES256-CBC-SHA384', 'TLSv1'],
  ['TLS_PSK_WITH_AES_128_CBC_SHA', 'PSK-AES128-CBC-SHA', 'SSLv3'],
  ['TLS_PSK_WITH_AES_256_CBC_SHA', 'PSK-AES256-CBC-SHA', 'SSLv3'],
  ['TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-PSK-CHACHA20-POLY1305', 'TLSv1.2'],
  ['TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256', 'ECDHE-PSK-AES128-CBC-SHA256', 'TLSv1'],
  ['TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384', 'ECDHE-PSK-AES256-CBC-SHA384', 'TLSv1'],
  ['TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA', 'ECDHE-PSK-AES128-CBC-SHA', 'TLSv1'],
  ['TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA', 'ECDHE-PSK-AES256-CBC-SHA', 'TLSv1'],
];

/** Every cipher suite typetls knows by name (signalling values excluded), in the table's order. */
export const suiteNames: readonly SuiteNames[] = suiteTable.map(([iana, openssl, since]) => ({
  code: CipherSuite[iana],
  iana,
  openssl,
  since,
}));

/** The names of a suite by code point; undefined for a suite typetls does not know. */
export function suiteNamesOf(code: number): SuiteNames | undefined {
  return suiteNames.find((s) => s.code === code);
}

/** A suite by IANA or OpenSSL name (case-insensitive); undefined when unknown. */
export function lookupSuite(name: string): SuiteNames | undefined {
  const lower = name.toLowerCase();
  return suiteNames.find((s) => s.iana.toLowerCase() === lower || s.openssl.toLowerCase() === lower);
}

/** TLS 1.3 suites have code points 0x13xx (RFC 8446 §B.4). */
export function isTls13Suite(code: number): boolean {
  return code >> 8 === 0x13;
}

// OpenSSL/node spellings of groups (`ecdhCurve`, `-groups`), besides the IANA names.
const groupAliases: Readonly<Record<string, number>> = {
  'p-256': NamedGroup.secp256r1,
  prime256v1: NamedGroup.secp256r1,
  'p-384': NamedGroup.secp384r1,
  'p-521': NamedGroup.secp521r1,
  x25519mlkem768: NamedGroup.X25519MLKEM768,
};

/** A name table indexed by lower-case name, with the aliases (built once, at load). */
function lowerIndex(table: Readonly<Record<string, number>>, aliases: Readonly<Record<string, number>>): ReadonlyMap<string, number> {
  const m = new Map<string, number>();
  for (const [k, v] of Object.entries(aliases)) m.set(k, v);
  // IANA names win over an alias spelled the same.
  for (const [k, v] of Object.entries(table)) m.set(k.toLowerCase(), v);
  return m;
}

const groupsByName = lowerIndex(NamedGroup, groupAliases);

/** A group by IANA name (x25519, secp256r1) or OpenSSL alias (X25519, P-256, prime256v1); case-insensitive. */
export function lookupGroup(name: string): number | undefined {
  return groupsByName.get(name.toLowerCase());
}

// OpenSSL's `sig+hash` spellings (SSL_CONF "SignatureAlgorithms"), besides the IANA names.
const schemeAliases: Readonly<Record<string, number>> = {
  'rsa+sha1': SignatureScheme.rsa_pkcs1_sha1,
  'rsa+sha256': SignatureScheme.rsa_pkcs1_sha256,
  'rsa+sha384': SignatureScheme.rsa_pkcs1_sha384,
  'rsa+sha512': SignatureScheme.rsa_pkcs1_sha512,
  'ecdsa+sha1': SignatureScheme.ecdsa_sha1,
  'ecdsa+sha256': SignatureScheme.ecdsa_secp256r1_sha256,
  'ecdsa+sha384': SignatureScheme.ecdsa_secp384r1_sha384,
  'ecdsa+sha512': SignatureScheme.ecdsa_secp521r1_sha512,
  'rsa-pss+sha256': SignatureScheme.rsa_pss_rsae_sha256,
  'rsa-pss+sha384': SignatureScheme.rsa_pss_rsae_sha384,
  'rsa-pss+sha512': SignatureScheme.rsa_pss_rsae_sha512,
  'pss+sha256': SignatureScheme.rsa_pss_rsae_sha256,
  'pss+sha384': SignatureScheme.rsa_pss_rsae_sha384,
  'pss+sha512': SignatureScheme.rsa_pss_rsae_sha512,
};

const schemesByName = lowerIndex(SignatureScheme, schemeAliases);

/** A signature scheme by IANA name (ecdsa_secp256r1_sha256) or OpenSSL `sig+hash` (ECDSA+SHA256). */
export function lookupScheme(name: string): number | undefined {
  return schemesByName.get(name.toLowerCase());
}

/** A list separated by ':' or ',' (spaces allowed), empty items dropped. */
export function splitNameList(list: string): string[] {
  return list
    .split(/[:,\s]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

// OpenSSL cipher-string words that only ever select suites typetls does not implement (or that are
// tuning directives); excluding them is a no-op, so `!aNULL:!MD5` style lists (node's DEFAULT_CIPHERS)
// are accepted.
const ignorableExclusions: ReadonlySet<string> = new Set(
  [
    'anull', 'enull', 'null', 'export', 'des', '3des', 'rc4', 'md5', 'psk', 'srp', 'camellia', 'seed',
    'idea', 'adh', 'aecdh', 'dss', 'adss', 'dh', 'edh', 'kdhe', 'dhe', 'aria', 'ccm', 'ccm8', 'low',
    'medium', 'expensive', 'kecdhepsk', 'kdhepsk', 'krsapsk', 'apsk', 'gost', 'sha1'
  ],
);

/**
 * Real OpenSSL/IANA suite names that typetls does not implement (finite-field DHE, PSK, SRP, CCM,
 * Camellia, ARIA, legacy ciphers). OpenSSL skips such names in a list, and node's DEFAULT_CIPHERS
 * holds some (DHE-RSA-AES128-GCM-SHA256), so they are skipped; a name of any other shape is an error.
 */
function isForeignSuiteName(name: string): boolean {
  return (
    /^(DHE|EDH|ADH|AECDH|PSK|SRP|RSA-PSK|DHE-PSK|ECDHE-PSK|ECDH|DH|KRB5|GOST)-/i.test(name) ||
    /(CAMELLIA|ARIA|SEED|IDEA|RC4|DES-CBC|CBC3|NULL|CCM)/i.test(name) ||
    /^ECDHE-(RSA|ECDSA)-(AES(128|256)(-GCM)?|CHACHA20)-(SHA|SHA256|SHA384|POLY1305)$/i.test(name)
  );
}

/** Keywords that select "the default set" (OpenSSL's DEFAULT / HIGH / ALL as far as typetls goes). */
const defaultKeywords: ReadonlySet<string> = new Set(['default', 'high', 'all', 'complementofdefault', 'secure', 'fips']);

export type SuiteListResult =
  | { readonly ok: true; readonly suites: readonly number[] }
  | { readonly ok: false; readonly bad: string };

/**
 * Parses an OpenSSL-style cipher list (node:tls `ciphers`): IANA or OpenSSL names separated by ':';
 * `DEFAULT`/`HIGH`/`ALL` append `defaults`; `!X` and `-X` remove a suite (and `!X` keeps it out);
 * `+X` moves a suite to the end; `@STRENGTH`/`@SECLEVEL=n` are ignored; real suites typetls does not
 * implement are skipped (isForeignSuiteName). The first word that names nothing is returned as `bad`.
 */
export function parseSuiteList(list: string, defaults: readonly number[]): SuiteListResult {
  const out: number[] = [];
  const banned = new Set<number>();
  const add = (code: number): void => {
    if (!banned.has(code) && !out.includes(code)) out.push(code);
  };
  const remove = (code: number): void => {
    const i = out.indexOf(code);
    if (i >= 0) out.splice(i, 1);
  };
  for (const item of splitNameList(list)) {
    if (item.startsWith('@')) continue;
    const op = item[0] === '!' || item[0] === '-' || item[0] === '+' ? item[0] : '';
    const word = op === '' ? item : item.slice(1);
    const suite = lookupSuite(word);
    if (suite === undefined) {
      const lower = word.toLowerCase();
      if (op === '' && defaultKeywords.has(lower)) {
        for (const c of defaults) add(c);
        continue;
      }
      if (op !== '' && (ignorableExclusions.has(lower) || defaultKeywords.has(lower))) continue;
      if (isForeignSuiteName(word)) continue; // a real suite typetls does not implement: skipped, as OpenSSL does
      return { ok: false, bad: item };
    }
    if (op === '!') {
      remove(suite.code);
      banned.add(suite.code);
    } else if (op === '-') {
      remove(suite.code);
    } else if (op === '+') {
      if (out.includes(suite.code)) {
        remove(suite.code);
        out.push(suite.code);
      }
    } else {
      add(suite.code);
    }
  }
  return { ok: true, suites: out };
}

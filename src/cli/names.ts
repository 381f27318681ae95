// Names on the command line: IANA/RFC spellings (TLS_AES_128_GCM_SHA256, x25519, secp256r1) with
// OpenSSL's spellings accepted as aliases, translated into node:tls option values (`ciphers` in
// OpenSSL syntax with TLS 1.3 suites under their IANA names, `ecdhCurve` in OpenSSL group names).
import { CipherSuite, lookupName, NamedGroup } from '../wire/iana.js';
import { UsageError } from './args.js';

/** IANA name → OpenSSL name, for the TLS 1.2 suites (TLS 1.3 suites have the same name in both). */
const SUITE_OPENSSL: Readonly<Record<string, string>> = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384: 'ECDHE-ECDSA-AES256-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 'ECDHE-RSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384: 'ECDHE-RSA-AES256-SHA384',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA256: 'AES128-SHA256',
  TLS_RSA_WITH_AES_256_CBC_SHA256: 'AES256-SHA256',
};

const TLS13_SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'] as const;

/** IANA group name → OpenSSL group name (what node:tls's `ecdhCurve` takes), and the aliases accepted. */
const GROUPS: readonly { iana: string; openssl: string; aliases: readonly string[] }[] = [
  { iana: 'x25519', openssl: 'X25519', aliases: [] },
  { iana: 'x448', openssl: 'X448', aliases: [] },
  { iana: 'secp256r1', openssl: 'P-256', aliases: ['prime256v1'] },
  { iana: 'secp384r1', openssl: 'P-384', aliases: [] },
  { iana: 'secp521r1', openssl: 'P-521', aliases: [] },
  { iana: 'ffdhe2048', openssl: 'ffdhe2048', aliases: [] },
  { iana: 'ffdhe3072', openssl: 'ffdhe3072', aliases: [] },
  { iana: 'ffdhe4096', openssl: 'ffdhe4096', aliases: [] },
];

function splitList(list: string): string[] {
  return list
    .split(/[,:]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** The canonical IANA name of a cipher suite given in either spelling; undefined when unknown. */
export function canonicalSuite(name: string): string | undefined {
  const upper = name.toUpperCase();
  if (lookupName(CipherSuite, upper) !== undefined && (upper in SUITE_OPENSSL || (TLS13_SUITES as readonly string[]).includes(upper))) {
    return upper;
  }
  for (const [iana, openssl] of Object.entries(SUITE_OPENSSL)) if (openssl === upper) return iana;
  return undefined;
}

/** `--ciphers LIST` → node:tls `ciphers` (TLS 1.3 suites by IANA name, TLS 1.2 suites by OpenSSL name). */
export function ciphersOption(list: string): string {
  const out: string[] = [];
  for (const n of splitList(list)) {
    const iana = canonicalSuite(n);
    if (iana === undefined) {
      throw new UsageError(`unknown cipher suite "${n}" (use IANA names such as TLS_AES_128_GCM_SHA256 or TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, or OpenSSL names)`);
    }
    out.push(SUITE_OPENSSL[iana] ?? iana);
  }
  if (out.length === 0) throw new UsageError('--ciphers needs at least one cipher suite');
  return out.join(':');
}

/** The IANA name of a group given in any accepted spelling; undefined when unknown. */
export function canonicalGroup(name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const g of GROUPS) {
    if (g.iana === lower || g.openssl.toLowerCase() === lower || g.aliases.includes(lower)) return g.iana;
  }
  return undefined;
}

/** `--groups LIST` → node:tls `ecdhCurve`. */
export function groupsOption(list: string): string {
  const out: string[] = [];
  for (const n of splitList(list)) {
    const iana = canonicalGroup(n);
    const g = GROUPS.find((x) => x.iana === iana);
    if (iana === undefined || g === undefined || lookupName(NamedGroup, iana) === undefined) {
      throw new UsageError(`unknown group "${n}" (use x25519, secp256r1, secp384r1, secp521r1, x448 or ffdhe2048/3072/4096; P-256, prime256v1, X25519 are accepted too)`);
    }
    out.push(g.openssl);
  }
  if (out.length === 0) throw new UsageError('--groups needs at least one group');
  return out.join(':');
}

/** A key-exchange description from getEphemeralKeyInfo() (OpenSSL names) → the IANA group name. */
export function groupFromKeyInfo(info: { type?: string | undefined; name?: string | undefined; size?: number | undefined } | null | undefined): string {
  if (info === null || info === undefined || info.type === undefined) return 'none';
  if (info.type === 'DH') return info.size === undefined ? 'ffdhe' : `ffdhe${info.size}`;
  if (info.name === undefined) return info.type;
  return canonicalGroup(info.name) ?? info.name;
}

/** `--min-version`/`--max-version` value → node:tls's version name. */
export function versionOption(flag: string, v: string): 'TLSv1.2' | 'TLSv1.3' {
  if (v === '1.2' || v === 'TLSv1.2') return 'TLSv1.2';
  if (v === '1.3' || v === 'TLSv1.3') return 'TLSv1.3';
  throw new UsageError(`${flag} must be 1.2 or 1.3, not "${v}"`);
}

/** `--alpn LIST` → ALPNProtocols. */
export function alpnOption(list: string): string[] {
  const out = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (out.length === 0) throw new UsageError('--alpn needs at least one protocol name');
  for (const p of out) if (p.length > 255) throw new UsageError(`ALPN protocol "${p.slice(0, 20)}…" is longer than 255 bytes`);
  return out;
}

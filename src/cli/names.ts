// Names on the command line: IANA/RFC spellings (TLS_AES_128_GCM_SHA256, x25519, secp256r1) with
// OpenSSL's spellings accepted as aliases (the tables are src/wire/names.ts), checked here so a typo is
// a usage error, and handed to the adapter by their IANA names.
import { groupName } from '../wire/iana.js';
import { lookupGroup, lookupSuite, splitNameList } from '../wire/names.js';
import { UsageError } from './args.js';

/** The canonical IANA name of a cipher suite given in either spelling; undefined when unknown. */
export function canonicalSuite(name: string): string | undefined {
  return lookupSuite(name)?.iana;
}

/** `--ciphers LIST` → the adapter's `ciphers` (IANA names, which it takes like OpenSSL's). */
export function ciphersOption(list: string): string {
  const out: string[] = [];
  for (const n of splitNameList(list)) {
    const iana = canonicalSuite(n);
    if (iana === undefined) {
      throw new UsageError(`unknown cipher suite "${n}" (use IANA names such as TLS_AES_128_GCM_SHA256 or TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, or OpenSSL names)`);
    }
    out.push(iana);
  }
  if (out.length === 0) throw new UsageError('--ciphers needs at least one cipher suite');
  return out.join(':');
}

/** The IANA name of a group given in any accepted spelling; undefined when unknown. */
export function canonicalGroup(name: string): string | undefined {
  const code = lookupGroup(name);
  return code === undefined ? undefined : groupName(code);
}

/** `--groups LIST` → the adapter's `ecdhCurve` (IANA names). */
export function groupsOption(list: string): string {
  const out: string[] = [];
  for (const n of splitNameList(list)) {
    const iana = canonicalGroup(n);
    if (iana === undefined) {
      throw new UsageError(`unknown group "${n}" (use x25519, secp256r1, secp384r1, secp521r1, x448, ffdhe2048/3072/4096 or X25519MLKEM768; P-256, prime256v1, X25519 are accepted too)`);
    }
    out.push(iana);
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

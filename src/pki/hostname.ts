// Service identity checks (RFC 9525): DNS names and IP addresses against subjectAltName only, no
// common-name fallback; a wildcard only as the complete left-most label; ASCII case-insensitive;
// one trailing dot tolerated on the reference identity. Also the IP literal and DNS syntax helpers
// the name-constraint code shares.
import type { GeneralName } from './name.js';

/** Parses a dotted-quad IPv4 literal strictly (no leading zeros, no hex, exactly four parts). */
function parseIPv4(s: string): Uint8Array | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] as string;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

/** Parses an IPv6 literal (RFC 4291 §2.2, with `::` and a trailing dotted quad); no zone, no brackets. */
function parseIPv6(s: string): Uint8Array | undefined {
  if (s.length < 2 || s.length > 45) return undefined;
  const dbl = s.indexOf('::');
  if (dbl !== -1 && s.indexOf('::', dbl + 1) !== -1) return undefined;
  const groups: number[] = [];
  const parse = (part: string, allowV4: boolean): number[] | undefined => {
    if (part === '') return [];
    const items = part.split(':');
    const out: number[] = [];
    for (let i = 0; i < items.length; i++) {
      const it = items[i] as string;
      if (allowV4 && i === items.length - 1 && it.includes('.')) {
        const v4 = parseIPv4(it);
        if (v4 === undefined) return undefined;
        out.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(it)) return undefined;
      out.push(parseInt(it, 16));
    }
    return out;
  };
  if (dbl === -1) {
    const g = parse(s, true);
    if (g === undefined || g.length !== 8) return undefined;
    groups.push(...g);
  } else {
    const head = parse(s.slice(0, dbl), false);
    const tail = parse(s.slice(dbl + 2), true);
    if (head === undefined || tail === undefined || head.length + tail.length > 7) return undefined;
    groups.push(...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail);
  }
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

export function parseIp(s: string): Uint8Array | undefined {
  return s.includes(':') ? parseIPv6(s) : parseIPv4(s);
}

/** Text form of a 4- or 16-byte address; IPv6 in the RFC 5952 §4 canonical form. */
export function formatIp(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join('.');
  if (b.length !== 16) return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((b[i] as number) << 8) | (b[i + 1] as number));
  // RFC 5952 §4.2: compress the longest run (the first of equals) of two or more zero groups.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * A preferred-name-syntax DNS name (RFC 1034 §3.5 as relaxed by RFC 1123 §2.1): LDH labels of 1–63
 * characters, no leading or trailing hyphen, at most 253 characters, lower-cased input expected.
 * With `wildcard`, the left-most label may be exactly `*`.
 */
export function isValidDnsName(name: string, wildcard: boolean): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i] as string;
    if (i === 0 && wildcard && l === '*') continue;
    if (!LABEL.test(l)) return false;
  }
  // A name made of digits only in its last label is not a host name (and could be read as an IP).
  const last = labels[labels.length - 1] as string;
  if (/^[0-9]+$/.test(last)) return false;
  return true;
}

/** A presented wildcard `*.a.b`: the wildcard alone in the left-most label, at least two labels after it. */
function wildcardBase(presented: string): string | undefined {
  if (!presented.startsWith('*.')) return undefined;
  const base = presented.slice(2);
  return base.includes('.') ? base : undefined;
}

/** RFC 9525 §6.3: does one presented dNSName match the reference DNS name? Both lower-case, no trailing dot. */
function dnsNameMatches(presented: string, reference: string): boolean {
  if (presented.includes('*')) {
    const base = wildcardBase(presented);
    if (base === undefined || !isValidDnsName(presented, true)) return false;
    const dot = reference.indexOf('.');
    // The wildcard stands for exactly one non-empty label.
    return dot > 0 && reference.slice(dot + 1) === base;
  }
  return isValidDnsName(presented, false) && presented === reference;
}

/** Normalizes a reference DNS name: ASCII lower case, one trailing dot removed. */
export function normalizeReferenceName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** RFC 9525 §6: does the certificate's subjectAltName contain the DNS reference identity? */
export function matchesHostname(sans: readonly GeneralName[], hostname: string): boolean {
  const ref = normalizeReferenceName(hostname);
  if (!isValidDnsName(ref, false)) return false;
  for (const n of sans) {
    if (n.kind === 'dns' && dnsNameMatches(n.value.toLowerCase(), ref)) return true;
  }
  return false;
}

/** RFC 9525 §6.2: an iPAddress SAN equal to the reference address (4 or 16 bytes). */
export function matchesIp(sans: readonly GeneralName[], ip: Uint8Array): boolean {
  for (const n of sans) {
    if (n.kind !== 'ip' || n.value.length !== ip.length) continue;
    let same = true;
    for (let i = 0; i < ip.length; i++) if (n.value[i] !== ip[i]) same = false;
    if (same) return true;
  }
  return false;
}

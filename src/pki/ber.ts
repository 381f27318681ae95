// BER → DER for the containers of PKCS#12 files. RFC 7292 asks for DER, but Windows, Java and older
// tools write parts of a PFX in BER: indefinite lengths (X.690 §8.1.3.6) and OCTET STRINGs split into
// constructed segments (§8.7.3.2), and node:tls (OpenSSL) reads them. berToDer re-encodes one element
// as DER with the same values, so the strict reader (der.ts) does the actual parsing. What it accepts
// on top of DER: indefinite lengths on constructed elements, non-minimal length octets, constructed
// OCTET STRINGs; nothing else (no high tag numbers, at most 4 length octets, a depth limit).
import { malformed } from './der.js';
import { tlv } from './der-writer.js';
import { concatBytes } from '../wire/bytes.js';

/** Deeper nesting than any PKCS#12 structure has (X.690 has no limit; OpenSSL's ASN.1 decoder stops at 30). */
const MAX_DEPTH = 32;

const OCTET_STRING = 0x04;
const CONSTRUCTED_OCTET_STRING = 0x24;

interface Normalized {
  readonly der: Uint8Array;
  /** Where the element ended in the input. */
  readonly end: number;
}

/** The element at `pos` (ending by `limit`) as DER. */
function normalize(buf: Uint8Array, pos: number, limit: number, depth: number): Normalized {
  if (depth > MAX_DEPTH) throw malformed(`BER nested more than ${MAX_DEPTH} levels deep`);
  if (pos + 2 > limit) throw malformed('truncated element');
  const tag = buf[pos] as number;
  if (tag === 0) throw malformed('end-of-contents octets outside an indefinite-length element');
  if ((tag & 0x1f) === 0x1f) throw malformed('high tag number form');
  const constructed = (tag & 0x20) !== 0;
  let p = pos + 1;
  const first = buf[p++] as number;
  if (first === 0x80) {
    // X.690 §8.1.3.6: indefinite form, constructed only, closed by two zero octets.
    if (!constructed) throw malformed('indefinite length on a primitive element');
    const parts: Uint8Array[] = [];
    for (;;) {
      if (p + 2 > limit) throw malformed('indefinite-length element without its end-of-contents octets');
      if (buf[p] === 0 && buf[p + 1] === 0) return { der: rebuild(tag, parts), end: p + 2 };
      const child = normalize(buf, p, limit, depth + 1);
      parts.push(child.der);
      p = child.end;
    }
  }
  let len = first;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n > 4) throw malformed('length too large');
    if (p + n > limit) throw malformed('truncated length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[p++] as number);
  }
  const end = p + len;
  if (end > limit) throw malformed('element runs past its container');
  if (!constructed) return { der: tlv(tag, buf.subarray(p, end)), end };
  const parts: Uint8Array[] = [];
  for (let q = p; q < end; ) {
    const child = normalize(buf, q, end, depth + 1);
    parts.push(child.der);
    q = child.end;
  }
  return { der: rebuild(tag, parts), end };
}

/** A constructed element from its DER children; a constructed OCTET STRING becomes one primitive OCTET STRING. */
function rebuild(tag: number, parts: readonly Uint8Array[]): Uint8Array {
  if (tag !== CONSTRUCTED_OCTET_STRING) return tlv(tag, ...parts);
  // X.690 §8.7.3.2: the value is the concatenation of the segments' values, each an OCTET STRING
  // (nested constructed segments were flattened when they were rebuilt).
  const values = parts.map((d) => {
    if (d[0] !== OCTET_STRING) throw malformed('a constructed OCTET STRING segment that is not an OCTET STRING');
    return d.subarray(headerLength(d));
  });
  return tlv(OCTET_STRING, concatBytes(...values));
}

/** Header length of a DER element (tag, then a minimal definite length). */
function headerLength(der: Uint8Array): number {
  const first = der[1] as number;
  return first & 0x80 ? 2 + (first & 0x7f) : 2;
}

/**
 * One BER (or DER) element, and nothing after it, re-encoded as DER. DER input comes back
 * byte for byte the same. Throws `malformed()` errors for anything that is not BER.
 */
export function berToDer(input: Uint8Array): Uint8Array {
  const r = normalize(input, 0, input.length, 0);
  if (r.end !== input.length) throw malformed('trailing bytes after the element');
  return r.der;
}

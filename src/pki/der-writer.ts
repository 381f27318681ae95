// A minimal strict DER writer (ITU-T X.690 §10): definite minimal lengths, minimal INTEGERs,
// BIT STRINGs with their unused-bit count, OIDs from dotted strings, UTCTime/GeneralizedTime as
// RFC 5280 §4.1.2.5 requires. Each function returns one complete TLV; compose them by nesting.
import { internalError } from '../errors.js';
import { concatBytes } from '../wire/bytes.js';

export const Tag = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;


/** X.690 §8.1.3 / §10.1: the shortest definite length form. */
function encodeLength(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw internalError(`DER length ${n} is not a valid length`);
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** One TLV with a single-byte tag. */
export function tlv(tag: number, ...content: readonly Uint8Array[]): Uint8Array {
  if (!Number.isInteger(tag) || tag < 0 || tag > 0xff || (tag & 0x1f) === 0x1f) {
    throw internalError(`DER tag ${tag} is not a single-byte tag`);
  }
  const body = concatBytes(...content);
  return concatBytes(Uint8Array.of(tag), encodeLength(body.length), body);
}

export function sequence(...items: readonly Uint8Array[]): Uint8Array {
  return tlv(Tag.sequence, ...items);
}

/** SET OF: X.690 §11.6 requires the encodings sorted as octet strings. */
export function setOf(...items: readonly Uint8Array[]): Uint8Array {
  const sorted = [...items].sort(compareBytes);
  return tlv(Tag.set, ...sorted);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Context-specific constructed [n] EXPLICIT wrapper. */
export function explicit(n: number, ...content: readonly Uint8Array[]): Uint8Array {
  if (n < 0 || n > 30) throw internalError(`context tag [${n}] out of range`);
  return tlv(0xa0 | n, ...content);
}

/** Context-specific primitive [n] IMPLICIT (e.g. GeneralName dNSName [2], iPAddress [7]). */
export function implicitPrimitive(n: number, content: Uint8Array): Uint8Array {
  if (n < 0 || n > 30) throw internalError(`context tag [${n}] out of range`);
  return tlv(0x80 | n, content);
}

export function boolean(v: boolean): Uint8Array {
  // X.690 §11.1: TRUE is 0xFF in DER.
  return tlv(Tag.boolean, Uint8Array.of(v ? 0xff : 0x00));
}

export function nullValue(): Uint8Array {
  return tlv(Tag.null);
}

/** INTEGER from a non-negative bigint or number, minimal two's complement (X.690 §8.3.2). */
export function integer(v: bigint | number): Uint8Array {
  let n = typeof v === 'bigint' ? v : BigInt(v);
  if (n < 0n) throw internalError('negative DER INTEGERs are not needed here');
  const bytes: number[] = [];
  do {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  } while (n > 0n);
  if ((bytes[0] ?? 0) & 0x80) bytes.unshift(0);
  return tlv(Tag.integer, Uint8Array.from(bytes));
}

/** INTEGER from unsigned big-endian magnitude bytes (a serial number), made minimal and positive. */
export function unsignedInteger(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const m = magnitude.subarray(start);
  if (m.length === 0) return tlv(Tag.integer, Uint8Array.of(0));
  return (m[0] ?? 0) & 0x80 ? tlv(Tag.integer, Uint8Array.of(0), m) : tlv(Tag.integer, m);
}

export function octetString(b: Uint8Array): Uint8Array {
  return tlv(Tag.octetString, b);
}

/** BIT STRING holding whole bytes (a signature, a public key). */
export function bitStringBytes(b: Uint8Array): Uint8Array {
  return tlv(Tag.bitString, Uint8Array.of(0), b);
}

/**
 * BIT STRING of named bits (X.690 §11.2.2: trailing zero bits are removed in DER). `bits` lists the
 * bit numbers that are set, bit 0 being the most significant bit of the first byte.
 */
export function namedBitString(bits: readonly number[]): Uint8Array {
  if (bits.length === 0) return tlv(Tag.bitString, Uint8Array.of(0));
  const highest = Math.max(...bits);
  const nBytes = Math.floor(highest / 8) + 1;
  const body = new Uint8Array(nBytes);
  for (const bit of bits) {
    if (!Number.isInteger(bit) || bit < 0) throw internalError(`bit number ${bit} is invalid`);
    const i = Math.floor(bit / 8);
    body[i] = (body[i] ?? 0) | (0x80 >> (bit % 8));
  }
  const unused = 7 - (highest % 8);
  return tlv(Tag.bitString, Uint8Array.of(unused), body);
}

/** OBJECT IDENTIFIER from dotted form (X.690 §8.19). */
export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((s) => {
    if (!/^\d+$/.test(s)) throw internalError(`OID ${dotted} has an invalid arc "${s}"`);
    return BigInt(s);
  });
  const a0 = arcs[0];
  const a1 = arcs[1];
  if (a0 === undefined || a1 === undefined || a0 > 2n || (a0 < 2n && a1 > 39n)) {
    throw internalError(`OID ${dotted} is not a valid object identifier`);
  }
  const out: number[] = [];
  for (const arc of [a0 * 40n + a1, ...arcs.slice(2)]) {
    const chunk: number[] = [];
    let v = arc;
    do {
      chunk.unshift(Number(v & 0x7fn));
      v >>= 7n;
    } while (v > 0n);
    for (let i = 0; i < chunk.length - 1; i++) chunk[i] = (chunk[i] ?? 0) | 0x80;
    out.push(...chunk);
  }
  return tlv(Tag.oid, Uint8Array.from(out));
}

function ascii(s: string, what: string, allowed: RegExp): Uint8Array {
  if (!allowed.test(s)) throw internalError(`${what} "${s}" has characters its ASN.1 type does not allow`);
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

export function utf8String(s: string): Uint8Array {
  return tlv(Tag.utf8String, new TextEncoder().encode(s));
}

/** The content octets of an IA5String (for IMPLICIT tagging such as GeneralName dNSName). */
export function ia5Content(s: string): Uint8Array {
  return ascii(s, 'IA5String', /^[\x00-\x7f]*$/);
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * RFC 5280 §4.1.2.5: UTCTime (YYMMDDHHMMSSZ) through 2049, GeneralizedTime (YYYYMMDDHHMMSSZ) from
 * 2050, always in UTC with whole seconds.
 */
export function time(d: Date): Uint8Array {
  const ms = d.getTime();
  if (!Number.isFinite(ms)) throw internalError('certificate validity date is not a valid date');
  const y = d.getUTCFullYear();
  if (y < 1950 || y > 9999) throw internalError(`year ${y} cannot be encoded in a certificate`);
  const rest = `${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}Z`;
  if (y < 2050) return tlv(Tag.utcTime, ascii(`${two(y % 100)}${rest}`, 'UTCTime', /^\d{12}Z$/));
  return tlv(Tag.generalizedTime, ascii(`${y}${rest}`, 'GeneralizedTime', /^\d{14}Z$/));
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function base64(b: Uint8Array): string {
  let out = '';
  for (let i = 0; i < b.length; i += 3) {
    const x = ((b[i] ?? 0) << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0);
    out += B64[(x >>> 18) & 63] ?? '';
    out += B64[(x >>> 12) & 63] ?? '';
    out += i + 1 < b.length ? (B64[(x >>> 6) & 63] ?? '') : '=';
    out += i + 2 < b.length ? (B64[x & 63] ?? '') : '=';
  }
  return out;
}

/** PEM armour (RFC 7468 §2): base64 in 64-character lines. */
export function pem(label: string, der: Uint8Array): string {
  const b = base64(der);
  const lines: string[] = [];
  for (let i = 0; i < b.length; i += 64) lines.push(b.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

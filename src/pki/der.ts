// A small, strict DER reader (ITU-T X.690 §10): definite lengths only, minimal length encoding,
// single-byte tags for the universal and context classes we need, no trailing bytes, and the
// primitive types X.509 uses (INTEGER, OID, BIT STRING, BOOLEAN, times, strings) validated as DER.
// Why our own: see the README (measured against pkijs/asn1js and node's X509Certificate).
import { TlsError } from '../errors.js';
import { AlertDescription } from '../wire/iana.js';

export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8String: 0x0c,
  PrintableString: 0x13,
  TeletexString: 0x14,
  IA5String: 0x16,
  UTCTime: 0x17,
  GeneralizedTime: 0x18,
  VisibleString: 0x1a,
  UniversalString: 0x1c,
  BMPString: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Context-specific tag number n, constructed or primitive. */
export const ctx = (n: number, constructed: boolean): number => (constructed ? 0xa0 : 0x80) | n;

export function malformed(what: string): TlsError {
  return new TlsError('ERR_TLS_CERT_MALFORMED', AlertDescription.bad_certificate, `malformed DER: ${what}`);
}

/** One element: its tag, where its contents lie, and where the whole TLV starts and ends. */
export interface Element {
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

export class DerReader {
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  peekTag(): number | undefined {
    return this.pos < this.end ? this.buf[this.pos] : undefined;
  }

  /** Reads one TLV header and skips its contents. */
  element(): Element {
    const buf = this.buf;
    const start = this.pos;
    if (start + 2 > this.end) throw malformed('truncated element');
    const tag = buf[start] as number;
    // Multi-byte tag numbers (low bits all ones) never occur in the structures we read.
    if ((tag & 0x1f) === 0x1f) throw malformed('high tag number form');
    let p = start + 1;
    let len = buf[p++] as number;
    if (len & 0x80) {
      const n = len & 0x7f;
      // X.690 §10.1: definite form; §8.1.3.5 and DER: the minimal number of length octets.
      if (n === 0) throw malformed('indefinite length');
      if (n > 4) throw malformed('length too large');
      if (p + n > this.end) throw malformed('truncated length');
      if (buf[p] === 0) throw malformed('non-minimal length');
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + (buf[p++] as number);
      if (len < 0x80) throw malformed('non-minimal length');
    }
    const end = p + len;
    if (end > this.end) throw malformed('element runs past its container');
    this.pos = end;
    return { tag, start, contentStart: p, end };
  }

  expect(tag: number, what: string): Element {
    const t = this.peekTag();
    if (t !== tag) throw malformed(`${what}: expected tag 0x${tag.toString(16)}, got ${t === undefined ? 'end' : '0x' + t.toString(16)}`);
    return this.element();
  }

  /** Reads the element when the next tag is `tag`, else returns undefined. */
  optional(tag: number): Element | undefined {
    return this.peekTag() === tag ? this.element() : undefined;
  }

  /** A reader over the contents of a constructed element with the given tag. */
  enter(tag: number, what: string): DerReader {
    const e = this.expect(tag, what);
    return new DerReader(this.buf, e.contentStart, e.end);
  }

  sequence(what: string): DerReader {
    return this.enter(Tag.SEQUENCE, what);
  }

  /** Throws when anything is left (no trailing bytes). */
  done(what: string): void {
    if (this.pos !== this.end) throw malformed(`trailing bytes after ${what}`);
  }

  bytes(e: Element): Uint8Array {
    return this.buf.subarray(e.contentStart, e.end);
  }

  raw(e: Element): Uint8Array {
    return this.buf.subarray(e.start, e.end);
  }

  /** INTEGER contents (two's complement, minimal: X.690 §8.3.2). */
  integer(what: string, tag: number = Tag.INTEGER): Uint8Array {
    const e = this.expect(tag, what);
    const v = this.bytes(e);
    checkInteger(v, what);
    return v;
  }

  /** A small non-negative INTEGER as a number. */
  smallInt(what: string): number {
    const v = this.integer(what);
    if ((v[0] as number) & 0x80) throw malformed(`${what} is negative`);
    if (v.length > 6) throw malformed(`${what} is too large`);
    let n = 0;
    for (const b of v) n = n * 256 + b;
    return n;
  }

  boolean(what: string): boolean {
    const v = this.bytes(this.expect(Tag.BOOLEAN, what));
    // X.690 §11.1: DER TRUE is 0xFF.
    if (v.length !== 1 || (v[0] !== 0 && v[0] !== 0xff)) throw malformed(`${what} is not a DER BOOLEAN`);
    return v[0] === 0xff;
  }

  oid(what: string): string {
    return decodeOid(this.bytes(this.expect(Tag.OID, what)), what);
  }

  /** BIT STRING: the unused-bit count and the bytes (X.690 §11.2: unused bits are zero). */
  bitString(what: string, tag: number = Tag.BIT_STRING): { unused: number; bytes: Uint8Array } {
    const v = this.bytes(this.expect(tag, what));
    return checkBitString(v, what);
  }

  octetString(what: string): Uint8Array {
    return this.bytes(this.expect(Tag.OCTET_STRING, what));
  }

  /** UTCTime or GeneralizedTime in the forms RFC 5280 §4.1.2.5 allows; milliseconds since the epoch. */
  time(what: string): number {
    const e = this.element();
    return decodeTime(e.tag, this.bytes(e), what);
  }
}

function checkInteger(v: Uint8Array, what: string): void {
  if (v.length === 0) throw malformed(`${what}: empty INTEGER`);
  if (v.length > 1) {
    const a = v[0] as number;
    const b = (v[1] as number) & 0x80;
    if ((a === 0 && b === 0) || (a === 0xff && b !== 0)) throw malformed(`${what}: non-minimal INTEGER`);
  }
}

function checkBitString(v: Uint8Array, what: string): { unused: number; bytes: Uint8Array } {
  if (v.length === 0) throw malformed(`${what}: empty BIT STRING`);
  const unused = v[0] as number;
  if (unused > 7 || (v.length === 1 && unused !== 0)) throw malformed(`${what}: bad unused-bit count`);
  if (unused > 0 && ((v[v.length - 1] as number) & ((1 << unused) - 1)) !== 0) throw malformed(`${what}: unused bits not zero`);
  return { unused, bytes: v.subarray(1) };
}

/** Dotted form of an OBJECT IDENTIFIER (X.690 §8.19), rejecting non-minimal subidentifiers. */
export function decodeOid(v: Uint8Array, what: string): string {
  if (v.length === 0) throw malformed(`${what}: empty OID`);
  let out = '';
  let acc = 0;
  let fresh = true;
  for (let i = 0; i < v.length; i++) {
    const b = v[i] as number;
    if (fresh && b === 0x80) throw malformed(`${what}: non-minimal OID subidentifier`);
    fresh = false;
    acc = acc * 128 + (b & 0x7f);
    if (acc > 0xffffffffffff) throw malformed(`${what}: OID subidentifier too large`);
    if ((b & 0x80) === 0) {
      if (out.length === 0) {
        const first = acc < 40 ? 0 : acc < 80 ? 1 : 2;
        out = `${first}.${acc - first * 40}`;
      } else out += '.' + acc;
      acc = 0;
      fresh = true;
    }
  }
  if (!fresh) throw malformed(`${what}: truncated OID`);
  return out;
}

function digits(v: Uint8Array, at: number, n: number, what: string): number {
  let x = 0;
  for (let i = at; i < at + n; i++) {
    const c = v[i];
    if (c === undefined || c < 0x30 || c > 0x39) throw malformed(`${what}: bad time digits`);
    x = x * 10 + (c - 0x30);
  }
  return x;
}

export function decodeTime(tag: number, v: Uint8Array, what: string): number {
  let year: number;
  let p: number;
  // RFC 5280 §4.1.2.5.1/§4.1.2.5.2: YYMMDDHHMMSSZ and YYYYMMDDHHMMSSZ; no fractions, no offsets.
  if (tag === Tag.UTCTime) {
    if (v.length !== 13) throw malformed(`${what}: UTCTime must be YYMMDDHHMMSSZ`);
    const yy = digits(v, 0, 2, what);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
    p = 2;
  } else if (tag === Tag.GeneralizedTime) {
    if (v.length !== 15) throw malformed(`${what}: GeneralizedTime must be YYYYMMDDHHMMSSZ`);
    year = digits(v, 0, 4, what);
    p = 4;
  } else throw malformed(`${what}: not a time`);
  if (v[v.length - 1] !== 0x5a) throw malformed(`${what}: time must end in Z`);
  const month = digits(v, p, 2, what);
  const day = digits(v, p + 2, 2, what);
  const hour = digits(v, p + 4, 2, what);
  const minute = digits(v, p + 6, 2, what);
  const second = digits(v, p + 8, 2, what);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) throw malformed(`${what}: time out of range`);
  const d = new Date(Date.UTC(2000, 0, 1, hour, minute, second));
  d.setUTCFullYear(year, month - 1, day); // Date.UTC alone maps years 0–99 to 1900–1999
  if (d.getUTCDate() !== day || d.getUTCMonth() !== month - 1) throw malformed(`${what}: no such day`);
  return d.getTime();
}

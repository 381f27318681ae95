// X.501 Name (RFC 5280 §4.1.2.4) and GeneralName (RFC 5280 §4.2.1.6): parsed strictly, kept as raw
// DER for comparison (issuer/subject chaining compares the encoded names byte for byte, as the web
// PKI validators do) with a printable form for messages.
import { DerReader, Tag, ctx, decodeOid, malformed } from './der.js';
export { equalBytes } from './bytes.js';

export interface Attribute {
  readonly type: string;
  readonly tag: number;
  readonly value: Uint8Array;
}

export interface Name {
  /** The whole Name, DER (the SEQUENCE with its header). */
  readonly raw: Uint8Array;
  /** Each RDN's raw DER (the SET), in order, for directoryName constraints. */
  readonly rdns: readonly Uint8Array[];
  readonly attributes: readonly (readonly Attribute[])[];
}

const ATTR_SHORT: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.5': 'serialNumber',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

export const OID_CN = '2.5.4.3';
export const OID_EMAIL_ADDRESS = '1.2.840.113549.1.9.1';

const STRING_TAGS: ReadonlySet<number> = new Set([
  Tag.UTF8String,
  Tag.PrintableString,
  Tag.TeletexString,
  Tag.IA5String,
  Tag.VisibleString,
  Tag.UniversalString,
  Tag.BMPString,
]);

export function parseName(r: DerReader, what: string): Name {
  const e = r.expect(Tag.SEQUENCE, what);
  const raw = r.raw(e);
  const rr = new DerReader(r.buf, e.contentStart, e.end);
  const rdns: Uint8Array[] = [];
  const attributes: Attribute[][] = [];
  while (!rr.atEnd) {
    const se = rr.expect(Tag.SET, `${what} RDN`);
    rdns.push(rr.raw(se));
    const sr = new DerReader(r.buf, se.contentStart, se.end);
    const attrs: Attribute[] = [];
    // RFC 5280 §4.1.2.4: RelativeDistinguishedName ::= SET SIZE (1..MAX) OF AttributeTypeAndValue
    if (sr.atEnd) throw malformed(`${what}: empty RDN`);
    while (!sr.atEnd) {
      const ar = sr.sequence(`${what} attribute`);
      const type = ar.oid(`${what} attribute type`);
      const ve = ar.element();
      ar.done(`${what} attribute`);
      attrs.push({ type, tag: ve.tag, value: ar.bytes(ve) });
    }
    attributes.push(attrs);
  }
  return { raw, rdns, attributes };
}

export function isEmptyName(n: Name): boolean {
  return n.rdns.length === 0;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });
const latin1 = new TextDecoder('latin1');

function attributeText(a: Attribute): string {
  if (a.tag === Tag.UTF8String) return utf8.decode(a.value);
  if (a.tag === Tag.BMPString) {
    let s = '';
    for (let i = 0; i + 1 < a.value.length; i += 2) s += String.fromCharCode(((a.value[i] as number) << 8) | (a.value[i + 1] as number));
    return s;
  }
  if (STRING_TAGS.has(a.tag)) return latin1.decode(a.value);
  return '#' + Array.from(a.value, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Printable form, most significant RDN first: `C=US, O=Example, CN=example.com`. */
export function nameToString(n: Name): string {
  if (n.attributes.length === 0) return '(empty name)';
  return n.attributes
    .map((rdn) => rdn.map((a) => `${ATTR_SHORT[a.type] ?? a.type}=${attributeText(a)}`).join(' + '))
    .join(', ');
}

/** Text values of every attribute of the given type. */
export function attributeValues(n: Name, type: string): string[] {
  const out: string[] = [];
  for (const rdn of n.attributes) for (const a of rdn) if (a.type === type) out.push(attributeText(a));
  return out;
}

/** GeneralName (RFC 5280 §4.2.1.6), with the forms we check decoded. */
export type GeneralName =
  | { readonly kind: 'dns'; readonly value: string }
  | { readonly kind: 'ip'; readonly value: Uint8Array }
  | { readonly kind: 'email'; readonly value: string }
  | { readonly kind: 'uri'; readonly value: string }
  | { readonly kind: 'dn'; readonly value: Name }
  | { readonly kind: 'other'; readonly tag: number; readonly value: Uint8Array };

function ia5(v: Uint8Array, what: string): string {
  let s = '';
  for (let i = 0; i < v.length; i++) {
    const b = v[i] as number;
    if (b > 0x7f) throw malformed(`${what}: IA5String with a non-ASCII byte`);
    s += String.fromCharCode(b);
  }
  return s;
}

export function parseGeneralName(r: DerReader, what: string): GeneralName {
  const e = r.element();
  const v = r.bytes(e);
  switch (e.tag) {
    case ctx(1, false):
      return { kind: 'email', value: ia5(v, what) };
    case ctx(2, false):
      return { kind: 'dns', value: ia5(v, what) };
    case ctx(6, false):
      return { kind: 'uri', value: ia5(v, what) };
    case ctx(7, false):
      return { kind: 'ip', value: v };
    case ctx(4, true): {
      // directoryName is EXPLICIT (the Name is a CHOICE).
      const inner = new DerReader(r.buf, e.contentStart, e.end);
      const name = parseName(inner, `${what} directoryName`);
      inner.done(`${what} directoryName`);
      return { kind: 'dn', value: name };
    }
    case ctx(0, true): // otherName
    case ctx(3, true): // x400Address
    case ctx(5, true): // ediPartyName
    case ctx(8, false): // registeredID
      if (e.tag === ctx(8, false)) decodeOid(v, `${what} registeredID`);
      return { kind: 'other', tag: e.tag & 0x1f, value: v };
    default:
      throw malformed(`${what}: unknown GeneralName tag 0x${e.tag.toString(16)}`);
  }
}

/** GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName */
export function parseGeneralNames(r: DerReader, what: string): GeneralName[] {
  const out: GeneralName[] = [];
  while (!r.atEnd) out.push(parseGeneralName(r, what));
  if (out.length === 0) throw malformed(`${what}: empty GeneralNames`);
  return out;
}

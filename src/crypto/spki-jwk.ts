// A fast path for importing SubjectPublicKeyInfo: node's SPKI-DER import costs 150–270 µs, JWK
// import of the same RSA or EdDSA key a few µs (shared/INTEROP.md §6). This reads the common SPKI
// shapes (RFC 5280 §4.1.2.7; RSA RFC 8017 A.1.1, EC RFC 5480, EdDSA RFC 8410) into the JWK fields;
// anything else returns undefined and the caller imports the DER as before. Pure: no node imports.

interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly end: number;
}

function readTlv(buf: Uint8Array, pos: number, limit: number): Tlv | undefined {
  if (pos + 2 > limit) return undefined;
  const tag = buf[pos] as number;
  let len = buf[pos + 1] as number;
  let start = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 2 || start + n > limit) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | (buf[start + i] as number);
    start += n;
    if (len < 0x80 || (n === 2 && len < 0x100)) return undefined; // DER: minimal length encoding
  }
  if (start + len > limit) return undefined;
  return { tag, start, end: start + len };
}

function equals(buf: Uint8Array, start: number, end: number, hex: string): boolean {
  if (end - start !== hex.length / 2) return false;
  for (let i = 0; i < end - start; i++) {
    if ((buf[start + i] as number) !== parseInt(hex.slice(2 * i, 2 * i + 2), 16)) return false;
  }
  return true;
}

const OID_RSA = '2a864886f70d010101';
const OID_EC = '2a8648ce3d0201';
const OID_ED25519 = '2b6570';
const OID_ED448 = '2b6571';
const CURVES: readonly { oid: string; crv: 'P-256' | 'P-384' | 'P-521'; size: number }[] = [
  { oid: '2a8648ce3d030107', crv: 'P-256', size: 32 },
  { oid: '2b81040022', crv: 'P-384', size: 48 },
  { oid: '2b81040023', crv: 'P-521', size: 66 },
];

export type SpkiJwk =
  | { readonly kty: 'RSA'; readonly n: Uint8Array; readonly e: Uint8Array }
  | { readonly kty: 'EC'; readonly crv: 'P-256' | 'P-384' | 'P-521'; readonly x: Uint8Array; readonly y: Uint8Array }
  | { readonly kty: 'OKP'; readonly crv: 'Ed25519' | 'Ed448'; readonly x: Uint8Array };

/** Strips the one leading zero DER puts before an INTEGER whose top bit is set; undefined if not a positive minimal INTEGER. */
function unsignedInteger(buf: Uint8Array, t: Tlv): Uint8Array | undefined {
  if (t.tag !== 0x02 || t.end === t.start) return undefined;
  const first = buf[t.start] as number;
  if (first & 0x80) return undefined; // negative
  if (first === 0) {
    if (t.end - t.start === 1) return undefined;
    if (((buf[t.start + 1] as number) & 0x80) === 0) return undefined; // not minimal
    return buf.subarray(t.start + 1, t.end);
  }
  return buf.subarray(t.start, t.end);
}

/** True when `der` is exactly one DER SEQUENCE with nothing after it (node's importer ignores trailing bytes). */
export function isSingleDerSequence(der: Uint8Array): boolean {
  const t = readTlv(der, 0, der.length);
  return t !== undefined && t.tag === 0x30 && t.end === der.length;
}

/** The JWK fields of an RSA, EC (uncompressed point) or EdDSA SPKI; undefined for anything else. */
export function spkiToJwk(spki: Uint8Array): SpkiJwk | undefined {
  const outer = readTlv(spki, 0, spki.length);
  if (outer === undefined || outer.tag !== 0x30 || outer.end !== spki.length) return undefined;
  const alg = readTlv(spki, outer.start, outer.end);
  if (alg === undefined || alg.tag !== 0x30) return undefined;
  const oid = readTlv(spki, alg.start, alg.end);
  if (oid === undefined || oid.tag !== 0x06) return undefined;
  const bits = readTlv(spki, alg.end, outer.end);
  if (bits === undefined || bits.tag !== 0x03 || bits.end !== outer.end || bits.end - bits.start < 2) return undefined;
  if (spki[bits.start] !== 0) return undefined; // no unused bits
  const keyStart = bits.start + 1;

  if (equals(spki, oid.start, oid.end, OID_RSA)) {
    // AlgorithmIdentifier parameters must be NULL (RFC 8017 A.1; RFC 4055 §1.2).
    if (!equals(spki, oid.end, alg.end, '0500')) return undefined;
    const seq = readTlv(spki, keyStart, bits.end);
    if (seq === undefined || seq.tag !== 0x30 || seq.end !== bits.end) return undefined;
    const nT = readTlv(spki, seq.start, seq.end);
    if (nT === undefined) return undefined;
    const eT = readTlv(spki, nT.end, seq.end);
    if (eT === undefined || eT.end !== seq.end) return undefined;
    const n = unsignedInteger(spki, nT);
    const e = unsignedInteger(spki, eT);
    if (n === undefined || e === undefined) return undefined;
    return { kty: 'RSA', n, e };
  }
  if (equals(spki, oid.start, oid.end, OID_EC)) {
    const params = readTlv(spki, oid.end, alg.end);
    if (params === undefined || params.tag !== 0x06 || params.end !== alg.end) return undefined;
    const curve = CURVES.find((c) => equals(spki, params.start, params.end, c.oid));
    if (curve === undefined) return undefined;
    if (bits.end - keyStart !== 1 + 2 * curve.size || spki[keyStart] !== 0x04) return undefined;
    const x = spki.subarray(keyStart + 1, keyStart + 1 + curve.size);
    const y = spki.subarray(keyStart + 1 + curve.size, bits.end);
    return { kty: 'EC', crv: curve.crv, x, y };
  }
  for (const [hex, crv, size] of [
    [OID_ED25519, 'Ed25519', 32],
    [OID_ED448, 'Ed448', 57],
  ] as const) {
    if (equals(spki, oid.start, oid.end, hex)) {
      // RFC 8410 §3: the parameters MUST be absent.
      if (oid.end !== alg.end || bits.end - keyStart !== size) return undefined;
      return { kty: 'OKP', crv, x: spki.subarray(keyStart, bits.end) };
    }
  }
  return undefined;
}

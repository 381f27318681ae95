// TLS 1.2 handshake messages (RFC 5246 §7.4, RFC 8422 §5.4–§5.7, RFC 5077 §3.3), encode and decode side
// by side, strict (shared/STYLE.md, habits 4 and 5). CertificateVerify has the same shape as in TLS 1.3
// (wire/messages13.ts).
import { HandshakeType, groupName, schemeName } from './iana.js';
import { Reader, type SpanSink } from './reader.js';
import { buildHandshake, type HandshakeMessage } from './handshake.js';
import { STATUS_TYPE_OCSP } from './extensions.js';
import { decodeError, illegalParameter } from '../errors.js';

/** RFC 5246 §7.4.2: certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>. */
export function decodeCertificate12(body: Uint8Array, sink?: SpanSink): Uint8Array[] {
  const r = new Reader(body, 0, body.length, sink);
  const list = r.sub24(0, 0xffffff, 'certificate_list');
  const out: Uint8Array[] = [];
  while (!list.atEnd) out.push(list.vec24(1, 0xffffff, 'ASN.1Cert'));
  r.end('Certificate');
  return out;
}

export function encodeCertificate12(chain: readonly Uint8Array[]): HandshakeMessage {
  const size = chain.reduce((n, c) => n + c.length + 3, 8);
  return buildHandshake(HandshakeType.certificate, (w) => w.vec24((x) => chain.forEach((c) => x.vecBytes(3, c))), size);
}

/** RFC 6066 §8: CertificateStatus, status_type ocsp(1) and the DER OCSPResponse. */
export function decodeCertificateStatus(body: Uint8Array, sink?: SpanSink): Uint8Array {
  const r = new Reader(body, 0, body.length, sink);
  const type = r.u8('status_type');
  if (type !== STATUS_TYPE_OCSP) throw illegalParameter(`CertificateStatus: status_type ${type} (only ocsp(1) is defined)`);
  const response = r.vec24(1, 0xffffff, 'OCSPResponse');
  r.end('CertificateStatus');
  return response;
}

export function encodeCertificateStatus(ocspResponse: Uint8Array): HandshakeMessage {
  return buildHandshake(HandshakeType.certificate_status, (w) => w.u8(STATUS_TYPE_OCSP).vecBytes(3, ocspResponse), ocspResponse.length + 8);
}

/** RFC 8422 §5.4: ServerECDHParams signed with a digitally-signed struct (RFC 5246 §4.7). */
export interface ServerKeyExchangeEcdhe {
  readonly group: number;
  readonly publicKey: Uint8Array;
  /** curve_type ‖ named_curve ‖ public: the bytes the signature covers after the two randoms. */
  readonly params: Uint8Array;
  readonly scheme: number;
  readonly signature: Uint8Array;
}

const NAMED_CURVE = 3;

export function encodeEcdheParams(group: number, publicKey: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + publicKey.length);
  out[0] = NAMED_CURVE;
  out[1] = group >>> 8;
  out[2] = group & 0xff;
  out[3] = publicKey.length;
  out.set(publicKey, 4);
  return out;
}

export function decodeServerKeyExchangeEcdhe(body: Uint8Array, sink?: SpanSink): ServerKeyExchangeEcdhe {
  const r = new Reader(body, 0, body.length, sink);
  const curveType = r.u8('curve_type');
  // RFC 8422 §5.4: only named_curve is allowed.
  if (curveType !== NAMED_CURVE) throw illegalParameter(`ServerKeyExchange curve_type ${curveType} is not named_curve`);
  const group = r.u16('namedcurve', groupName);
  const publicKey = r.vec8(1, 255, 'public');
  const params = body.subarray(0, r.offset);
  const scheme = r.u16('algorithm', schemeName);
  const signature = r.vec16(1, 0xffff, 'signature');
  r.end('ServerKeyExchange');
  return { group, publicKey, params, scheme, signature };
}

export function encodeServerKeyExchangeEcdhe(params: Uint8Array, scheme: number, signature: Uint8Array): HandshakeMessage {
  return buildHandshake(HandshakeType.server_key_exchange, (w) => w.bytes(params).u16(scheme).vecBytes(2, signature));
}

/**
 * RFC 4279 §2 / RFC 5489 §2: a PSK suite's ServerKeyExchange: psk_identity_hint<0..2^16-1>, then for
 * ECDHE_PSK the ServerECDHParams (unsigned: the PSK authenticates them through the Finished).
 */
export interface ServerKeyExchangePsk {
  readonly hint: Uint8Array;
  /** ECDHE_PSK only. */
  readonly ecdhe?: { readonly group: number; readonly publicKey: Uint8Array } | undefined;
}

export function decodeServerKeyExchangePsk(body: Uint8Array, withEcdhe: boolean, sink?: SpanSink): ServerKeyExchangePsk {
  const r = new Reader(body, 0, body.length, sink);
  const hint = r.vec16(0, 0xffff, 'psk_identity_hint');
  let ecdhe: ServerKeyExchangePsk['ecdhe'];
  if (withEcdhe) {
    const curveType = r.u8('curve_type');
    if (curveType !== NAMED_CURVE) throw illegalParameter(`ServerKeyExchange curve_type ${curveType} is not named_curve`);
    const group = r.u16('namedcurve', groupName);
    ecdhe = { group, publicKey: r.vec8(1, 255, 'public') };
  }
  r.end('ServerKeyExchange');
  return { hint, ecdhe };
}

export function encodeServerKeyExchangePsk(hint: Uint8Array, ecdheParams?: Uint8Array): HandshakeMessage {
  return buildHandshake(HandshakeType.server_key_exchange, (w) => {
    w.vecBytes(2, hint);
    if (ecdheParams !== undefined) w.bytes(ecdheParams);
  });
}

/** RFC 4279 §2 / RFC 5489 §2: ClientKeyExchange of a PSK suite: psk_identity<0..2^16-1> [, the ECDH point<1..255>]. */
export interface ClientKeyExchangePsk {
  readonly identity: Uint8Array;
  readonly point: Uint8Array | undefined;
}

export function decodeClientKeyExchangePsk(body: Uint8Array, withEcdhe: boolean, sink?: SpanSink): ClientKeyExchangePsk {
  const r = new Reader(body, 0, body.length, sink);
  const identity = r.vec16(0, 0xffff, 'psk_identity');
  const point = withEcdhe ? r.vec8(1, 255, 'ecdh_Yc') : undefined;
  r.end('ClientKeyExchange');
  return { identity, point };
}

export function encodeClientKeyExchangePsk(identity: Uint8Array, point?: Uint8Array): HandshakeMessage {
  return buildHandshake(HandshakeType.client_key_exchange, (w) => {
    w.vecBytes(2, identity);
    if (point !== undefined) w.vecBytes(1, point);
  });
}

/** RFC 4279 §2 / RFC 5489 §2: the premaster secret: other_secret<0..2^16-1> ‖ psk<0..2^16-1>; zeros of the PSK's length for plain PSK. */
export function pskPremaster(psk: Uint8Array, otherSecret?: Uint8Array): Uint8Array {
  const other = otherSecret ?? new Uint8Array(psk.length);
  const out = new Uint8Array(4 + other.length + psk.length);
  out[0] = other.length >>> 8;
  out[1] = other.length & 0xff;
  out.set(other, 2);
  out[2 + other.length] = psk.length >>> 8;
  out[3 + other.length] = psk.length & 0xff;
  out.set(psk, 4 + other.length);
  return out;
}

/** RFC 5246 §7.4.4. */
export interface CertificateRequest12 {
  readonly certificateTypes: readonly number[];
  readonly signatureAlgorithms: readonly number[];
  readonly authorities: readonly Uint8Array[];
}

export function decodeCertificateRequest12(body: Uint8Array, sink?: SpanSink): CertificateRequest12 {
  const r = new Reader(body, 0, body.length, sink);
  const certificateTypes = [...r.vec8(1, 255, 'certificate_types')];
  const algs = r.sub16(2, 0xfffe, 'supported_signature_algorithms');
  if (algs.remaining % 2 !== 0) throw decodeError('supported_signature_algorithms: odd length');
  const signatureAlgorithms: number[] = [];
  while (!algs.atEnd) signatureAlgorithms.push(algs.u16('SignatureAndHashAlgorithm', schemeName));
  const cas = r.sub16(0, 0xffff, 'certificate_authorities');
  const authorities: Uint8Array[] = [];
  while (!cas.atEnd) authorities.push(cas.vec16(1, 0xffff, 'DistinguishedName'));
  r.end('CertificateRequest');
  return { certificateTypes, signatureAlgorithms, authorities };
}

export function encodeCertificateRequest12(cr: CertificateRequest12): HandshakeMessage {
  return buildHandshake(HandshakeType.certificate_request, (w) => {
    w.vec8((x) => cr.certificateTypes.forEach((t) => x.u8(t)));
    w.vec16((x) => cr.signatureAlgorithms.forEach((s) => x.u16(s)));
    w.vec16((x) => cr.authorities.forEach((a) => x.vecBytes(2, a)));
  });
}

/** RFC 5246 §7.4.5 ServerHelloDone and §7.4.1.1 HelloRequest: empty bodies. */
export function decodeEmptyMessage(body: Uint8Array, what: string): void {
  if (body.length !== 0) throw decodeError(`${what} must be empty, got ${body.length} byte(s)`);
}

export function encodeServerHelloDone(): HandshakeMessage {
  return buildHandshake(HandshakeType.server_hello_done, () => undefined, 4);
}

export function encodeHelloRequest(): HandshakeMessage {
  return buildHandshake(HandshakeType.hello_request, () => undefined, 4);
}

/** RFC 8422 §5.7: ClientECDiffieHellmanPublic, the point as opaque<1..255>. */
export function decodeClientKeyExchangeEcdhe(body: Uint8Array, sink?: SpanSink): Uint8Array {
  const r = new Reader(body, 0, body.length, sink);
  const point = r.vec8(1, 255, 'ecdh_Yc');
  r.end('ClientKeyExchange');
  return point;
}

export function encodeClientKeyExchangeEcdhe(point: Uint8Array): HandshakeMessage {
  return buildHandshake(HandshakeType.client_key_exchange, (w) => w.vecBytes(1, point));
}

/** RFC 5246 §7.4.7.1: EncryptedPreMasterSecret, public-key-encrypted opaque<0..2^16-1>. */
export function decodeClientKeyExchangeRsa(body: Uint8Array, sink?: SpanSink): Uint8Array {
  const r = new Reader(body, 0, body.length, sink);
  const ct = r.vec16(0, 0xffff, 'encrypted_pre_master_secret');
  r.end('ClientKeyExchange');
  return ct;
}

export function encodeClientKeyExchangeRsa(ciphertext: Uint8Array): HandshakeMessage {
  return buildHandshake(HandshakeType.client_key_exchange, (w) => w.vecBytes(2, ciphertext));
}

/** RFC 5246 §7.4.9: verify_data of exactly 12 bytes for every suite typetls implements. */
export function decodeFinished12(body: Uint8Array, sink?: SpanSink): Uint8Array {
  if (body.length !== 12) throw decodeError(`Finished is ${body.length} bytes, expected 12`);
  return new Reader(body, 0, body.length, sink).bytes(12, 'verify_data');
}

export function encodeFinished12(verifyData: Uint8Array): HandshakeMessage {
  return buildHandshake(HandshakeType.finished, (w) => w.bytes(verifyData), 16);
}

/** RFC 5077 §3.3. */
export interface NewSessionTicket12 {
  readonly lifetimeHint: number;
  readonly ticket: Uint8Array;
}

export function decodeNewSessionTicket12(body: Uint8Array, sink?: SpanSink): NewSessionTicket12 {
  const r = new Reader(body, 0, body.length, sink);
  const lifetimeHint = r.u32('ticket_lifetime_hint');
  const ticket = r.vec16(0, 0xffff, 'ticket');
  r.end('NewSessionTicket');
  return { lifetimeHint, ticket };
}

export function encodeNewSessionTicket12(t: NewSessionTicket12): HandshakeMessage {
  return buildHandshake(HandshakeType.new_session_ticket, (w) => w.u32(t.lifetimeHint).vecBytes(2, t.ticket));
}

// TLS 1.3 handshake messages after the hellos (RFC 8446 §4.3–§4.6), encode and decode side by side.
import { AlertDescription, HandshakeType, KeyUpdateRequest, schemeName } from './iana.js';
import { Reader, type SpanSink } from './reader.js';
import { decodeExtensions, encodeExtensions, type Extension, type HelloExtensions } from './extensions.js';
import { buildHandshake, type HandshakeMessage } from './handshake.js';
import { TlsError, decodeError, illegalParameter } from '../errors.js';

export interface EncryptedExtensions {
  readonly extensions: readonly Extension[];
  readonly ext: HelloExtensions;
}

export function decodeEncryptedExtensions(body: Uint8Array, sink?: SpanSink): EncryptedExtensions {
  const r = new Reader(body, 0, body.length, sink);
  const { list, ext } = decodeExtensions(r, 'encrypted_extensions');
  r.end('EncryptedExtensions');
  return { extensions: list, ext };
}

export function encodeEncryptedExtensions(extensions: readonly Extension[]): HandshakeMessage {
  return buildHandshake(HandshakeType.encrypted_extensions, (w) => encodeExtensions(w, extensions));
}

export interface CertificateEntry {
  readonly data: Uint8Array;
  readonly extensions: readonly Extension[];
  readonly ext: HelloExtensions;
}

export interface Certificate13 {
  readonly requestContext: Uint8Array;
  readonly entries: readonly CertificateEntry[];
}

export function decodeCertificate13(body: Uint8Array, sink?: SpanSink): Certificate13 {
  const r = new Reader(body, 0, body.length, sink);
  const requestContext = r.vec8(0, 255, 'certificate_request_context');
  const list = r.sub24(0, 0xffffff, 'certificate_list');
  const entries: CertificateEntry[] = [];
  while (!list.atEnd) {
    const data = list.vec24(1, 0xffffff, 'cert_data');
    const { list: extensions, ext } = decodeExtensions(list, 'certificate');
    entries.push({ data, extensions, ext });
  }
  r.end('Certificate');
  return { requestContext, entries };
}

/** `leafExtensions` go with the first entry (e.g. the stapled OCSP response); the others have none. */
export function encodeCertificate13(requestContext: Uint8Array, chain: readonly Uint8Array[], leafExtensions: readonly Extension[] = []): HandshakeMessage {
  const size = chain.reduce((n, c) => n + c.length + 5, 16) + leafExtensions.reduce((n, e) => n + e.data.length + 4, 0);
  return buildHandshake(
    HandshakeType.certificate,
    (w) => {
      w.vecBytes(1, requestContext);
      w.vec24((x) => {
        chain.forEach((c, i) => {
          x.vecBytes(3, c);
          if (i === 0 && leafExtensions.length > 0) encodeExtensions(x, leafExtensions);
          else x.u16(0);
        });
      });
    },
    size,
  );
}

export interface CertificateRequest13 {
  readonly requestContext: Uint8Array;
  readonly extensions: readonly Extension[];
  readonly ext: HelloExtensions;
}

export function decodeCertificateRequest13(body: Uint8Array, sink?: SpanSink): CertificateRequest13 {
  const r = new Reader(body, 0, body.length, sink);
  const requestContext = r.vec8(0, 255, 'certificate_request_context');
  const { list, ext } = decodeExtensions(r, 'certificate_request', 2);
  r.end('CertificateRequest');
  // RFC 8446 §4.3.2: signature_algorithms MUST be present.
  if (ext.signatureAlgorithms === undefined) {
    throw new TlsError('ERR_TLS_MISSING_EXTENSION', AlertDescription.missing_extension, 'CertificateRequest without signature_algorithms');
  }
  return { requestContext, extensions: list, ext };
}

export function encodeCertificateRequest13(requestContext: Uint8Array, extensions: readonly Extension[]): HandshakeMessage {
  return buildHandshake(HandshakeType.certificate_request, (w) => {
    w.vecBytes(1, requestContext);
    encodeExtensions(w, extensions);
  });
}

export interface CertificateVerify {
  readonly scheme: number;
  readonly signature: Uint8Array;
}

export function decodeCertificateVerify(body: Uint8Array, sink?: SpanSink): CertificateVerify {
  const r = new Reader(body, 0, body.length, sink);
  const scheme = r.u16('algorithm', schemeName);
  const signature = r.vec16(1, 0xffff, 'signature');
  r.end('CertificateVerify');
  return { scheme, signature };
}

export function encodeCertificateVerify(scheme: number, signature: Uint8Array): HandshakeMessage {
  return buildHandshake(HandshakeType.certificate_verify, (w) => w.u16(scheme).vecBytes(2, signature));
}

export function decodeFinished(body: Uint8Array, hashLength: number, sink?: SpanSink): Uint8Array {
  const r = new Reader(body, 0, body.length, sink);
  // RFC 8446 §4.4.4: verify_data is Hash.length bytes; any other length is a decode_error.
  if (body.length !== hashLength) throw decodeError(`Finished is ${body.length} bytes, expected ${hashLength}`);
  return r.bytes(hashLength, 'verify_data');
}

export function encodeFinished(verifyData: Uint8Array): HandshakeMessage {
  return buildHandshake(HandshakeType.finished, (w) => w.bytes(verifyData));
}

export interface NewSessionTicket13 {
  readonly lifetime: number;
  readonly ageAdd: number;
  readonly nonce: Uint8Array;
  readonly ticket: Uint8Array;
  readonly extensions: readonly Extension[];
  readonly ext: HelloExtensions;
}

export function decodeNewSessionTicket13(body: Uint8Array, sink?: SpanSink): NewSessionTicket13 {
  const r = new Reader(body, 0, body.length, sink);
  const lifetime = r.u32('ticket_lifetime');
  // RFC 8446 §4.6.1: lifetime at most seven days.
  if (lifetime > 604800) throw illegalParameter(`ticket lifetime ${lifetime}s exceeds seven days`);
  const ageAdd = r.u32('ticket_age_add');
  const nonce = r.vec8(0, 255, 'ticket_nonce');
  const ticket = r.vec16(1, 0xffff, 'ticket');
  const { list, ext } = decodeExtensions(r, 'new_session_ticket');
  r.end('NewSessionTicket');
  return { lifetime, ageAdd, nonce, ticket, extensions: list, ext };
}

export function encodeNewSessionTicket13(t: Omit<NewSessionTicket13, 'ext'>): HandshakeMessage {
  return buildHandshake(HandshakeType.new_session_ticket, (w) => {
    w.u32(t.lifetime).u32(t.ageAdd).vecBytes(1, t.nonce).vecBytes(2, t.ticket);
    encodeExtensions(w, t.extensions);
  });
}

export function decodeKeyUpdate(body: Uint8Array, sink?: SpanSink): number {
  const r = new Reader(body, 0, body.length, sink);
  const v = r.u8('request_update');
  r.end('KeyUpdate');
  // RFC 8446 §4.6.3: every other value is illegal_parameter.
  if (v !== KeyUpdateRequest.update_not_requested && v !== KeyUpdateRequest.update_requested) {
    throw illegalParameter(`KeyUpdate request_update value ${v} is not 0 or 1`);
  }
  return v;
}

export function encodeKeyUpdate(request: number): HandshakeMessage {
  return buildHandshake(HandshakeType.key_update, (w) => w.u8(request));
}

export function decodeEmpty(body: Uint8Array, what: string): void {
  if (body.length !== 0) throw decodeError(`${what} must be empty`);
}

// Decodes traced handshake messages a second time, with the codecs the handshake itself uses, to
// read the values the narration names and (for --trace=bytes) the byte span of every field
// (src/wire/reader.ts SpanSink): the dump is produced by the decoders, not by a second parser.
import { HandshakeType as H, ProtocolVersion, handshakeName } from '../wire/iana.js';
import { Reader, type Span, type SpanSink } from '../wire/reader.js';
import { decodeClientHello, decodeServerHello, type ClientHello, type ServerHello } from '../wire/hello.js';
import {
  decodeCertificate13,
  decodeCertificateRequest13,
  decodeCertificateVerify,
  decodeEncryptedExtensions,
  decodeFinished,
  decodeKeyUpdate,
  decodeNewSessionTicket13,
  type CertificateRequest13,
  type EncryptedExtensions,
} from '../wire/messages13.js';
import { suite13 } from '../keys/schedule13.js';
import { suite12, type Suite12 } from '../keys/suites12.js';
import {
  decodeCertificate12,
  decodeCertificateRequest12,
  decodeClientKeyExchangeEcdhe,
  decodeClientKeyExchangeRsa,
  decodeCertificateStatus,
  decodeEmptyMessage,
  decodeFinished12,
  decodeNewSessionTicket12,
  decodeServerKeyExchangeEcdhe,
  decodeServerKeyExchangePsk,
  decodeClientKeyExchangePsk,
} from '../wire/messages12.js';
import { parseCertificate } from '../pki/certificate.js';

/** What the narration reads from a message. */
export type DecodedMessage =
  | { readonly type: 'client_hello'; readonly hello: ClientHello }
  | { readonly type: 'server_hello'; readonly hello: ServerHello }
  | { readonly type: 'encrypted_extensions'; readonly ee: EncryptedExtensions }
  | { readonly type: 'certificate'; readonly certificates: readonly Uint8Array[] }
  | { readonly type: 'certificate_request'; readonly request: CertificateRequest13 | undefined }
  | { readonly type: 'certificate_verify'; readonly scheme: number; readonly signatureLength: number }
  | { readonly type: 'finished'; readonly length: number }
  /** TLS 1.2 (RFC 8422 §5.4): the server's ECDHE share, signed. */
  | { readonly type: 'server_key_exchange'; readonly group: number; readonly publicKeyLength: number; readonly scheme: number }
  /** TLS 1.2: the client's ECDHE share, or the RSA-encrypted premaster secret. */
  | { readonly type: 'client_key_exchange'; readonly rsa: boolean; readonly length: number }
  /** TLS 1.2 PSK suites (RFC 4279, RFC 5489): the server's identity hint, and ECDHE_PSK's unsigned share. */
  | { readonly type: 'psk_server_key_exchange'; readonly hintLength: number; readonly group: number | undefined }
  /** TLS 1.2 PSK suites: the identity the client names (its length only: identities can be personal), and ECDHE_PSK's share. */
  | { readonly type: 'psk_client_key_exchange'; readonly identityLength: number; readonly ecdhe: boolean }
  | { readonly type: 'other'; readonly name: string };

export interface AnnotatedMessage {
  /** The handshake type's name; `hello_retry_request` for a ServerHello with the special random. */
  readonly name: string;
  readonly decoded: DecodedMessage;
  /** Field spans over the whole message (header included), when asked for. */
  readonly spans: readonly Span[] | undefined;
  /** Set when the message could not be decoded here (the handshake's verdict is in the trace). */
  readonly problem?: string;
}

/** Subject of a certificate, for people ('?' when it does not parse). */
export function certificateSubject(der: Uint8Array): string {
  try {
    return parseCertificate(der).subjectText;
  } catch {
    return '(unparsable certificate)';
  }
}

function shifted(spans: readonly Span[], by: number): Span[] {
  return spans.map((s) => ({ ...s, start: s.start + by, end: s.end + by }));
}

/**
 * Decodes the messages of one connection in order. It follows the negotiation (version, suite) from
 * the ServerHello so that version-dependent messages (Certificate, Finished) decode right.
 */
export class MessageDecoder {
  private version = 0;
  private finishedLength = 32;
  private suite12: Suite12 | undefined;

  /** Message bodies whose codec this build does not have yet fall back to one `body` span. */
  decode(code: number, raw: Uint8Array, withSpans: boolean): AnnotatedMessage {
    const sink: SpanSink | undefined = withSpans ? { spans: [] } : undefined;
    if (sink !== undefined) {
      const header = new Reader(raw, 0, Math.min(4, raw.length), sink);
      header.u8('msg_type', handshakeName);
      header.u24('length');
    }
    const body = raw.subarray(4);
    const bodySink: SpanSink | undefined = withSpans ? { spans: [] } : undefined;
    let decoded: DecodedMessage;
    let name = handshakeName(code);
    let problem: string | undefined;
    try {
      decoded = this.decodeBody(code, body, bodySink);
      if (decoded.type === 'server_hello' && decoded.hello.isHelloRetryRequest) name = 'hello_retry_request';
    } catch (e) {
      problem = e instanceof Error ? e.message : String(e);
      decoded = { type: 'other', name };
      if (bodySink !== undefined) bodySink.spans.length = 0;
    }
    let spans: Span[] | undefined;
    if (sink !== undefined && bodySink !== undefined) {
      spans = [...sink.spans, ...shifted(bodySink.spans, 4)];
      const covered = bodySink.spans.reduce((m, s) => Math.max(m, s.end), 0);
      if (covered < body.length) spans.push({ start: 4 + covered, end: raw.length, name: covered === 0 ? 'body' : 'rest' });
      annotateCertificates(raw, spans);
    }
    return problem === undefined ? { name, decoded, spans } : { name, decoded, spans, problem };
  }

  private decodeBody(code: number, body: Uint8Array, sink: SpanSink | undefined): DecodedMessage {
    const tls13 = this.version === ProtocolVersion.TLSv1_3;
    switch (code) {
      case H.client_hello:
        return { type: 'client_hello', hello: decodeClientHello(body, sink) };
      case H.server_hello: {
        const hello = decodeServerHello(body, sink);
        this.version = hello.ext.selectedVersion ?? hello.legacyVersion;
        const s = suite13(hello.cipherSuite);
        this.finishedLength = this.version === ProtocolVersion.TLSv1_3 && s !== undefined ? s.hashLength : 12;
        this.suite12 = this.version === ProtocolVersion.TLSv1_3 ? undefined : suite12(hello.cipherSuite);
        return { type: 'server_hello', hello };
      }
      case H.encrypted_extensions:
        return { type: 'encrypted_extensions', ee: decodeEncryptedExtensions(body, sink) };
      case H.certificate:
        if (tls13) return { type: 'certificate', certificates: decodeCertificate13(body, sink).entries.map((e) => e.data) };
        return { type: 'certificate', certificates: decodeCertificate12(body, sink) };
      case H.certificate_request:
        if (tls13) return { type: 'certificate_request', request: decodeCertificateRequest13(body, sink) };
        decodeCertificateRequest12(body, sink);
        return { type: 'certificate_request', request: undefined };
      case H.certificate_verify: {
        const cv = decodeCertificateVerify(body, sink);
        return { type: 'certificate_verify', scheme: cv.scheme, signatureLength: cv.signature.length };
      }
      case H.finished:
        if (tls13) return { type: 'finished', length: decodeFinished(body, this.finishedLength, sink).length };
        return { type: 'finished', length: decodeFinished12(body, sink).length };
      case H.new_session_ticket:
        if (tls13) {
          decodeNewSessionTicket13(body, sink);
          return { type: 'other', name: 'new_session_ticket' };
        }
        decodeNewSessionTicket12(body, sink);
        return { type: 'other', name: 'new_session_ticket' };
      case H.server_key_exchange: {
        if (this.suite12?.psk === true) {
          const p = decodeServerKeyExchangePsk(body, this.suite12.keyExchange === 'ecdhe_psk', sink);
          return { type: 'psk_server_key_exchange', hintLength: p.hint.length, group: p.ecdhe?.group };
        }
        const ske = decodeServerKeyExchangeEcdhe(body, sink);
        return { type: 'server_key_exchange', group: ske.group, publicKeyLength: ske.publicKey.length, scheme: ske.scheme };
      }
      case H.client_key_exchange: {
        // RFC 5246 §7.4.7: the form depends on the suite's key exchange.
        if (this.suite12?.psk === true) {
          const ecdhe = this.suite12.keyExchange === 'ecdhe_psk';
          const p = decodeClientKeyExchangePsk(body, ecdhe, sink);
          return { type: 'psk_client_key_exchange', identityLength: p.identity.length, ecdhe };
        }
        const rsa = this.suite12?.keyExchange === 'rsa';
        const v = rsa ? decodeClientKeyExchangeRsa(body, sink) : decodeClientKeyExchangeEcdhe(body, sink);
        return { type: 'client_key_exchange', rsa, length: v.length };
      }
      case H.certificate_status:
        decodeCertificateStatus(body, sink);
        return { type: 'other', name: 'certificate_status' };
      case H.server_hello_done:
        decodeEmptyMessage(body, 'ServerHelloDone');
        return { type: 'other', name: 'server_hello_done' };
      case H.key_update:
        decodeKeyUpdate(body, sink);
        return { type: 'other', name: 'key_update' };
      default:
        break;
    }
    return { type: 'other', name: handshakeName(code) };
  }
}

/** cert_data spans get the certificate's subject as their meaning. */
function annotateCertificates(raw: Uint8Array, spans: Span[]): void {
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i] as Span;
    if (s.value === undefined && /(^|\.)cert_data$/.test(s.name)) {
      spans[i] = { ...s, value: certificateSubject(raw.subarray(s.start, s.end)) };
    }
  }
}

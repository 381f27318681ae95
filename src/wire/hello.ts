// ClientHello and ServerHello (RFC 8446 §4.1.2, §4.1.3; RFC 5246 §7.4.1.2, §7.4.1.3). One codec serves
// both versions: the legacy fields are kept as they are on the wire.
import { CipherSuite, HandshakeType, ProtocolVersion, suiteName, versionName } from './iana.js';
import { Reader, type SpanSink } from './reader.js';
import { Writer } from './writer.js';
import { decodeExtensions, encodeExtensions, type Extension, type HelloExtensions } from './extensions.js';
import { buildHandshake, type HandshakeMessage } from './handshake.js';
import { TlsError, decodeError } from '../errors.js';
import { AlertDescription } from './iana.js';

export interface ClientHello {
  readonly legacyVersion: number;
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly cipherSuites: readonly number[];
  readonly compressionMethods: readonly number[];
  /** Raw extensions in wire order (empty when the message had no extensions block). */
  readonly extensions: readonly Extension[];
  readonly ext: HelloExtensions;
  /** Whether the message carried an extensions block at all (old TLS 1.2 clients may omit it). */
  readonly hasExtensionsBlock: boolean;
}

export interface ServerHello {
  readonly legacyVersion: number;
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly cipherSuite: number;
  readonly compressionMethod: number;
  readonly extensions: readonly Extension[];
  readonly ext: HelloExtensions;
  /** RFC 8446 §4.1.3: a ServerHello with the special random is a HelloRetryRequest. */
  readonly isHelloRetryRequest: boolean;
}

/** RFC 8446 §4.1.3: SHA-256 of "HelloRetryRequest". */
export const HELLO_RETRY_REQUEST_RANDOM = new Uint8Array([
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
  0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
]);

/** RFC 8446 §4.1.3: the last 8 bytes of a downgraded server random. */
export const DOWNGRADE_TLS12 = new Uint8Array([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01]);
export const DOWNGRADE_TLS11 = new Uint8Array([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00]);

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

export function decodeClientHello(body: Uint8Array, sink?: SpanSink, base = 0): ClientHello {
  const r = new Reader(body, 0, body.length, sink);
  void base;
  const legacyVersion = r.u16('legacy_version', versionName);
  const random = r.bytes(32, 'random', hex);
  const sessionId = r.vec8(0, 32, 'legacy_session_id', hex);
  const suites = r.sub16(2, 0xfffe, 'cipher_suites');
  if (suites.remaining % 2 !== 0) throw decodeError('cipher_suites: odd length');
  const cipherSuites: number[] = [];
  while (!suites.atEnd) cipherSuites.push(suites.u16('cipher_suite', suiteName));
  const compressionMethods = [...r.vec8(1, 255, 'legacy_compression_methods')];
  let extensions: Extension[] = [];
  let ext: HelloExtensions = {};
  const hasExtensionsBlock = !r.atEnd;
  if (hasExtensionsBlock) ({ list: extensions, ext } = decodeExtensions(r, 'client_hello'));
  r.end('ClientHello');
  return { legacyVersion, random, sessionId, cipherSuites, compressionMethods, extensions, ext, hasExtensionsBlock };
}

export function encodeClientHello(ch: Omit<ClientHello, 'ext' | 'hasExtensionsBlock'>): HandshakeMessage {
  return buildHandshake(HandshakeType.client_hello, (w: Writer) => {
    w.u16(ch.legacyVersion).bytes(ch.random).vecBytes(1, ch.sessionId);
    w.vec16((x) => ch.cipherSuites.forEach((s) => x.u16(s)));
    w.vec8((x) => ch.compressionMethods.forEach((m) => x.u8(m)));
    encodeExtensions(w, ch.extensions);
  }, 512);
}

export function decodeServerHello(body: Uint8Array, sink?: SpanSink): ServerHello {
  const r = new Reader(body, 0, body.length, sink);
  const legacyVersion = r.u16('legacy_version', versionName);
  const random = r.bytes(32, 'random', hex);
  let isHelloRetryRequest = true;
  for (let i = 0; i < 32; i++) if (random[i] !== HELLO_RETRY_REQUEST_RANDOM[i]) isHelloRetryRequest = false;
  const sessionId = r.vec8(0, 32, 'legacy_session_id_echo', hex);
  const cipherSuite = r.u16('cipher_suite', suiteName);
  const compressionMethod = r.u8('legacy_compression_method');
  let extensions: Extension[] = [];
  let ext: HelloExtensions = {};
  if (!r.atEnd) ({ list: extensions, ext } = decodeExtensions(r, isHelloRetryRequest ? 'hello_retry_request' : 'server_hello'));
  r.end('ServerHello');
  return { legacyVersion, random, sessionId, cipherSuite, compressionMethod, extensions, ext, isHelloRetryRequest };
}

export function encodeServerHello(sh: Omit<ServerHello, 'ext' | 'isHelloRetryRequest'>, omitEmptyExtensions = false): HandshakeMessage {
  return buildHandshake(HandshakeType.server_hello, (w: Writer) => {
    w.u16(sh.legacyVersion).bytes(sh.random).vecBytes(1, sh.sessionId).u16(sh.cipherSuite).u8(sh.compressionMethod);
    if (!(omitEmptyExtensions && sh.extensions.length === 0)) encodeExtensions(w, sh.extensions);
  });
}

/** RFC 8446 §4.1.2: the versions a ClientHello offers (supported_versions, else legacy_version). */
export function offeredVersions(ch: ClientHello): readonly number[] {
  return ch.ext.supportedVersions ?? [Math.min(ch.legacyVersion, ProtocolVersion.TLSv1_2)];
}

export const SCSV = {
  renegotiation: CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV,
  fallback: CipherSuite.TLS_FALLBACK_SCSV,
} as const;

export function protocolVersionError(message: string): TlsError {
  return new TlsError('ERR_TLS_PROTOCOL_VERSION', AlertDescription.protocol_version, message);
}

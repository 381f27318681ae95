// record_size_limit (RFC 8449): each side announces the largest record it is willing to receive; a
// side that sees the peer's limit never sends a larger protected record. In TLS 1.3 the limit counts
// the content type byte and padding (TLSInnerPlaintext), so content per record is limit - 1; the
// largest limit is 2^14 + 1. TLS 1.2 limits are at most 2^14. The engine applies the negotiated pair
// (Engine.setRecordSizeLimits), which the TLS 1.2 handshake uses too.
import { ext as X, type Extension, type HelloExtensions } from '../wire/extensions.js';
import { illegalParameter } from '../errors.js';
import type { Engine } from '../conn/engine.js';
import { ProtocolVersion } from '../wire/iana.js';

const MAX_RECORD_SIZE_LIMIT_13 = (1 << 14) + 1;
const MAX_RECORD_SIZE_LIMIT_12 = 1 << 14;

/** The limit we announce for this version: the configured one, capped to the version's maximum. */
function ownLimit(configured: number | undefined, version: number): number {
  const max = version === ProtocolVersion.TLSv1_3 ? MAX_RECORD_SIZE_LIMIT_13 : MAX_RECORD_SIZE_LIMIT_12;
  return Math.min(configured ?? max, max);
}

/** Client: the extension for the ClientHello, when configured (the TLS 1.3 maximum covers both versions). */
export function clientRecordSizeLimit(configured: number | undefined): Extension | undefined {
  return configured === undefined ? undefined : X.recordSizeLimit(ownLimit(configured, ProtocolVersion.TLSv1_3));
}

/**
 * Server: when the client announced a limit, apply both limits and return our extension for
 * EncryptedExtensions (TLS 1.3) or the ServerHello (TLS 1.2); undefined when the client sent none.
 * Call it once the version is set and the ServerHello has gone out (unprotected records are exempt).
 */
export function recordSizeLimitExtension(conn: Engine, hello: { readonly ext: HelloExtensions }, version = ProtocolVersion.TLSv1_3): Extension | undefined {
  const peer = hello.ext.recordSizeLimit;
  if (peer === undefined) return undefined;
  const own = ownLimit(conn.config.recordSizeLimit, version);
  conn.setRecordSizeLimits({ send: peer, receive: own });
  return X.recordSizeLimit(own);
}

/** Client: the server's answer (EncryptedExtensions or the TLS 1.2 ServerHello) sets both limits. */
export function applyServerRecordSizeLimit(conn: Engine, ext: HelloExtensions, version = ProtocolVersion.TLSv1_3): void {
  const peer = ext.recordSizeLimit;
  if (peer === undefined) return;
  // RFC 8449 §4: below 64 is illegal_parameter (the decoder checks too); a value above the protocol's
  // maximum only means the protocol maximum (the engine caps it).
  if (peer < 64) throw illegalParameter(`record_size_limit ${peer} is below 64`);
  conn.setRecordSizeLimits({ send: peer, receive: ownLimit(conn.config.recordSizeLimit, version) });
}

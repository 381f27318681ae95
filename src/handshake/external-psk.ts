// What TLS 1.3 external PSKs (RFC 8446 §4.2.11) and TLS 1.2 PSK suites (RFC 4279) share: the checks
// on an application's key and identity, and the hash a TLS 1.3 external PSK is used with.
import { TlsError } from '../errors.js';
import { AlertDescription } from '../wire/iana.js';

/** RFC 8446 §4.2.11: SHA-256 unless agreed otherwise (what OpenSSL and node:tls use with a PSK callback). */
export const EXTERNAL_PSK_HASH = 'sha256';

/** Longer identities are not external PSK names (OpenSSL's PSK_MAX_IDENTITY_LEN): a server does not look them up. */
export const MAX_EXTERNAL_IDENTITY = 256;

/** RFC 4279 §5.3: the identity fits its 16-bit length; the key is 1 to 512 bytes (OpenSSL's and node:tls's limit). */
export function checkExternalPsk(identity: Uint8Array, key: Uint8Array): void {
  if (!(identity instanceof Uint8Array) || identity.length > 0xffff) throw new TlsError('ERR_TLS_PSK_INVALID', AlertDescription.internal_error, 'the PSK identity must be bytes, at most 65535');
  if (!(key instanceof Uint8Array) || key.length === 0 || key.length > 512) {
    throw new TlsError('ERR_TLS_PSK_INVALID', AlertDescription.internal_error, `the pre-shared key must be 1 to 512 bytes, got ${key instanceof Uint8Array ? key.length : typeof key}`);
  }
}

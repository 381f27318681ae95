// node:tls's module-level helpers and defaults, typetls flavour: checkServerIdentity (for an
// application's own check that starts with the default one, e.g. certificate pinning), getCiphers(),
// rootCertificates and the DEFAULT_* values. The defaults are typetls's and read-only: assigning to
// them does not change anything (an ES module's exports cannot be assigned from outside).
import { rootCertificates as nodeRoots } from 'node:tls';
import { TLS12_CAPABILITIES } from '../conn/defaults.js';
import { TLS13_SUITES } from '../conn/resolve.js';
import { TlsError } from '../errors.js';
import { parseCertificate } from '../pki/certificate.js';
import { checkIdentity } from '../pki/verify.js';
import { AlertDescription } from '../wire/iana.js';
import { suiteNames, suiteNamesOf } from '../wire/names.js';
import type { PeerCertificate } from './certificate.js';

/** node:tls's error for a name mismatch: code, `reason`, `host` and `cert` as node:tls sets them. */
export interface CertAltnameError extends TlsError {
  readonly reason: string;
  readonly host: string;
  readonly cert: PeerCertificate;
}

function altnameError(host: string, cert: PeerCertificate, reason: string): CertAltnameError {
  const err = new TlsError('ERR_TLS_CERT_ALTNAME_INVALID', AlertDescription.bad_certificate, `Hostname/IP does not match certificate's altnames: ${reason}`);
  return Object.assign(err, { reason, host, cert });
}

/**
 * node:tls's checkServerIdentity(hostname, cert) with typetls's rule, the one its client applies
 * (RFC 9525: subjectAltName DNS names and IP addresses only, no common-name fallback; a wildcard only
 * as the whole left-most label). `cert` is a getPeerCertificate() object (its `raw` DER is read).
 * Returns undefined when the certificate is valid for `hostname`, else the error to return.
 */
export function checkServerIdentity(hostname: string, cert: PeerCertificate): CertAltnameError | undefined {
  const raw: unknown = (cert as Partial<PeerCertificate> | null | undefined)?.raw;
  if (!(raw instanceof Uint8Array)) return altnameError(hostname, cert, 'the certificate object has no raw DER (pass what getPeerCertificate() returns)');
  try {
    checkIdentity(parseCertificate(raw), hostname, undefined);
    return undefined;
  } catch (e) {
    return altnameError(hostname, cert, e instanceof Error ? e.message : String(e));
  }
}

/** The cipher suites typetls implements, by OpenSSL name in lower case, as node:tls's getCiphers() lists them. */
export function getCiphers(): string[] {
  return suiteNames.map((s) => s.openssl.toLowerCase());
}

/** Node's root store: typetls's default trust anchors (replaced, not extended, by a `ca` option). */
export const rootCertificates: readonly string[] = nodeRoots;

export const DEFAULT_MIN_VERSION = 'TLSv1.2';
export const DEFAULT_MAX_VERSION = 'TLSv1.3';
/** The default groups: X25519, P-256, P-384 (node:tls's spelling of "the implementation's default"). */
export const DEFAULT_ECDH_CURVE = 'auto';
/** The suites offered by default, TLS 1.3 first, in OpenSSL's spelling (forward-secret AEAD suites only). */
export const DEFAULT_CIPHERS: string = [...TLS13_SUITES, ...TLS12_CAPABILITIES.defaultSuites12]
  .map((code) => suiteNamesOf(code)?.openssl)
  .filter((n): n is string => n !== undefined)
  .join(':');

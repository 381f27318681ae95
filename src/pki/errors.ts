// Verification failures: node:tls's error codes (OpenSSL's X509_V_ERR names) and the TLS alert each
// maps to, following OpenSSL's ssl_verify_alarm_type so peers see the alerts they expect.
import { TlsError } from '../errors.js';
import { AlertDescription } from '../wire/iana.js';

export type VerifyErrorCode =
  | 'CERT_HAS_EXPIRED'
  | 'CERT_NOT_YET_VALID'
  | 'DEPTH_ZERO_SELF_SIGNED_CERT'
  | 'SELF_SIGNED_CERT_IN_CHAIN'
  | 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'
  | 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'
  | 'CERT_SIGNATURE_FAILURE'
  | 'CERT_CHAIN_TOO_LONG'
  | 'INVALID_CA'
  | 'PATH_LENGTH_EXCEEDED'
  | 'INVALID_PURPOSE'
  | 'CERT_REVOKED'
  | 'CRL_HAS_EXPIRED'
  | 'CRL_NOT_YET_VALID'
  | 'CRL_SIGNATURE_FAILURE'
  | 'ERR_TLS_CERT_ALTNAME_INVALID'
  | 'CERT_REJECTED'
  | 'UNHANDLED_CRITICAL_EXTENSION'
  | 'CA_MD_TOO_WEAK'
  | 'EE_KEY_TOO_SMALL'
  | 'CA_KEY_TOO_SMALL'
  | 'UNSUPPORTED_SIGNATURE_ALGORITHM'
  | 'UNSUPPORTED_PUBLIC_KEY'
  | 'ERR_TLS_CERT_MALFORMED'
  | 'ERR_TLS_CERT_PROFILE'
  | 'ERR_TLS_CERT_CHAIN_TOO_COMPLEX'
  | 'ERR_TLS_NO_TRUST_ANCHORS'
  | 'ERR_TLS_NO_CRYPTO_PROVIDER';

const ALERTS: Readonly<Record<VerifyErrorCode, number>> = {
  CERT_HAS_EXPIRED: AlertDescription.certificate_expired,
  CERT_NOT_YET_VALID: AlertDescription.bad_certificate,
  DEPTH_ZERO_SELF_SIGNED_CERT: AlertDescription.unknown_ca,
  SELF_SIGNED_CERT_IN_CHAIN: AlertDescription.unknown_ca,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: AlertDescription.unknown_ca,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: AlertDescription.unknown_ca,
  CERT_SIGNATURE_FAILURE: AlertDescription.bad_certificate,
  CERT_CHAIN_TOO_LONG: AlertDescription.unknown_ca,
  INVALID_CA: AlertDescription.unknown_ca,
  PATH_LENGTH_EXCEEDED: AlertDescription.bad_certificate,
  INVALID_PURPOSE: AlertDescription.unsupported_certificate,
  CERT_REVOKED: AlertDescription.certificate_revoked,
  CRL_HAS_EXPIRED: AlertDescription.certificate_expired,
  CRL_NOT_YET_VALID: AlertDescription.bad_certificate,
  CRL_SIGNATURE_FAILURE: AlertDescription.bad_certificate,
  ERR_TLS_CERT_ALTNAME_INVALID: AlertDescription.bad_certificate,
  CERT_REJECTED: AlertDescription.bad_certificate,
  UNHANDLED_CRITICAL_EXTENSION: AlertDescription.unsupported_certificate,
  CA_MD_TOO_WEAK: AlertDescription.bad_certificate,
  EE_KEY_TOO_SMALL: AlertDescription.bad_certificate,
  CA_KEY_TOO_SMALL: AlertDescription.bad_certificate,
  UNSUPPORTED_SIGNATURE_ALGORITHM: AlertDescription.unsupported_certificate,
  UNSUPPORTED_PUBLIC_KEY: AlertDescription.unsupported_certificate,
  ERR_TLS_CERT_MALFORMED: AlertDescription.bad_certificate,
  ERR_TLS_CERT_PROFILE: AlertDescription.bad_certificate,
  ERR_TLS_CERT_CHAIN_TOO_COMPLEX: AlertDescription.certificate_unknown,
  ERR_TLS_NO_TRUST_ANCHORS: AlertDescription.certificate_unknown,
  ERR_TLS_NO_CRYPTO_PROVIDER: AlertDescription.internal_error,
};

export function verifyError(code: VerifyErrorCode, message: string, cause?: unknown): TlsError {
  return new TlsError(code, ALERTS[code], message, cause === undefined ? {} : { cause });
}

/** Why a PKCS#12 (PFX) file cannot be used (src/pki/pkcs12.ts); the node adapter names the `pfx` option around it. */
export type Pkcs12ErrorCode =
  | 'ERR_TLS_PKCS12_MALFORMED'
  | 'ERR_TLS_PKCS12_MAC_VERIFY_FAILURE'
  | 'ERR_TLS_PKCS12_MAC_ABSENT'
  | 'ERR_TLS_PKCS12_BAD_DECRYPT'
  | 'ERR_TLS_PKCS12_UNSUPPORTED'
  | 'ERR_TLS_PKCS12_LIMIT'
  | 'ERR_TLS_PKCS12_NO_KEY'
  | 'ERR_TLS_PKCS12_NO_CERTIFICATE';

export function pkcs12Error(code: Pkcs12ErrorCode, message: string, cause?: unknown): TlsError {
  // A local file, not a peer: no alert is ever sent for it.
  return new TlsError(code, AlertDescription.internal_error, message, cause === undefined ? {} : { cause });
}

// Which alert went over the wire, read from the errors each side saw. typetls errors carry the
// alert (TlsError.alert, .remote); node:tls/OpenSSL errors name a received alert in their code
// (ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED) and certificate failures by X.509 error name.
import { alertName } from '../wire/iana.js';

export interface AlertEvidence {
  /** The alert description name, e.g. `bad_record_mac`. */
  readonly alert: string;
  /** 'received' when this side got it from the peer, 'sent' when this side sent it. */
  readonly direction: 'received' | 'sent';
}

/** The alert RFC 8446 §6.2 / RFC 5246 §7.2.2 associate with a certificate verification failure. */
const CERT_FAILURE_ALERT: Readonly<Record<string, string>> = {
  CERT_HAS_EXPIRED: 'certificate_expired',
  CERT_NOT_YET_VALID: 'certificate_expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'bad_certificate',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unknown_ca',
  UNABLE_TO_GET_ISSUER_CERT: 'unknown_ca',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unknown_ca',
  SELF_SIGNED_CERT_IN_CHAIN: 'unknown_ca',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'unknown_ca',
  CERT_SIGNATURE_FAILURE: 'decrypt_error',
  CERT_REVOKED: 'certificate_revoked',
  INVALID_PURPOSE: 'unsupported_certificate',
};

function fields(err: unknown): { code: string | undefined; alert: number | undefined; remote: boolean | undefined } {
  if (typeof err !== 'object' || err === null) return { code: undefined, alert: undefined, remote: undefined };
  const e = err as { code?: unknown; alert?: unknown; remote?: unknown };
  return {
    code: typeof e.code === 'string' ? e.code : undefined,
    alert: typeof e.alert === 'number' ? e.alert : undefined,
    remote: typeof e.remote === 'boolean' ? e.remote : undefined,
  };
}

/** The alert this error shows to have crossed the wire, if it shows one. */
export function alertFromError(err: unknown): AlertEvidence | undefined {
  const f = fields(err);
  if (f.alert !== undefined) return { alert: alertName(f.alert), direction: f.remote === true ? 'received' : 'sent' };
  const m = f.code === undefined ? null : /_ALERT_([A-Z_]+)$/.exec(f.code);
  if (m?.[1] !== undefined) return { alert: m[1].toLowerCase(), direction: 'received' };
  // OpenSSL sends bad_record_mac when a record fails to decrypt (RFC 8446 §5.2).
  if (f.code === 'ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC') return { alert: 'bad_record_mac', direction: 'sent' };
  if (f.code === 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE') return { alert: 'certificate_required', direction: 'sent' };
  return undefined;
}

/** The alert the protocol prescribes for this failure (whether or not the implementation sent it). */
export function prescribedAlert(err: unknown): string | undefined {
  const f = fields(err);
  return f.code === undefined ? undefined : CERT_FAILURE_ALERT[f.code];
}

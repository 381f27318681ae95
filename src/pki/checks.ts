// The checks verifyCertificateChain made, one record each, for people who want to see them (the
// narrated trace, issue 6). Reported through an optional callback; without one nothing is built.
import { TlsError } from '../errors.js';
import type { Certificate } from './certificate.js';

/** What was checked (RFC 5280 §6.1 and RFC 9525 in the words of the classic handshake description). */
export type CertificateCheckName = 'validity' | 'purpose' | 'name' | 'chain' | 'signature' | 'application';

export interface CertificateCheckRecord {
  readonly check: CertificateCheckName;
  /** The certificate the check is about (its subject, RFC 4514 text). */
  readonly subject: string;
  readonly ok: boolean;
  /** What was compared, in words (dates, names, issuer, algorithm) or why it failed. */
  readonly detail: string;
  /** node:tls's error code when the check failed. */
  readonly code?: string;
}

export type CheckSink = (record: CertificateCheckRecord) => void;

/** Which check a verification error belongs to, from its code. */
function checkOfCode(code: string): CertificateCheckName {
  switch (code) {
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return 'validity';
    case 'INVALID_PURPOSE':
      return 'purpose';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return 'name';
    case 'CERT_SIGNATURE_FAILURE':
    case 'CA_MD_TOO_WEAK':
    case 'UNSUPPORTED_SIGNATURE_ALGORITHM':
      return 'signature';
    case 'CERT_REJECTED':
      return 'application';
    default:
      return 'chain';
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

export function validityDetail(cert: Certificate, time: number): string {
  return `valid from ${iso(cert.notBefore)} to ${iso(cert.notAfter)}; checked at ${iso(time)}`;
}

/**
 * Runs `fn` (one check); reports it to `sink` (ok, or failed with the error's code and message) and
 * rethrows a failure. With no sink it only runs `fn`.
 */
export function reportCheck(sink: CheckSink | undefined, check: CertificateCheckName, cert: Certificate, detail: () => string, fn: () => void): void {
  if (sink === undefined) {
    fn();
    return;
  }
  try {
    fn();
  } catch (e) {
    reportFailure(sink, cert, e, check);
    throw e;
  }
  sink({ check, subject: cert.subjectText, ok: true, detail: detail() });
}

/** Reports a failed check from the error it threw (its code decides which check, unless given). */
export function reportFailure(sink: CheckSink | undefined, cert: Certificate, e: unknown, check?: CertificateCheckName): void {
  if (sink === undefined) return;
  const code = e instanceof TlsError ? e.code : 'CERT_REJECTED';
  const c = code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID' ? 'validity' : (check ?? checkOfCode(code));
  sink({ check: c, subject: cert.subjectText, ok: false, detail: e instanceof Error ? e.message : String(e), code });
}

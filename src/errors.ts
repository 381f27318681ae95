// Every failure in typetls is a TlsError: the alert to send (or that was received), a stable code,
// and a sentence a person can act on (shared/STYLE.md, habit 7).
import { AlertDescription, alertName } from './wire/iana.js';

export interface TlsErrorOptions {
  /** True when the peer sent this alert to us; false when we detected the failure. */
  readonly remote?: boolean;
  readonly cause?: unknown;
}

export class TlsError extends Error {
  /** Stable machine-readable code, e.g. `ERR_TLS_DECODE_ERROR`, or node:tls's name (`CERT_HAS_EXPIRED`). */
  readonly code: string;
  /** The alert description that goes with this failure (sent, or received when `remote`). */
  readonly alert: number;
  readonly remote: boolean;

  constructor(code: string, alert: number, message: string, options: TlsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TlsError';
    this.code = code;
    this.alert = alert;
    this.remote = options.remote ?? false;
  }

  get alertName(): string {
    return alertName(this.alert);
  }
}

/** The error for a fatal alert received from the peer. */
export function remoteAlertError(description: number): TlsError {
  const name = alertName(description);
  return new TlsError(
    `ERR_TLS_ALERT_${name.toUpperCase()}`,
    description,
    `the peer closed the connection with a fatal ${name} alert`,
    { remote: true },
  );
}

export function decodeError(message: string): TlsError {
  return new TlsError('ERR_TLS_DECODE_ERROR', AlertDescription.decode_error, message);
}

export function illegalParameter(message: string): TlsError {
  return new TlsError('ERR_TLS_ILLEGAL_PARAMETER', AlertDescription.illegal_parameter, message);
}

export function unexpectedMessage(message: string): TlsError {
  return new TlsError('ERR_TLS_UNEXPECTED_MESSAGE', AlertDescription.unexpected_message, message);
}

export function internalError(message: string, cause?: unknown): TlsError {
  return new TlsError('ERR_TLS_INTERNAL_ERROR', AlertDescription.internal_error, message, cause === undefined ? {} : { cause });
}

export function handshakeFailure(message: string): TlsError {
  return new TlsError('ERR_TLS_HANDSHAKE_FAILURE', AlertDescription.handshake_failure, message);
}

export function missingExtension(message: string): TlsError {
  return new TlsError('ERR_TLS_MISSING_EXTENSION', AlertDescription.missing_extension, message);
}

export function unsupportedExtension(message: string): TlsError {
  return new TlsError('ERR_TLS_UNSUPPORTED_EXTENSION', AlertDescription.unsupported_extension, message);
}

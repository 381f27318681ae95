// The error for a node:tls option typetls cannot use: names the option and the bad value
// (shared/STYLE.md, habit 15). No alert is ever sent for it (nothing was on the wire yet).
import { TlsError } from '../errors.js';
import { AlertDescription } from '../wire/iana.js';

export function optionError(option: string, message: string, cause?: unknown): TlsError {
  return new TlsError(
    'ERR_TLS_INVALID_OPTION',
    AlertDescription.internal_error,
    `typetls: option \`${option}\`: ${message}`,
    cause === undefined ? {} : { cause },
  );
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Uint8Array) return `a ${value.length}-byte buffer`;
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : typeof value;
}

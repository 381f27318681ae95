// The handshake summary both the client and the demo print: `key: value` lines read from a
// TLSSocket through node:tls's accessors only.
import { createHash } from 'node:crypto';
import { groupFromKeyInfo } from './names.js';
import { groupName } from '../wire/iana.js';
import type { TLSSocket } from './tls-api.js';

export type SummaryLine = readonly [key: string, value: string];

/** "CN=localhost, O=Example" from node:tls's subject object; '' when there is none. */
export function formatSubject(subject: unknown): string {
  if (typeof subject !== 'object' || subject === null) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(subject)) {
    if (typeof v === 'string') parts.push(`${k}=${v}`);
    else if (Array.isArray(v)) for (const x of v) if (typeof x === 'string') parts.push(`${k}=${x}`);
  }
  return parts.join(', ');
}

/** The peer certificate's subject, or a phrase saying there is none. */
export function peerSubject(socket: TLSSocket): string {
  const cert = socket.getPeerCertificate();
  const s = formatSubject(cert?.subject);
  return s === '' ? 'none' : s;
}

/** The negotiated ALPN protocol, or `none`. */
export function alpnText(socket: TLSSocket): string {
  const alpn = socket.alpnProtocol;
  return typeof alpn === 'string' && alpn !== '' ? alpn : 'none';
}

/** `ok`, or why the peer is not authenticated. */
export function verification(socket: TLSSocket, peerCertExpected: boolean): string {
  if (socket.authorized) return 'ok';
  const err: unknown = socket.authorizationError;
  // node:tls reports a missing peer certificate as UNABLE_TO_GET_ISSUER_CERT; say what happened.
  const noCert = formatSubject(socket.getPeerCertificate()?.subject) === '';
  if (err === null || err === undefined || noCert) return peerCertExpected ? 'no certificate' : 'not requested';
  if (err instanceof Error) {
    const code = (err as Error & { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

export interface SummaryOptions {
  readonly side: 'client' | 'server';
  readonly earlyData: 'accepted' | 'rejected' | 'not sent';
  readonly peerCertExpected: boolean;
  readonly keyingMaterial?: { readonly label: string; readonly length: number };
  /** With --status: the stapled OCSP response ('OCSPResponse'), or null when none came. */
  readonly ocspResponse?: Buffer | null;
}

export function handshakeSummary(socket: TLSSocket, opts: SummaryOptions): SummaryLine[] {
  const cipher = socket.getCipher();
  // getEphemeralKeyInfo() is documented as empty on the server side with node:tls.
  // typetls's own summary knows the group on both sides.
  const info = socket.getEphemeralKeyInfo();
  const negotiated = socket.summary?.group;
  const group = negotiated !== undefined ? groupName(negotiated) : info !== null && 'type' in info && typeof info.type === 'string' ? groupFromKeyInfo(info) : 'unknown';
  const lines: SummaryLine[] = [
    ['protocol', socket.getProtocol() ?? 'unknown'],
    ['cipher', cipher?.standardName ?? 'unknown'],
    ['group', group],
    ['alpn', alpnText(socket)],
    ['peer certificate', peerSubject(socket)],
    ['verification', verification(socket, opts.peerCertExpected)],
    ['resumed', socket.isSessionReused() ? 'yes' : 'no'],
    ['early data', opts.earlyData],
  ];
  if (opts.ocspResponse !== undefined) {
    // Not checked here (as openssl -status prints it): its size and SHA-256, to compare with the source.
    const r = opts.ocspResponse;
    lines.push(['ocsp response', r === null ? 'none' : `${String(r.length)} bytes, sha256 ${createHash('sha256').update(r).digest('hex')}`]);
  }
  if (opts.keyingMaterial !== undefined) {
    // RFC 5705 §4: no context at all (as openssl -keymatexport), which differs from an empty one in
    // TLS 1.2; node:tls's typings make the optional context look required.
    const exportNoContext = socket.exportKeyingMaterial as (length: number, label: string) => Buffer;
    const km = exportNoContext.call(socket, opts.keyingMaterial.length, opts.keyingMaterial.label);
    lines.push(['keying material', km.toString('hex')]);
  }
  return lines;
}

export function formatSummary(lines: readonly SummaryLine[], indent = ''): string {
  return lines.map(([k, v]) => `${indent}${k}: ${v}\n`).join('');
}

/** OpenSSL's "803C…:error:0A000119:SSL routines:fn:reason:file:line:" → "reason". */
function readableMessage(message: string): string {
  const m = /^[0-9A-F]+:error:[0-9A-F]+:[^:]*:[^:]*:([^:]+):/.exec(message.trim());
  return m?.[1] ?? message.trim();
}

/** `<code>: <message>` for any error value. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as Error & { code?: unknown }).code;
    return `${typeof code === 'string' ? code : err.name}: ${readableMessage(err.message)}`;
  }
  return `ERROR: ${String(err)}`;
}

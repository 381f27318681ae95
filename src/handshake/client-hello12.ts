// What a ClientHello adds when TLS 1.2 is enabled beside (or instead of) TLS 1.3: the 1.2 suites and
// the extensions a TLS 1.2 server needs (RFC 8422 ec_point_formats, RFC 7627 extended_master_secret,
// RFC 5746 renegotiation_info, RFC 5077 session_ticket, RFC 7366 encrypt_then_mac with CBC suites).
import { ext as X, type Extension } from '../wire/extensions.js';
import type { ResolvedConfig } from '../conn/resolve.js';
import { suite12 } from '../keys/suites12.js';
import type { Session12 } from './session12.js';

export function hello12Extensions(cfg: ResolvedConfig, session: Session12 | undefined): Extension[] {
  if (cfg.suites12.length === 0) return [];
  const out: Extension[] = [X.ecPointFormats([0]), X.extendedMasterSecret(), X.renegotiationInfo()];
  // RFC 5077 §3.2: an empty session_ticket asks for a ticket; a non-empty one offers it.
  if (cfg.tickets12) out.push(X.sessionTicket(session?.ticket ?? new Uint8Array(0)));
  if (cfg.encryptThenMac && cfg.suites12.some((s) => suite12(s)?.cipher.kind === 'cbc')) out.push(X.encryptThenMac());
  return out;
}

/**
 * The legacy_session_id: the cached session's ID when resuming by ID (RFC 5246 §7.4.1.2); otherwise 32
 * random bytes (TLS 1.3 middlebox compatibility, and the ID a ticket resumption is recognised by,
 * RFC 5077 §3.4).
 */
export function helloSessionId(random: (n: number) => Uint8Array, session: Session12 | undefined): Uint8Array {
  if (session !== undefined && session.ticket === undefined && session.sessionId.length > 0) return session.sessionId;
  return random(32);
}

// A TLS 1.2 session as opaque bytes (RFC 5246 §7.4.1.2 session IDs, RFC 5077 tickets): what the client
// hands back as `session` to resume, what the server keeps in its session cache and seals into
// tickets. The format is typetls's own, versioned: a magic prefix, then the fields in order.
import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';
import { TlsError } from '../errors.js';

export interface Session12 {
  readonly suite: number;
  /** 48 bytes. */
  readonly masterSecret: Uint8Array;
  /** The session was made with the extended master secret (RFC 7627 §5.3 checks it on resumption). */
  readonly extendedMasterSecret: boolean;
  /** The server's session ID (0 to 32 bytes). */
  readonly sessionId: Uint8Array;
  /** Client side: the RFC 5077 ticket the server issued, if any. */
  readonly ticket: Uint8Array | undefined;
  readonly serverName: string | undefined;
  readonly alpn: string | undefined;
  /** The peer's certificates as sent in the full handshake (DER, leaf first). */
  readonly peerCertificates: readonly Uint8Array[];
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  /** Seconds the session may be resumed for. */
  readonly lifetime: number;
}

/** "tt12": typetls TLS 1.2 session, format 1. */
const MAGIC = [0x74, 0x74, 0x31, 0x32, 0x01];
const enc = new TextEncoder();
const dec = new TextDecoder();

export function encodeSession12(s: Session12): Uint8Array {
  const w = new Writer(256 + s.peerCertificates.reduce((n, c) => n + c.length + 3, 0));
  for (const b of MAGIC) w.u8(b);
  w.u16(s.suite).vecBytes(1, s.masterSecret).u8(s.extendedMasterSecret ? 1 : 0).vecBytes(1, s.sessionId);
  w.vecBytes(2, s.ticket ?? new Uint8Array(0));
  w.vecBytes(2, enc.encode(s.serverName ?? ''));
  w.vecBytes(1, enc.encode(s.alpn ?? ''));
  w.vec24((x) => s.peerCertificates.forEach((c) => x.vecBytes(3, c)));
  w.u32(Math.floor(s.createdAt / 1000)).u32(s.lifetime);
  return w.finish();
}

/** The session, or undefined when the bytes are not a TLS 1.2 session of this format (e.g. a TLS 1.3 one). */
export function decodeSession12(bytes: Uint8Array): Session12 | undefined {
  if (bytes.length < MAGIC.length || MAGIC.some((b, i) => bytes[i] !== b)) return undefined;
  try {
    // One private copy; the secret, IDs and certificates are views into it (one allocation, not one each).
    const own = bytes.slice();
    const r = new Reader(own, MAGIC.length);
    const suite = r.u16();
    const masterSecret = r.vec8(48, 48);
    const extendedMasterSecret = r.u8() === 1;
    const sessionId = r.vec8(0, 32);
    const ticket = r.vec16(0, 0xffff);
    const serverName = dec.decode(r.vec16(0, 0xffff));
    const alpn = dec.decode(r.vec8(0, 255));
    const certs = r.sub24(0, 0xffffff);
    const peerCertificates: Uint8Array[] = [];
    while (!certs.atEnd) peerCertificates.push(certs.vec24(1, 0xffffff));
    const createdAt = r.u32() * 1000;
    const lifetime = r.u32();
    r.end('session');
    return {
      suite,
      masterSecret,
      extendedMasterSecret,
      sessionId,
      ticket: ticket.length > 0 ? ticket : undefined,
      serverName: serverName === '' ? undefined : serverName,
      alpn: alpn === '' ? undefined : alpn,
      peerCertificates,
      createdAt,
      lifetime,
    };
  } catch (e) {
    if (e instanceof TlsError) return undefined;
    throw e;
  }
}

/** Whether the session may still be resumed at `now` (ms). */
export function sessionFresh(s: Session12, now: number): boolean {
  return now >= s.createdAt - 60_000 && now < s.createdAt + s.lifetime * 1000;
}

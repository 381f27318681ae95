// TLS 1.3 session state (RFC 8446 §4.6.1, §2.2): what the server seals into a ticket, what the client
// keeps (the opaque bytes of node:tls's `session` event / option), and a bounded per-server store of
// client sessions for the sans-IO API. Both encodings are versioned and decoded strictly; a session
// that does not decode is simply not used.
import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';
import { ProtocolVersion } from '../wire/iana.js';

/** Sealed in the ticket by the server: everything resumption needs, nothing the client can change. */
export interface ServerTicketState {
  readonly suite: number;
  readonly psk: Uint8Array;
  readonly ageAdd: number;
  /** Milliseconds since the epoch (the server's clock). */
  readonly issuedAt: number;
  /** Seconds. */
  readonly lifetime: number;
  /** 0 when the ticket does not allow early data. */
  readonly maxEarlyData: number;
  readonly alpn: string | undefined;
  readonly serverName: string | undefined;
  /** The client's certificate chain from the original handshake (empty when none). */
  readonly peerCertificates: readonly Uint8Array[];
  /** Whether the client's certificate was verified in the original handshake. */
  readonly peerAuthorized: boolean;
}

/** Kept by the client: the ticket and the PSK it stands for. */
export interface ClientSession13 {
  readonly suite: number;
  readonly psk: Uint8Array;
  readonly ticket: Uint8Array;
  readonly ageAdd: number;
  /** Milliseconds since the epoch (the client's clock) when the NewSessionTicket arrived. */
  readonly receivedAt: number;
  /** Seconds. */
  readonly lifetime: number;
  readonly maxEarlyData: number;
  readonly alpn: string | undefined;
  readonly serverName: string | undefined;
  /** The server's certificates from the original handshake (reported again when resumed). */
  readonly peerCertificates: readonly Uint8Array[];
  readonly verifiedChain: readonly Uint8Array[] | undefined;
}

const SERVER_FORMAT = 0x7431; // 't1'
const CLIENT_FORMAT = 0x6331; // 'c1'
const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

function u64(w: Writer, v: number): void {
  w.u32(Math.floor(v / 0x1_0000_0000)).u32(v >>> 0);
}
function readU64(r: Reader): number {
  const hi = r.u32();
  return hi * 0x1_0000_0000 + r.u32();
}
function optString(w: Writer, s: string | undefined): void {
  w.u8(s === undefined ? 0 : 1);
  if (s !== undefined) w.vecBytes(2, enc.encode(s));
}
function readOptString(r: Reader): string | undefined {
  const present = r.u8();
  if (present === 0) return undefined;
  if (present !== 1) throw new Error('bad flag');
  return dec.decode(r.vec16(0, 0xffff));
}
function chain(w: Writer, certs: readonly Uint8Array[]): void {
  w.vec24((x) => certs.forEach((c) => x.vecBytes(3, c)));
}
/** The certificates as views into the reader's bytes (the decoders below read a private copy). */
function readChain(r: Reader): Uint8Array[] {
  const list = r.sub24(0, 0xffffff);
  const out: Uint8Array[] = [];
  while (!list.atEnd) out.push(list.vec24(1, 0xffffff));
  return out;
}

/** Bytes a certificate chain takes encoded (sizes the writers below, so they never grow). */
function chainSize(certs: readonly Uint8Array[]): number {
  let n = 3;
  for (const c of certs) n += 3 + c.length;
  return n;
}

export function encodeServerTicketState(s: ServerTicketState): Uint8Array {
  const w = new Writer(128 + s.psk.length + (s.alpn?.length ?? 0) * 3 + (s.serverName?.length ?? 0) * 3 + chainSize(s.peerCertificates));
  w.u16(SERVER_FORMAT).u16(ProtocolVersion.TLSv1_3).u16(s.suite).vecBytes(1, s.psk).u32(s.ageAdd);
  u64(w, s.issuedAt);
  w.u32(s.lifetime).u32(s.maxEarlyData);
  optString(w, s.alpn);
  optString(w, s.serverName);
  chain(w, s.peerCertificates);
  w.u8(s.peerAuthorized ? 1 : 0);
  return w.finish();
}

/** Decodes the plaintext of a ticket we sealed; undefined for any other format. */
export function decodeServerTicketState(b: Uint8Array): ServerTicketState | undefined {
  try {
    // One private copy; the PSK and certificates are views into it (one allocation, not one each).
    const own = b.slice();
    const r = new Reader(own, 0, own.length);
    if (r.u16() !== SERVER_FORMAT || r.u16() !== ProtocolVersion.TLSv1_3) return undefined;
    const suite = r.u16();
    const psk = r.vec8(32, 64);
    const ageAdd = r.u32();
    const issuedAt = readU64(r);
    const lifetime = r.u32();
    const maxEarlyData = r.u32();
    const alpn = readOptString(r);
    const serverName = readOptString(r);
    const peerCertificates = readChain(r);
    const peerAuthorized = r.u8() === 1;
    r.end();
    return { suite, psk, ageAdd, issuedAt, lifetime, maxEarlyData, alpn, serverName, peerCertificates, peerAuthorized };
  } catch {
    return undefined;
  }
}

/** The bytes of the client's `session` event (opaque to the application). */
export function encodeClientSession(s: ClientSession13): Uint8Array {
  const strings = (s.alpn?.length ?? 0) * 3 + (s.serverName?.length ?? 0) * 3;
  const w = new Writer(128 + s.psk.length + s.ticket.length + strings + chainSize(s.peerCertificates) + (s.verifiedChain === undefined ? 0 : chainSize(s.verifiedChain)));
  w.u16(CLIENT_FORMAT).u16(ProtocolVersion.TLSv1_3).u16(s.suite).vecBytes(1, s.psk).vecBytes(2, s.ticket).u32(s.ageAdd);
  u64(w, s.receivedAt);
  w.u32(s.lifetime).u32(s.maxEarlyData);
  optString(w, s.alpn);
  optString(w, s.serverName);
  chain(w, s.peerCertificates);
  w.u8(s.verifiedChain === undefined ? 0 : 1);
  if (s.verifiedChain !== undefined) chain(w, s.verifiedChain);
  return w.finish();
}

/** Decodes a `session` given back by the application; undefined when it is not a TLS 1.3 session of ours. */
export function decodeClientSession(b: Uint8Array): ClientSession13 | undefined {
  try {
    // One private copy (the application keeps its bytes); every field is a view into it.
    const own = b.slice();
    const r = new Reader(own, 0, own.length);
    if (r.u16() !== CLIENT_FORMAT || r.u16() !== ProtocolVersion.TLSv1_3) return undefined;
    const suite = r.u16();
    const psk = r.vec8(32, 64);
    const ticket = r.vec16(1, 0xffff);
    const ageAdd = r.u32();
    const receivedAt = readU64(r);
    const lifetime = r.u32();
    const maxEarlyData = r.u32();
    const alpn = readOptString(r);
    const serverName = readOptString(r);
    const peerCertificates = readChain(r);
    const hasVerified = r.u8();
    const verifiedChain = hasVerified === 1 ? readChain(r) : undefined;
    r.end();
    return { suite, psk, ticket, ageAdd, receivedAt, lifetime, maxEarlyData, alpn, serverName, peerCertificates, verifiedChain };
  } catch {
    return undefined;
  }
}

/**
 * Client sessions per server (the key is the server name, or whatever the application uses, such as
 * host:port), at most `perServer` for each and `maxServers` servers (the least recently used server is
 * dropped). Tickets are taken out when used: RFC 8446 §C.4 asks clients not to reuse a ticket.
 */
export class ClientSessionStore {
  private readonly byServer = new Map<string, Uint8Array[]>();

  constructor(
    readonly perServer = 4,
    readonly maxServers = 256,
  ) {}

  put(key: string, session: Uint8Array): void {
    const list = this.byServer.get(key) ?? [];
    this.byServer.delete(key);
    list.push(session);
    while (list.length > this.perServer) list.shift();
    this.byServer.set(key, list);
    while (this.byServer.size > this.maxServers) {
      const oldest = this.byServer.keys().next();
      if (oldest.done === true) break;
      this.byServer.delete(oldest.value);
    }
  }

  /** The newest session for `key` that is still alive at `now` (ms), removed from the store. */
  take(key: string, now: number): Uint8Array | undefined {
    const list = this.byServer.get(key);
    if (list === undefined) return undefined;
    let found: Uint8Array | undefined;
    while (list.length > 0 && found === undefined) {
      const s = list.pop();
      if (s === undefined) break;
      const d = decodeClientSession(s);
      if (d !== undefined && now < d.receivedAt + d.lifetime * 1000) found = s;
    }
    if (list.length === 0) this.byServer.delete(key);
    return found;
  }

  get size(): number {
    let n = 0;
    for (const l of this.byServer.values()) n += l.length;
    return n;
  }
}

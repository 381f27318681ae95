// The trace vocabulary (issue 6): the structured events a connection emits when `trace` is on, as a
// discriminated union on `kind`. The connection's own type (src/conn/types.ts TraceEvent) stays an
// open record so that a state machine may add a field or a kind without breaking this module; code
// that renders or checks traces narrows with `knownEvent()`. No event ever holds a secret: key
// material leaves only through the key log (`keylog` events), never through the trace.
import type { TraceEvent } from '../conn/types.js';

export type Direction = 'sent' | 'received';
export type Side = 'client' | 'server';

/** One handshake message, sent or received, with its bytes as they go into the transcript. */
export interface MessageEvent {
  readonly kind: 'message';
  readonly direction: Direction;
  /** The handshake type's RFC name, e.g. `client_hello`. */
  readonly type: string;
  /** The HandshakeType code point. */
  readonly code: number;
  /** Length of the whole message, 4-byte header included. */
  readonly length: number;
  /** The message, header included (plaintext: what both transcripts hash; never key material). */
  readonly raw: Uint8Array;
  /** The keys protecting the record that carries it (`none` before keys exist). */
  readonly keys: string;
}

/** One TLS record, sent or received: the content type inside and the keys that protect it. */
export interface RecordEvent {
  readonly kind: 'record';
  readonly direction: Direction;
  readonly contentType: string;
  /** Content length (plaintext, before protection). */
  readonly length: number;
  readonly keys: string;
}

/** New keys protect the records read or written from now on (RFC 8446 §7.3, RFC 5246 §6.3). */
export interface KeysEvent {
  readonly kind: 'keys';
  readonly direction: 'read' | 'write';
  /** The RFC's name for the secret or key, e.g. `server_handshake_traffic_secret`, `client_write_key`. */
  readonly keys: string;
}

/** A secret was derived: its NSS key log label and its length in bytes (never its value). */
export interface SecretEvent {
  readonly kind: 'secret';
  readonly label: string;
  readonly length: number;
}

/** The ClientHello was sent (client: what it offered) or received (server: what was offered). */
export interface ClientHelloEvent {
  readonly kind: 'client-hello';
  readonly versions: readonly string[];
  readonly suites?: readonly string[];
  readonly groups?: readonly string[];
  readonly keyShare?: string;
  readonly serverName?: string | undefined;
  readonly alpn?: readonly string[] | undefined;
  readonly psk?: boolean;
  readonly earlyData?: boolean;
}

/** The ServerHello settled the version, suite and (EC)DHE group. */
export interface ServerHelloEvent {
  readonly kind: 'server-hello';
  readonly version: string;
  readonly cipher: string;
  readonly group?: string | undefined;
  /** A HelloRetryRequest came first. */
  readonly retried?: boolean;
  readonly serverName?: string | undefined;
  readonly alpn?: string | undefined;
  readonly resumed?: boolean;
  /** TLS 1.2: extended master secret (RFC 7627) and encrypt-then-MAC (RFC 7366) in use. */
  readonly ems?: boolean;
  readonly etm?: boolean;
  readonly byTicket?: boolean;
  readonly earlyData?: boolean;
}

export interface HelloRetryRequestEvent {
  readonly kind: 'hello-retry-request';
  readonly group?: string | undefined;
  readonly cipher: string;
  readonly pskKept?: boolean;
}

export interface CertificateRequestEvent {
  readonly kind: 'certificate-request';
  /** How many signature schemes and certificate authorities the server named. */
  readonly schemes: number;
  readonly authorities: number;
}

/** Server: its first flight is out (certificate request, signature scheme, chain length). */
export interface ServerFlightEvent {
  readonly kind: 'server-flight';
  readonly certificateRequested: boolean;
  readonly scheme: string;
  readonly certificates: number;
}

/** The peer's certificate was verified (or not). */
export interface CertificateEvent {
  readonly kind: 'certificate';
  readonly peer: Side;
  readonly count: number;
  readonly verified: boolean;
  readonly error?: string | undefined;
}

/** One check the certificate verifier made (src/pki/checks.ts). */
export interface CertificateCheckEvent {
  readonly kind: 'certificate-check';
  readonly peer: Side;
  readonly check: 'validity' | 'purpose' | 'name' | 'chain' | 'signature' | 'application';
  readonly subject: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly code?: string;
}

/** Client: its Finished is out. */
export interface FinishedEvent {
  readonly kind: 'finished';
  readonly clientCertificateSent: boolean;
  readonly certificateRequested: boolean;
}

export interface ChangeCipherSpecEvent {
  readonly kind: 'change-cipher-spec';
  readonly direction: Direction;
}

export interface AlertEvent {
  readonly kind: 'alert';
  readonly direction: Direction;
  /** 1 warning, 2 fatal. */
  readonly level: number;
  /** The RFC name, e.g. `bad_certificate`. */
  readonly description: string;
}

export interface KeyUpdateEvent {
  readonly kind: 'key-update';
  readonly direction: Direction;
  readonly requestPeer?: boolean;
}

/** The handshake is complete: what was negotiated. */
export interface HandshakeCompleteEvent {
  readonly kind: 'handshake-complete';
  readonly version: string;
  readonly cipher: string;
  readonly group?: string | undefined;
  readonly peerSignatureScheme?: string | undefined;
  readonly alpn?: string | undefined;
  readonly serverName?: string | undefined;
  readonly resumed?: boolean;
  readonly authorized?: boolean;
  readonly peerCertificates?: number;
  readonly earlyData?: string;
}

export interface CloseEvent {
  readonly kind: 'close';
  readonly sent: string;
}

/** The connection failed: the error the application sees and the alert it implies. */
export interface ErrorEvent {
  readonly kind: 'error';
  readonly code: string;
  readonly alert: string;
  readonly message: string;
}

/**
 * TLS 1.3 resumption and early data (RFC 8446 §2.2, §2.3, §4.6.1), and external PSKs (§4.2.11:
 * 'psk-offer' and 'psk' then carry `external: true`).
 */
export interface PskEvent {
  readonly kind: 'psk-offer' | 'psk' | 'early-data' | 'end-of-early-data' | 'new-session-ticket' | 'new-session-tickets';
  readonly [field: string]: unknown;
}

/** TLS 1.2: a renegotiation attempt was refused (RFC 5746). */
export interface RenegotiationRefusedEvent {
  readonly kind: 'renegotiation-refused';
  readonly message: string;
}

export type KnownTraceEvent =
  | MessageEvent
  | RecordEvent
  | KeysEvent
  | SecretEvent
  | ClientHelloEvent
  | ServerHelloEvent
  | HelloRetryRequestEvent
  | CertificateRequestEvent
  | ServerFlightEvent
  | CertificateEvent
  | CertificateCheckEvent
  | FinishedEvent
  | ChangeCipherSpecEvent
  | AlertEvent
  | KeyUpdateEvent
  | HandshakeCompleteEvent
  | CloseEvent
  | ErrorEvent
  | PskEvent
  | RenegotiationRefusedEvent;

export type TraceKind = KnownTraceEvent['kind'];

const KINDS: ReadonlySet<string> = new Set<TraceKind>([
  'message', 'record', 'keys', 'secret', 'client-hello', 'server-hello', 'hello-retry-request', 'certificate-request',
  'server-flight', 'certificate', 'certificate-check', 'finished', 'change-cipher-spec', 'alert', 'key-update',
  'handshake-complete', 'close', 'error', 'psk-offer', 'psk', 'early-data', 'end-of-early-data', 'new-session-ticket',
  'new-session-tickets', 'renegotiation-refused',
]);

/**
 * The event as a member of the documented union, or undefined for a kind this module does not know.
 * The connection builds every event of a kind with the fields documented here (src/conn, src/handshake).
 */
export function knownEvent(e: TraceEvent): KnownTraceEvent | undefined {
  if (!KINDS.has(e.kind)) return undefined;
  if (e.kind === 'message' && !(e['raw'] instanceof Uint8Array)) return undefined;
  return e as unknown as KnownTraceEvent;
}

/** An event with the side of the connection that emitted it (the demo merges both sides' traces). */
export interface SidedEvent {
  readonly side: Side;
  readonly event: KnownTraceEvent;
}
